"""A minimal host of host profile 1.0, written from a release bundle's HOST-PROFILE.md alone.

    python host.py BUNDLE START_LINE

BUNDLE is a bundle folder (nothing outside it is read), START_LINE the JSON line
`host-harness serve` printed (`{"url", "credentials"}`). It prints the scenario's transcript
(profile section 5) as one JSON line, counted as of `as_of` in `scenarios/index.json`.

Only the Python SDK (`extism`, and its runtime `extism_sys`) and the standard library are used.
It keeps the profile's MUSTs, minimally: allowed_hosts are compared after lowercasing only (IDNA
and legacy IPv4 forms are not normalized, so they match nothing), and H4's deadline is checked
before each read of the body (connecting and the status line get the request's whole budget).
"""

from __future__ import annotations

import calendar
import hashlib
import http.client
import json
import re
import sys
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import extism
from extism_sys import ffi

EXPORTS = ("describe_credentials", "authenticate", "list_accounts", "list_services")
CLASSES = {
    "config",
    "auth",
    "permission",
    "not_found",
    "rate_limited",
    "transient",
    "vendor",
    "internal",
}
CLASS_OF_KIND = {
    "host_not_allowed": "config",
    "bad_request": "internal",
    "timeout": "transient",
    "too_large": "vendor",
    "connection": "transient",
}
MAX_WAIT_S = 2**53 - 1
MAX_MODULE_BYTES = 64 << 20
I32, I64 = extism.ValType.I32, extism.ValType.I64
CALLBACK = "void(ExtismCurrentPlugin*, const ExtismVal*, ExtismSize, ExtismVal*, ExtismSize, void*)"


class Refused(Exception):
    """The bundle cannot be loaded (section 1)."""


class Failure(Exception):
    """A request that got no response, of one of the kinds of H3."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


# --- 1. Loading ---------------------------------------------------------------------------


def version(text: object) -> tuple[int, int] | None:
    """L1: `major.minor`, two runs of ASCII digits, ASCII white space around ignored."""
    found = (
        re.fullmatch(r"[ \t\n\f\r]*([0-9]+)\.([0-9]+)[ \t\n\f\r]*", text)
        if isinstance(text, str)
        else None
    )
    return (int(found[1]), int(found[2])) if found else None


def serves(mine: str, theirs: object) -> bool:
    """L1: the same major, a minor not newer."""
    ours, wanted = version(mine), version(theirs)
    return wanted is not None and ours[0] == wanted[0] and wanted[1] <= ours[1]


def load(bundle: Path) -> tuple[dict, bytes]:
    """L1, L2: the manifest, checked, and its module."""
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    if not serves("1.1", manifest.get("interface_version")):
        raise Refused(f"interface {manifest.get('interface_version')!r} is not served")
    profile = manifest.get("host_profile")
    if not serves("1.0", "1.0" if profile is None else profile):
        raise Refused(f"the plugin needs host profile {profile}, but this host meets 1.0")
    relative = Path(manifest["wasm"]["path"])
    if relative.is_absolute() or ".." in relative.parts:
        raise Refused(f"wasm.path {relative} leaves the manifest's folder")
    path = (bundle / relative).resolve()
    if not path.is_relative_to(bundle.resolve()) or not path.is_file():
        raise Refused(f"{relative} is not a file inside the manifest's folder")
    with path.open("rb") as file:
        wasm = file.read(MAX_MODULE_BYTES + 1)
    if len(wasm) > MAX_MODULE_BYTES or not wasm.startswith(b"\0asm\1\0\0\0"):
        raise Refused(f"{relative} is not a wasm module of at most 64 MiB")
    pin = manifest["wasm"].get("sha256")
    if pin is not None and not (isinstance(pin, str) and re.fullmatch(r"[0-9a-fA-F]{64}", pin)):
        raise Refused("wasm.sha256 is not 64 hex digits")
    if pin is not None and hashlib.sha256(wasm).hexdigest() != pin.lower():
        raise Refused(f"{relative} does not have the pinned SHA-256")
    return manifest, wasm


# --- 2. HTTP ------------------------------------------------------------------------------


def allowed(host: str, patterns: list[str]) -> bool:
    """H1: `*` the only wildcard; a pattern holding a character no host has matches nothing."""
    host = host.lower().removesuffix(".")
    for pattern in patterns:
        pattern = pattern.lower().removesuffix(".")
        if re.search(r"[?\[\]/:@#% \x00-\x1f\x7f]", pattern):
            continue
        if re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), host, re.DOTALL):
            return True
    return False


def gunzip(data: bytes, limit: int) -> bytes:
    """H5b: gzip members concatenated, at most `limit` decoded bytes (H5)."""
    out = bytearray()
    try:
        while True:
            stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while True:
                out += stream.decompress(data, limit + 1 - len(out))
                if len(out) > limit:
                    raise Failure("too_large", f"the decoded body is over {limit} bytes")
                data = stream.unconsumed_tail
                if stream.eof or not data:
                    break
            if not stream.eof:
                raise Failure("connection", "the gzip body is cut short")
            data = stream.unused_data
            if not data:
                return bytes(out)
    except zlib.error as error:
        raise Failure("connection", f"the body is not gzip: {error}") from error


def send(request: dict, body: bytes | None, call: Call) -> tuple[int, dict, bytes]:
    """H1-H7 for one request: no redirect followed, no proxy, one deadline, bodies bounded."""
    url, method = request.get("url"), (request.get("method") or "GET").upper()
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Failure("bad_request", f"not an http(s) URL: {url!r}")
    if not allowed(parts.hostname, call.allowed_hosts):
        raise Failure("host_not_allowed", f"{parts.hostname} is not in allowed_hosts")
    budget = min(call.request_timeout_s, call.deadline - time.monotonic())
    if budget <= 0:
        raise Failure("timeout", "no time left for the request")
    deadline = time.monotonic() + budget
    headers = dict(request.get("headers") or {})
    if not any(name.lower() == "accept-encoding" for name in headers):
        headers["Accept-Encoding"] = "gzip"
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=budget)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body, headers=headers)
        sock = connection.sock  # the response keeps reading it after the connection lets go
        response = connection.getresponse()
        received = {name.lower(): value for name, value in response.getheaders()}
        gzipped = received.get("content-encoding", "").strip().lower() in ("gzip", "x-gzip")
        chunks, size = [], 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("timeout", "no complete response in time")
            sock.settimeout(left)
            chunk = response.read1(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > call.max_bytes and not gzipped:
                raise Failure("too_large", f"the body is over {call.max_bytes} bytes")
        if response.length:
            raise Failure("connection", "the body was cut short")
        data = b"".join(chunks)
        if gzipped:
            data = gunzip(data, call.max_bytes)
            received.pop("content-encoding")
            received.pop("content-length", None)
        if len(data) > call.max_bytes:
            raise Failure("too_large", f"the body is over {call.max_bytes} bytes")
        return response.status, received, data
    except TimeoutError as error:
        raise Failure("timeout", "no complete response in time") from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise Failure("connection", f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()


class Call:
    """F1: one call's HTTP state, the call's Extism host context."""

    def __init__(self, host: Host) -> None:
        self.allowed_hosts, self.max_bytes = (
            host.allowed_hosts,
            host.limits["max_http_response_bytes"],
        )
        self.request_timeout_s = (host.limits.get("request_timeout_ms") or 60_000) / 1000
        self.started = time.monotonic()
        self.deadline = self.started + host.limits["timeout_ms"] / 1000
        self.as_values = host.failures_as_values
        self.status, self.headers, self.retry_after, self.failure = 0, {}, None, None


def read_block(current: extism.CurrentPlugin, offset: int) -> bytes | None:
    """F2, F3: a block's bytes, the block freed; None for 0."""
    if offset == 0:
        return None
    block = current.memory_at_offset(offset)
    data = bytes(current.memory(block)[:])
    current.free(block)
    return data


def new_block(current: extism.CurrentPlugin, data: bytes) -> int:
    """F4: a block holding `data`; 0 for no bytes."""
    block = current.alloc(len(data))
    if data:
        current.memory(block)[:] = data
    return block.offset


def http_request(current: extism.CurrentPlugin, call: Call, request: int, body: int) -> int:
    request_json, body_bytes = read_block(current, request), read_block(current, body)
    call.status, call.headers = 0, {}
    try:
        parsed = json.loads(request_json or b"")
        if not isinstance(parsed, dict):
            raise Failure("bad_request", "the request is not a JSON object")
        status, headers, data = send(parsed, body_bytes, call)
    except (Failure, ValueError) as failure:
        if not isinstance(failure, Failure):
            failure = Failure("bad_request", f"the request is not JSON: {failure}")
        if not call.as_values:
            call.failure = failure
            raise
        return new_block(
            current, json.dumps({"kind": failure.kind, "message": failure.message}).encode()
        )
    call.status, call.headers = status, headers
    if status in (429, 503):
        call.retry_after = headers.get("retry-after")
    return new_block(current, data)


def host_function(name, params, result, impl):
    """F1, F7, S4: an `extism:host/env` function whose failures trap (a wrong result type)."""

    @ffi.callback(CALLBACK)
    def callback(pointer, inputs, n_inputs, outputs, _n_outputs, _data):
        current = extism.CurrentPlugin(pointer)
        try:
            value = impl(
                current, current.host_context(), *[inputs[i].v.i64 for i in range(n_inputs)]
            )
        except Exception:  # noqa: BLE001 - every failure ends the call, never reads as 0
            outputs[0].t = (I32 if result == I64 else I64).value
            return
        if result == I64:
            outputs[0].v.i64 = value
        else:
            outputs[0].v.i32 = value

    return extism.Function("extism:host/env", name, params, [result], callback)


FUNCTIONS = [
    host_function("http_request", [I64, I64], I64, http_request),
    host_function("http_status_code", [], I32, lambda _current, call: call.status),
    host_function(
        "http_headers",
        [],
        I64,
        lambda current, call: new_block(current, json.dumps(call.headers).encode()),
    ),
]


# --- 3. Reading a call's result -----------------------------------------------------------


def retry_after_s(text: str | None, now: float) -> int | None:
    """E4: whole seconds, or one of RFC 9110's three date forms read strictly."""
    text = (text or "").strip()
    if re.fullmatch(r"[0-9]+", text):
        return min(int(text), MAX_WAIT_S)
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    days = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
    forms = [  # each pattern, then the groups of its day, month, year and time; group 1 the weekday
        (rf"({days}), (\d\d) ({months}) (\d{{4}}) (\d\d:\d\d:\d\d) GMT", (2, 3, 4, 5)),
        (
            rf"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-({months})-(\d\d)"
            r" (\d\d:\d\d:\d\d) GMT",
            (2, 3, 4, 5),
        ),
        (rf"({days}) ({months}) ([ \d]\d) (\d\d:\d\d:\d\d) (\d{{4}})", (3, 2, 5, 4)),
    ]
    for pattern, (d, m, y, t) in forms:
        found = re.fullmatch(pattern, text)
        if not found:
            continue
        year = int(found[y])
        if len(found[y]) == 2:
            year += 2000 if year < 70 else 1900
        hour, minute, second = map(int, found[t].split(":"))
        try:
            moment = time.strptime(
                f"{year} {found[m]} {int(found[d])} {found[t]}", "%Y %b %d %H:%M:%S"
            )
        except ValueError:
            return None
        if not (1970 <= year <= 9999 and hour < 24 and minute < 60 and second < 60) or (
            time.strftime("%A", moment)[:3] != found[1][:3]
        ):
            return None
        return min(max(0, int(calendar.timegm(moment) - now)), MAX_WAIT_S)
    return None


def error_of(text: str, call: Call, timeout_ms: int) -> tuple[dict, bool]:
    """E1, E2, E4: the contract's error, and whether the call trapped."""
    try:
        value = json.loads(text)  # section 3's table: Python's text is exactly the JSON
    except ValueError:
        value = None
    if (
        isinstance(value, dict)
        and value.get("class") in CLASSES
        and isinstance(value.get("message"), str)
    ):
        error = {"class": value["class"]}
        for key in ("http_status", "retry_after_s"):
            if type(value.get(key)) is int and value[key] >= 0:
                error[key] = value[key]
        if error["class"] == "rate_limited" and "retry_after_s" not in error:
            wait = retry_after_s(call.retry_after, time.time())
            if wait is not None:
                error["retry_after_s"] = wait
        return error, False
    if call.failure is not None:
        return {"class": CLASS_OF_KIND[call.failure.kind]}, True
    if time.monotonic() - call.started >= timeout_ms / 1000:
        return {"class": "transient"}, True
    return {"class": "internal"}, True


class Host:
    """One instance of the plugin (I1), made anew after a trap (E3)."""

    def __init__(self, manifest: dict, wasm: bytes, extra_hosts: list[str]) -> None:
        self.limits = manifest["limits"]
        self.allowed_hosts = [*manifest.get("allowed_hosts", []), *extra_hosts]
        self.failures_as_values = serves(manifest["interface_version"], "1.1")
        self.extism_manifest = {
            "wasm": [{"data": wasm}],
            "memory": {"max_pages": self.limits["memory_max_pages"]},
            "timeout_ms": self.limits["timeout_ms"],
        }
        self.wasi = manifest.get("wasi", False) is True
        self.plugin = extism.Plugin(self.extism_manifest, wasi=self.wasi, functions=FUNCTIONS)

    def call(self, export: str, call_input: dict) -> dict:
        """Returns `{"ok": output}` or `{"error": {class, http_status?, retry_after_s?}}`."""
        call = Call(self)
        try:
            output = self.plugin.call(export, json.dumps(call_input), host_context=call)
        except extism.Error as failure:
            error, trapped = error_of(str(failure), call, self.limits["timeout_ms"])
            if trapped:
                self.plugin = extism.Plugin(
                    self.extism_manifest, wasi=self.wasi, functions=FUNCTIONS
                )
            return {"error": error}
        return {"ok": json.loads(bytes(output))}


# --- 5. The transcript --------------------------------------------------------------------


def placeholder(value, server: str):
    """T4: the server's host:port written {server} in every string value."""
    if isinstance(value, str):
        return value.replace(server, "{server}")
    if isinstance(value, list):
        return [placeholder(item, server) for item in value]
    if isinstance(value, dict):
        return {key: placeholder(item, server) for key, item in value.items()}
    return value


def transcript(bundle: Path, started: dict) -> dict:
    """T1-T4."""
    manifest, wasm = load(bundle)
    as_of = json.loads((bundle / "scenarios" / "index.json").read_text(encoding="utf-8"))["as_of"]
    host = Host(manifest, wasm, ["127.0.0.1"])
    credentials = started["credentials"]
    result = {export: host.call(export, {"credentials": credentials}) for export in EXPORTS}
    usage = host.call("fetch_usage", {"credentials": credentials, "as_of": as_of})
    for failed in usage.get("ok", {}).get("failed_accounts", []):
        for error in [failed["error"], *[f["error"] for f in failed.get("failures", [])]]:
            error.pop("message", None)
    result["fetch_usage"] = usage
    return placeholder(result, started["url"].removeprefix("http://"))


if __name__ == "__main__":
    try:
        print(json.dumps(transcript(Path(sys.argv[1]), json.loads(sys.argv[2]))))
    except Refused as refused:
        sys.exit(f"host.py: {refused}")
