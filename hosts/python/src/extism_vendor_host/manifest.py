"""The project's plugin manifest (`manifest.json`), checked and mapped into Extism's manifest.

Extism's own manifest rejects unknown fields, so a vendor plugin ships a manifest of its own:
identity, interface version, host profile, the wasm module (with an optional SHA-256 pin),
`allowed_hosts`, limits and `wasi`. This module reads it, refuses what this host cannot honour,
and builds the Extism manifest: the module's bytes, `memory.max_pages` and `timeout_ms`, and no
`allowed_hosts` (the adapter's own HTTP enforces them). WASI is off unless the manifest says
`"wasi": true` (host profile L5); a module that imports WASI under a manifest without it is
refused, naming the import and the option.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The host profile this adapter implements.
HOST_PROFILE = "1.0"
#: The largest wasm module read, in bytes.
MAX_WASM_BYTES = 64 * 1024 * 1024
#: How long one vendor request may take when the manifest does not say.
DEFAULT_REQUEST_TIMEOUT_MS = 60_000
#: The import namespace of WASI preview 1.
WASI_PREVIEW_1 = "wasi_snapshot_preview1"

_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


class ManifestError(ValueError):
    """Raised when a manifest cannot be loaded or asks for something this host refuses."""


@dataclass(frozen=True)
class Limits:
    """Holds the bounds a plugin runs within."""

    timeout_ms: int
    memory_max_pages: int
    max_http_response_bytes: int
    request_timeout_ms: int


@dataclass(frozen=True)
class PluginManifest:
    """Holds a checked plugin manifest."""

    path: Path
    id: str
    name: str
    version: str
    interface_version: str
    host_profile: str
    wasm_path: Path
    wasm_sha256: str | None
    allowed_hosts: tuple[str, ...]
    limits: Limits
    wasi: bool = False

    @property
    def failures_as_values(self) -> bool:
        """Tells whether the plugin reads a failed request as a value (interface 1.1 and later)."""
        return _major_minor(self.interface_version)[1] >= 1

    def read_wasm(self) -> bytes:
        """Reads the module, bounded in size, and checks it against the pinned SHA-256.

        Refuses a module that imports WASI when the manifest does not say `"wasi": true`.
        """
        if not self.wasm_path.is_file():
            raise ManifestError(f"wasm.path {self.wasm_path} is not a regular file")
        with self.wasm_path.open("rb") as module:
            wasm = module.read(MAX_WASM_BYTES + 1)
        if len(wasm) > MAX_WASM_BYTES:
            raise ManifestError(f"wasm.path {self.wasm_path} is larger than {MAX_WASM_BYTES} bytes")
        if self.wasm_sha256 is not None:
            found = hashlib.sha256(wasm).hexdigest()
            if found != self.wasm_sha256.lower():
                raise ManifestError(
                    f"the module {self.wasm_path} does not match the manifest: its SHA-256 is "
                    f"{found}, the manifest pins {self.wasm_sha256}; refusing to load it"
                )
        if not self.wasi:
            imported = wasi_imports(wasm)
            if imported:
                raise ManifestError(
                    f"the module {self.wasm_path} imports {imported[0]}, a WASI function, but its "
                    'manifest does not turn WASI on: set "wasi": true in manifest.json (a plugin '
                    "built for wasm32-wasip1, by TinyGo or from JS needs it)"
                )
        return wasm

    def extism_manifest(self, wasm: bytes) -> dict[str, Any]:
        """Returns Extism's manifest for the module: memory and time limits, no allowed_hosts."""
        return {
            "wasm": [{"data": wasm}],
            "memory": {"max_pages": self.limits.memory_max_pages},
            "timeout_ms": self.limits.timeout_ms,
        }


def load_manifest(path: str | Path) -> PluginManifest:
    """Reads and checks the manifest at `path`; raises ManifestError naming what is wrong."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"cannot read the manifest {path}: {error}") from error
    if not isinstance(document, dict):
        raise ManifestError(f"the manifest {path} is not a JSON object")

    interface_version = _string(document, "interface_version")
    if _major_minor(interface_version)[0] != 1:
        raise ManifestError(
            f"interface_version {interface_version} is not one this host speaks (1.x)"
        )
    host_profile = document.get("host_profile", HOST_PROFILE)
    if not isinstance(host_profile, str) or _major_minor(host_profile, "host_profile")[0] != 1:
        raise ManifestError(
            f"host_profile {host_profile} is not one this host implements "
            f"(it implements host profile {HOST_PROFILE}: major version 1)"
        )

    wasm = document.get("wasm")
    if not isinstance(wasm, dict):
        raise ManifestError("wasm must be an object with a path")
    wasm_path = _wasm_path(path.parent, _string(wasm, "path", "wasm.path"))
    sha256 = wasm.get("sha256")
    if sha256 is not None and not (
        isinstance(sha256, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha256)
    ):
        raise ManifestError("wasm.sha256 must be 64 hex digits")

    wasi = document.get("wasi", False)
    if not isinstance(wasi, bool):
        raise ManifestError("wasi must be true or false")

    hosts = document.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ManifestError("allowed_hosts must be a list of host names")

    return PluginManifest(
        path=path,
        id=_string(document, "id"),
        name=_string(document, "name"),
        version=_string(document, "version"),
        interface_version=interface_version,
        host_profile=host_profile,
        wasm_path=wasm_path,
        wasm_sha256=sha256,
        allowed_hosts=tuple(hosts),
        limits=_limits(document.get("limits")),
        wasi=wasi,
    )


def wasi_imports(wasm: bytes) -> list[str]:
    """Lists the module's function imports from WASI preview 1, as `module::name`, in order.

    Reads only the import section; a module it cannot read lists none (Extism then names what
    is wrong with it).
    """

    def leb128(at: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = wasm[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, at

    def name(at: int) -> tuple[str, int]:
        length, at = leb128(at)
        return wasm[at : at + length].decode("utf-8"), at + length

    def limits(at: int) -> int:
        flags = wasm[at]
        _, at = leb128(at + 1)  # the minimum
        if flags & 0x01:
            _, at = leb128(at)  # the maximum
        if flags & 0x08:
            _, at = leb128(at)  # the page size
        return at

    def value_type(at: int) -> int:
        if wasm[at] in (0x63, 0x64):  # a typed reference: a heap type follows
            _, at = leb128(at + 1)
            return at
        return at + 1

    found: list[str] = []
    try:
        at = 8  # the magic and the version
        while at < len(wasm):
            section, (size, at) = wasm[at], leb128(at + 1)
            if section == 2:  # imports
                count, at = leb128(at)
                for _ in range(count):
                    module, at = name(at)
                    field, at = name(at)
                    kind, at = wasm[at], at + 1
                    if kind == 0:  # a function: its type index
                        _, at = leb128(at)
                        if module == WASI_PREVIEW_1:
                            found.append(f"{module}::{field}")
                    elif kind == 1:  # a table: its reference type, then its limits
                        at = limits(value_type(at))
                    elif kind == 2:  # a memory: its limits
                        at = limits(at)
                    elif kind == 3:  # a global: its value type and mutability
                        at = value_type(at) + 1
                    elif kind == 4:  # a tag: an attribute and a type index
                        _, at = leb128(at + 1)
                    else:
                        return found
                return found
            at += size
    except (IndexError, UnicodeDecodeError):
        return found
    return found


def _string(document: dict[str, Any], key: str, name: str | None = None) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{name or key} must be a non-empty string")
    return value


def _major_minor(version: str, name: str = "interface_version") -> tuple[int, int]:
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ManifestError(f"{name} {version!r} is not major.minor")
    return int(match[1]), int(match[2])


def _wasm_path(folder: Path, relative: str) -> Path:
    candidate = Path(relative)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise ManifestError(
            f"wasm.path {relative} must be relative and stay inside the manifest's folder"
        )
    resolved = (folder / candidate).resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise ManifestError(f"wasm.path {relative} resolves outside the manifest's folder")
    return resolved


def _limits(limits: Any) -> Limits:
    if not isinstance(limits, dict):
        raise ManifestError("limits must be an object")

    def positive(key: str, default: int | None = None) -> int:
        value = limits.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ManifestError(f"limits.{key} must be a positive integer")
        return value

    timeout_ms = positive("timeout_ms")
    return Limits(
        timeout_ms=timeout_ms,
        memory_max_pages=positive("memory_max_pages"),
        max_http_response_bytes=positive("max_http_response_bytes"),
        request_timeout_ms=positive(
            "request_timeout_ms", min(DEFAULT_REQUEST_TIMEOUT_MS, timeout_ms)
        ),
    )
