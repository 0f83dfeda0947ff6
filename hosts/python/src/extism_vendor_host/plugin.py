"""A vendor plugin loaded by manifest, with host profile 1.0's HTTP and typed errors.

The adapter replaces Extism's `extism:host/env::{http_request, http_status_code, http_headers}`
with its own (see `transport`). Each call carries a `CallState` as its Extism host context: the
host functions keep the last status and headers there, the `Retry-After` of the last 429 or
503, and, for an interface 1.0 plugin, the failure that ended the call.

The host functions are cffi callbacks handed to `extism.Function` rather than `@extism.host_fn`
functions: a Python exception raised in a host function does not trap the call in the Python
SDK (cffi prints it and the plugin reads a 0 result), so the only way to end a call from a host
function is a result of the wrong type, which wasmtime refuses with a trap. `_host_function`
does that for every failure, so a bug in this module can never pass for an empty response.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import extism
from extism_sys import ffi

from .errors import (
    CLASS_OF_TRANSPORT_KIND,
    RETRY_AFTER_STATUSES,
    PluginError,
    fill_retry_after,
    make_error,
    parse_error_text,
)
from .manifest import PluginManifest, load_manifest
from .transport import BAD_REQUEST, HttpPolicy, Response, TransportFailure, send

#: The five exports of the contract.
EXPORTS = ("describe_credentials", "authenticate", "list_accounts", "list_services", "fetch_usage")
#: The namespace of Extism's built-in host functions, which the adapter's replace.
EXTISM_ENV = "extism:host/env"


class LoadError(Exception):
    """Raised when a plugin cannot be loaded."""


@dataclass
class CallState:
    """Holds one call's HTTP state, shared with the host functions as the call's host context."""

    policy: HttpPolicy
    failures_as_values: bool
    timeout_s: float
    started: float = field(default_factory=time.monotonic)
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: str | None = None
    failure: TransportFailure | None = None
    host_fault: str | None = None

    def time_left_s(self) -> float:
        """Returns what is left of the call's timeout."""
        return self.timeout_s - (time.monotonic() - self.started)

    def record(self, response: Response) -> None:
        """Remembers a response's status and headers, and its Retry-After on a 429 or 503."""
        self.status = response.status
        self.headers = response.headers
        if response.status in RETRY_AFTER_STATUSES:
            self.retry_after = response.headers.get("retry-after")


class VendorPlugin:
    """Runs one instance of a vendor plugin; calls run one at a time."""

    def __init__(self, manifest: PluginManifest, extra_allowed_hosts: Iterable[str] = ()) -> None:
        """Loads the manifest's module with the adapter's host functions.

        `extra_allowed_hosts` are allowed besides the manifest's `allowed_hosts` (tests pass
        `127.0.0.1`). Raises ManifestError or LoadError.
        """
        self.manifest = manifest
        self.policy = HttpPolicy(
            allowed_hosts=(*manifest.allowed_hosts, *extra_allowed_hosts),
            max_response_bytes=manifest.limits.max_http_response_bytes,
            request_timeout_s=manifest.limits.request_timeout_ms / 1000,
        )
        self._extism_manifest = manifest.extism_manifest(manifest.read_wasm())
        try:
            self._plugin = self._instantiate()
        except extism.Error as error:
            raise LoadError(f"Extism could not load {manifest.wasm_path}: {error}") from error
        missing = [name for name in EXPORTS if not self._plugin.function_exists(name)]
        if missing:
            raise LoadError(f"{manifest.wasm_path} does not export {', '.join(missing)}")

    @classmethod
    def load(
        cls, manifest_path: str | Path, extra_allowed_hosts: Iterable[str] = ()
    ) -> VendorPlugin:
        """Loads the plugin described by the manifest at `manifest_path`."""
        return cls(load_manifest(manifest_path), extra_allowed_hosts)

    def call(self, export: str, call_input: dict[str, Any]) -> Any:
        """Calls `export` with `call_input`; returns its output or raises PluginError."""
        state = CallState(
            policy=self.policy,
            failures_as_values=self.manifest.failures_as_values,
            timeout_s=self.manifest.limits.timeout_ms / 1000,
        )
        try:
            output = self._plugin.call(export, json.dumps(call_input), host_context=state)
        except extism.Error as error:
            raise PluginError(self._error_of(export, str(error), state)) from None
        try:
            return json.loads(bytes(output))
        except ValueError as error:
            raise PluginError(
                make_error("internal", f"{export} returned output that is not JSON: {error}")
            ) from None

    def close(self) -> None:
        """Frees the plugin instance."""
        self._plugin.__exit__(None, None, None)

    def __enter__(self) -> VendorPlugin:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _instantiate(self) -> extism.Plugin:
        # The runtime caches compiled modules on disk: a new instance costs about 10 ms. WASI is
        # on only when the manifest says `"wasi": true` (read_wasm refused a module that needs it
        # under a manifest that does not).
        return extism.Plugin(
            self._extism_manifest, wasi=self.manifest.wasi, functions=list(_FUNCTIONS)
        )

    def _error_of(self, export: str, text: str, state: CallState) -> dict[str, Any]:
        error = parse_error_text(text)
        if error is not None:
            return fill_retry_after(error, state.retry_after, time.time())
        # A trap: the SDK's instance keeps working, but what the plugin held in memory when it
        # stopped may be half-done, so the next call gets a fresh one (as the Rust harness does).
        typed = trap_error(export, state, self.manifest.limits.timeout_ms)
        self._plugin.__exit__(None, None, None)
        try:
            self._plugin = self._instantiate()
        except extism.Error as error:
            typed["message"] += f" The plugin could not be restarted: {error}"
        return typed


def trap_error(export: str, state: CallState, timeout_ms: int) -> dict[str, Any]:
    """Types a call that trapped: by the request that failed, else the timeout, else a bug."""
    if state.failure is not None:
        return make_error(
            CLASS_OF_TRANSPORT_KIND[state.failure.kind], f"{export}: {state.failure.message}."
        )
    if state.time_left_s() <= 0:
        return make_error(
            "transient",
            f"{export} did not finish within the manifest's timeout_ms ({timeout_ms} ms).",
        )
    if state.host_fault is not None:
        return make_error("internal", f"{export} failed in the host: {state.host_fault}.")
    return make_error(
        "internal",
        f"{export} stopped inside the plugin (a trap: a bug, or the memory limit; not a vendor "
        "problem).",
    )


# --- the host functions --------------------------------------------------------------------

_CALLBACK = (
    "void(ExtismCurrentPlugin*, const ExtismVal*, ExtismSize, ExtismVal*, ExtismSize, void*)"
)
_I32, _I64 = extism.ValType.I32, extism.ValType.I64


class _Trap(Exception):
    """Raised inside a host function to end the plugin call."""


HostImpl = Callable[[extism.CurrentPlugin, CallState, list[int]], int]


def _host_function(
    name: str, params: list[extism.ValType], result: extism.ValType, impl: HostImpl
) -> extism.Function:
    """Wraps `impl` as an `extism:host/env` function whose failures trap the call."""

    @ffi.callback(_CALLBACK)
    def callback(current, inputs, n_inputs, outputs, _n_outputs, _user_data):  # type: ignore[no-untyped-def]
        plugin = extism.CurrentPlugin(current)
        state = plugin.host_context()
        try:
            if not isinstance(state, CallState):
                raise _Trap("the call has no host context")
            value = impl(plugin, state, [inputs[i].v.i64 for i in range(n_inputs)])
        except Exception as fault:  # noqa: BLE001 - every failure must trap, never read as a 0
            if isinstance(state, CallState) and not isinstance(fault, _Trap):
                state.host_fault = f"{name}: {type(fault).__name__}: {fault}"
            # A result of the wrong type is the one way to trap from here: wasmtime refuses it.
            outputs[0].t = (_I32 if result == _I64 else _I64).value
            return
        if result == _I64:
            outputs[0].v.i64 = value
        else:
            outputs[0].v.i32 = value

    return extism.Function(EXTISM_ENV, name, params, [result], callback)


def _read_block(plugin: extism.CurrentPlugin, offset: int) -> bytes | None:
    """Copies a block of plugin memory out and frees it; None for offset 0."""
    if offset == 0:
        return None
    block = plugin.memory_at_offset(offset)
    data = bytes(plugin.memory(block)[:])
    plugin.free(block)
    return data


def _new_block(plugin: extism.CurrentPlugin, data: bytes) -> int:
    """Copies `data` into a new block of plugin memory and returns its offset."""
    block = plugin.alloc(len(data))
    if block.offset == 0 and data:
        raise RuntimeError(f"the plugin's memory has no room for {len(data)} bytes")
    if data:
        plugin.memory(block)[:] = data
    return int(block.offset)


def _http_request(plugin: extism.CurrentPlugin, state: CallState, params: list[int]) -> int:
    request_bytes = _read_block(plugin, params[0]) or b""
    body = _read_block(plugin, params[1])
    state.status, state.headers = 0, {}
    try:
        try:
            request = json.loads(request_bytes)
        except ValueError as error:
            raise TransportFailure(BAD_REQUEST, f"the request is not JSON: {error}") from error
        if not isinstance(request, dict):
            raise TransportFailure(BAD_REQUEST, "the request is not a JSON object")
        response = send(request, body, state.policy, state.time_left_s())
    except TransportFailure as failure:
        if not state.failures_as_values:
            state.failure = failure
            raise _Trap(failure.message) from failure
        return _new_block(plugin, failure.to_body())
    state.record(response)
    return _new_block(plugin, response.body)


def _http_status_code(_plugin: extism.CurrentPlugin, state: CallState, _params: list[int]) -> int:
    return state.status


def _http_headers(plugin: extism.CurrentPlugin, state: CallState, _params: list[int]) -> int:
    return _new_block(plugin, json.dumps(state.headers).encode())


_FUNCTIONS = (
    _host_function("http_request", [_I64, _I64], _I64, _http_request),
    _host_function("http_status_code", [], _I32, _http_status_code),
    _host_function("http_headers", [], _I64, _http_headers),
)
