"""The plugin's HTTP under host profile 1.0: what the adapter does for `http_request`.

Extism's built-in HTTP follows redirects without re-checking `allowed_hosts` (forwarding the
vendor's key to whatever host a redirect names) and reports failures only as text. This one:

- checks the URL's host against `allowed_hosts` before connecting (`allowed_hosts.py`), and
  sends the request to the URL as the WHATWG parser normalized it;
- never follows a redirect: a 3xx reaches the plugin as it is;
- ignores proxy environment variables;
- bounds each request by `request_timeout_ms` and what is left of the call's `timeout_ms`, the
  whole exchange and not each read (`deadline.py`);
- asks for gzip and decodes it (`encoding.py`);
- reads at most `max_http_response_bytes` + 1 bytes of a body (decoded);
- reports every failure as a `TransportFailure` of one of the contract's kinds.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .allowed_hosts import host_allowed, parsed_url
from .deadline import DeadlineHTTPHandler, DeadlineHTTPSHandler, DeadlineRequest
from .encoding import GzipBody, NotGzipError, accepting_gzip, is_gzip

HOST_NOT_ALLOWED = "host_not_allowed"
BAD_REQUEST = "bad_request"
TIMEOUT = "timeout"
TOO_LARGE = "too_large"
CONNECTION = "connection"

_CHUNK_BYTES = 1024 * 1024


class TransportFailure(Exception):
    """Raised when a request gets no usable response; `kind` is the contract's failure kind."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def to_body(self) -> bytes:
        """Encodes the failure as the body of a status-0 answer to an interface 1.1 plugin."""
        return json.dumps({"kind": self.kind, "message": self.message}).encode()


@dataclass(frozen=True)
class HttpPolicy:
    """Holds what the adapter's HTTP enforces, from the manifest and the caller."""

    allowed_hosts: tuple[str, ...]
    max_response_bytes: int
    request_timeout_s: float


@dataclass
class Response:
    """Holds a response as the plugin sees it: status, lowercase headers (last wins), body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def send(
    request: dict[str, object],
    body: bytes | None,
    policy: HttpPolicy,
    time_left_s: float | None = None,
) -> Response:
    """Sends the plugin's request (`{"url", "method"?, "headers"}`) under `policy`.

    `time_left_s` is what remains of the call's timeout; the request gets the smaller of it and
    the policy's request timeout. Raises TransportFailure when no usable response arrives.
    """
    url, method, headers = _parse(request)
    host = urlsplit(url).hostname or ""
    if not host_allowed(policy.allowed_hosts, host):
        raise TransportFailure(
            HOST_NOT_ALLOWED,
            f"the request to {host} was refused: the host is not in the manifest's allowed_hosts",
        )
    budget_s = policy.request_timeout_s
    if time_left_s is not None:
        budget_s = min(budget_s, time_left_s)
    if budget_s <= 0:
        raise _timeout()
    deadline = time.monotonic() + budget_s
    try:
        outgoing = DeadlineRequest(
            url, data=body, headers=accepting_gzip(headers), method=method, deadline=deadline
        )
        with _OPENER.open(outgoing, timeout=budget_s) as response:
            status = response.status
            received = {name.lower(): value for name, value in response.headers.items()}
            reader = response
            if is_gzip(received.get("content-encoding")):
                reader = GzipBody(response)
                received.pop("content-encoding")
                received.pop("content-length", None)
            content = _read_body(reader, policy.max_response_bytes, deadline)
    except TransportFailure:
        raise
    except NotGzipError as error:
        raise TransportFailure(CONNECTION, str(error)) from error
    except TimeoutError as error:
        raise _timeout() from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _timeout() from error
        raise TransportFailure(
            CONNECTION, f"{host} could not be reached: {error.reason}"
        ) from error
    except http.client.InvalidURL as error:
        raise TransportFailure(BAD_REQUEST, f"invalid URL: {error}") from error
    except (http.client.HTTPException, OSError) as error:
        raise TransportFailure(
            CONNECTION, f"the connection to {host} failed: {type(error).__name__}: {error}"
        ) from error
    except ValueError as error:  # urllib and http.client refuse malformed URLs and headers
        raise TransportFailure(BAD_REQUEST, f"the request cannot be made: {error}") from error
    return Response(status=status, headers=received, body=content)


class _EveryStatusAsIs(urllib.request.HTTPErrorProcessor):
    """Hands every response back unchanged: no HTTPError, and so no redirect is ever followed."""

    def http_response(self, request, response):  # type: ignore[no-untyped-def]
        """Returns the response as it is, whatever its status."""
        return response

    https_response = http_response


# ProxyHandler({}) replaces the default one, which reads *_proxy environment variables; the
# deadline handlers replace the default HTTP and HTTPS ones.
_OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    _EveryStatusAsIs(),
    DeadlineHTTPHandler(),
    DeadlineHTTPSHandler(),
)


def _parse(request: dict[str, object]) -> tuple[str, str, dict[str, str]]:
    url = request.get("url")
    if not isinstance(url, str):
        raise TransportFailure(BAD_REQUEST, "the request has no URL")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as error:
        raise TransportFailure(BAD_REQUEST, f"invalid URL: {error}") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportFailure(BAD_REQUEST, "invalid URL: not an http(s) URL with a host")
    method = request.get("method") or "GET"
    headers = request.get("headers") or {}
    if not isinstance(method, str) or not isinstance(headers, dict):
        raise TransportFailure(BAD_REQUEST, "the request's method or headers are malformed")
    if not all(isinstance(value, str) for value in headers.values()):
        raise TransportFailure(BAD_REQUEST, "a request header's value is not a string")
    normalized = parsed_url(url)
    if normalized is None:
        raise TransportFailure(BAD_REQUEST, "invalid URL: the WHATWG URL parser refuses it")
    return normalized.href, method.upper(), headers


def _read_body(response: http.client.HTTPResponse | GzipBody, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() >= deadline:
            raise _timeout()
        chunk = response.read(min(_CHUNK_BYTES, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise TransportFailure(
                TOO_LARGE,
                f"the response body is larger than max_http_response_bytes ({limit} bytes)",
            )
    # http.client reads a short Content-Length body without complaint; `length` is what is missing.
    if response.length:
        raise TransportFailure(CONNECTION, "the response body was cut short")
    return b"".join(chunks)


def _timeout() -> TransportFailure:
    return TransportFailure(
        TIMEOUT,
        "no complete response in time (the manifest's request_timeout_ms, "
        "or what was left of the call's timeout_ms)",
    )
