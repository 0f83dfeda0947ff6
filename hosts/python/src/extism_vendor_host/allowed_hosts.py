"""`allowed_hosts` matching under host profile 1.0 (H1): the one rule every host follows.

A URL's host and each pattern are normalized as the WHATWG URL parser normalizes a host
(`ada-url`, the parser Node itself uses; the Rust harness uses the `url` crate): lowercase, IDNA
to punycode (UTS 46), IPv4 in dotted decimal (`2130706433`, `0x7f.1`, `127.1` are
`127.0.0.1`), IPv6 compressed and without brackets; then one trailing dot is dropped. `*` is the
only wildcard: any run of characters, none included. A pattern that is no host (it holds `?`,
`[`, `/`, `%`, a space...) matches nothing. The request is sent to the URL as the parser
normalized it, so the host connected to is the host checked.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import ada_url

# WHATWG's forbidden host code points (the parser would stop the host there), and `%`.
_FORBIDDEN = frozenset(" #/:<>?@[\\]^|%")


# A pure function of its text, asked again for every pattern of every request: a per-platform sync
# spent a fifth of its time in the Python host normalizing the same allowed_hosts.
@functools.lru_cache(maxsize=1024)
def normalized_host(text: str) -> str | None:
    """Returns a host name, IP address or pattern as the rule compares it; None if it is no host."""
    if ":" in text and not text.startswith("["):
        text = f"[{text}]"  # an IPv6 address written without brackets
    if not text.startswith("[") and any(c in _FORBIDDEN or not c.isprintable() for c in text):
        return None
    holder = ada_url.URL("ws://x")
    try:
        holder.hostname = text
    except ValueError:
        return None
    host = holder.hostname
    if host.startswith("["):
        return host[1:-1]
    if not _punycode_labels_decode(host):
        return None
    return host[:-1] if host.endswith(".") else host


def host_matches(pattern: str, host: str) -> bool:
    """Tells whether `host` (a URL's host) matches an allowed_hosts pattern."""
    pattern_form, host_form = normalized_host(pattern), normalized_host(host)
    return pattern_form is not None and host_form is not None and _wildcard(pattern_form, host_form)


def host_allowed(allowed_hosts: Iterable[str], host: str) -> bool:
    """Tells whether `host` matches any of `allowed_hosts`."""
    return any(host_matches(pattern, host) for pattern in allowed_hosts)


def parsed_url(url: str) -> ada_url.URL | None:
    """Parses `url` as the WHATWG URL parser does (as Node and the Rust harness do); None if bad."""
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return None
    return parsed if _punycode_labels_decode(parsed.hostname) else None


def _punycode_labels_decode(host: str) -> bool:
    """Tells whether every `xn--` label of `host` is the punycode of a valid label.

    The WHATWG parser refuses a host whose `xn--` label does not decode (Node and the Rust `url`
    crate do); ada-url 4.0.0 lets it through, so the check is made here.
    """
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                decoded = label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                return False
            if ada_url.idna_to_ascii(decoded) != label.encode():
                return False
    return True


def _wildcard(pattern: str, text: str) -> bool:
    """Matches `text` against `pattern`, where `*` is any run of characters."""
    first, *middle = pattern.split("*")
    if not text.startswith(first):
        return False
    rest = text[len(first) :]
    if not middle:
        return rest == ""
    *middle, last = middle
    for part in middle:
        at = rest.find(part)
        if at < 0:
            return False
        rest = rest[at + len(part) :]
    return rest.endswith(last)
