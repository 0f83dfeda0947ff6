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
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The host profile this adapter implements.
HOST_PROFILE = "1.0"
#: The newest interface version this adapter speaks.
INTERFACE_VERSION = "1.1"
#: The largest wasm module read, in bytes: a vendor plugin is a few hundred KB.
MAX_WASM_BYTES = 64 * 1024 * 1024
#: How long one vendor request may take when the manifest does not say (or `timeout_ms`, if less).
DEFAULT_REQUEST_TIMEOUT_MS = 60_000
#: The longest `timeout_ms` accepted: one day.
MAX_TIMEOUT_MS = 86_400_000
#: The most `memory_max_pages` accepted: 4 GiB, the wasm32 maximum.
MAX_MEMORY_PAGES = 65_536
#: The size of one wasm memory page.
WASM_PAGE_BYTES = 65_536
#: The import namespace of WASI preview 1.
WASI_PREVIEW_1 = "wasi_snapshot_preview1"

#: The first four bytes of every WebAssembly binary, then version 1 (a core module).
_WASM_MAGIC = b"\0asm"
_WASM_VERSION_1 = b"\x01\0\0\0"
#: The size of one read of the module.
_READ_CHUNK_BYTES = 1024 * 1024
#: A version part is at most this (the contract's u32).
_MAX_VERSION_PART = 2**32 - 1
_VERSION = re.compile(r"[ \t\n\f\r]*([0-9]+)\.([0-9]+)[ \t\n\f\r]*")
_SHA256_PIN = re.compile(r"[0-9a-fA-F]{64}")


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
        version = parse_version(self.interface_version)
        return version is not None and version[1] >= 1

    def read_wasm(self) -> bytes:
        """Reads the module under the Rust harness's rules and checks its pinned SHA-256.

        The module must be a regular file (checked on the opened descriptor) of at most
        MAX_WASM_BYTES, read with that bound, starting with the WebAssembly magic and version 1;
        a module that imports WASI is refused when the manifest does not say `"wasi": true`. No
        message holds any of the file's bytes.
        """
        wasm = _read_module(self.wasm_path)
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

    interface_version = document.get("interface_version")
    if not is_served(interface_version, INTERFACE_VERSION):
        raise ManifestError(
            f"the plugin implements interface {_shown(interface_version)}, but this host speaks "
            f"{INTERFACE_VERSION} (same major, minor not newer)"
        )
    # Absent or null: 1.0, as in the Rust harness and the Node host.
    host_profile = document.get("host_profile")
    if host_profile is None:
        host_profile = HOST_PROFILE
    if not is_served(host_profile, HOST_PROFILE):
        raise ManifestError(
            f"the plugin needs host profile {_shown(host_profile)}, but this host meets "
            f"{HOST_PROFILE} (same major, minor not newer)"
        )

    wasm = document.get("wasm")
    if not isinstance(wasm, dict):
        raise ManifestError("wasm must be an object with a path")
    wasm_path = _wasm_path(path.parent, _string(wasm, "path", "wasm.path"))
    sha256 = wasm.get("sha256")
    if sha256 is not None and not (isinstance(sha256, str) and _SHA256_PIN.fullmatch(sha256)):
        raise ManifestError(
            f"wasm.sha256 must be 64 hex digits (either case) or null, not {json.dumps(sha256)}"
        )

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
        limits=parse_limits(document.get("limits")),
        wasi=wasi,
    )


def parse_version(text: object) -> tuple[int, int] | None:
    """Returns (major, minor) of a `major.minor` string, or None: the contract's `Version::parse`.

    Two runs of ASCII digits, each at most 2^32 - 1; ASCII white space around is ignored.
    """
    if not isinstance(text, str):
        return None
    match = _VERSION.fullmatch(text)
    if match is None:
        return None
    major, minor = int(match[1]), int(match[2])
    if major > _MAX_VERSION_PART or minor > _MAX_VERSION_PART:
        return None
    return major, minor


def is_served(found: object, ours: str) -> bool:
    """Tells whether a party of version `ours` serves one of version `found`.

    The same major, and a minor not newer than ours; false when either is not `major.minor`.
    """
    found_version, our_version = parse_version(found), parse_version(ours)
    if found_version is None or our_version is None:
        return False
    return found_version[0] == our_version[0] and found_version[1] <= our_version[1]


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


def _shown(version: object) -> str:
    """Returns `version` as a message shows it: a string as it is, anything else as JSON."""
    return version if isinstance(version, str) else json.dumps(version)


def _read_module(path: Path) -> bytes:
    """Reads the regular file at `path`, of at most MAX_WASM_BYTES, that starts like a module."""
    too_large = ManifestError(
        f"the plugin module {path} is larger than {MAX_WASM_BYTES} bytes, the most a module may "
        "have: refusing to read it"
    )
    # Non-blocking: opening a FIFO does not wait for a writer. No-follow: the resolved file
    # cannot have become a link since it was resolved.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError as error:
        raise ManifestError(
            f"the plugin module {path} does not exist: build the plugin first and check that "
            "wasm.path names the file the build writes"
        ) from error
    except OSError as error:
        raise ManifestError(f"cannot read the plugin module {path}: {error.strerror}") from error
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise ManifestError(
                f"the plugin module {path} is not a regular file: refusing to read it"
            )
        if status.st_size > MAX_WASM_BYTES:
            raise too_large
        # The file may grow under us: never read more than one byte past the bound.
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_WASM_BYTES:
            chunk = os.read(descriptor, min(_READ_CHUNK_BYTES, MAX_WASM_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise ManifestError(f"cannot read the plugin module {path}: {error.strerror}") from error
    finally:
        os.close(descriptor)
    if size > MAX_WASM_BYTES:
        raise too_large
    wasm = b"".join(chunks)
    if wasm[:4] != _WASM_MAGIC:
        raise ManifestError(
            f"the plugin module {path} is not a WebAssembly module (its first bytes are not \\0asm)"
        )
    if wasm[4:8] != _WASM_VERSION_1:
        raise ManifestError(
            f"the plugin module {path} is a WebAssembly binary but not a version 1 core module "
            "(a component?), which Extism cannot run"
        )
    return wasm


def _wasm_path(folder: Path, relative: str) -> Path:
    candidate = Path(relative)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise ManifestError(
            f"wasm.path {relative} must be relative and stay inside the manifest's folder"
        )
    real_folder = folder.resolve()
    joined = real_folder / candidate
    resolved = joined.resolve()
    if not resolved.is_relative_to(real_folder):
        raise ManifestError(
            f"the plugin module {joined} resolves to {resolved}, outside the manifest's folder "
            f"{real_folder}: the module must stay inside it, symlinks included"
        )
    return resolved


def parse_limits(limits: Any) -> Limits:
    """Returns the manifest's `limits`, each in its range (host profile L3), the default filled in.

    `timeout_ms` 1 ..= one day, `memory_max_pages` 1 ..= 65 536, `max_http_response_bytes`
    1 ..= the plugin's memory, `request_timeout_ms` 1 ..= `timeout_ms`, absent or null meaning
    min(60 000, `timeout_ms`) (`contract/vectors/manifest-limits.json`).
    """
    if not isinstance(limits, dict):
        raise ManifestError("limits must be an object")

    def in_range(key: str, most: int, default: int | None = None) -> int:
        value = limits.get(key)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            raise ManifestError(f"limits.{key} must be an integer from 1 to {most}, not {value!r}")
        return value

    timeout_ms = in_range("timeout_ms", MAX_TIMEOUT_MS)
    memory_max_pages = in_range("memory_max_pages", MAX_MEMORY_PAGES)
    return Limits(
        timeout_ms=timeout_ms,
        memory_max_pages=memory_max_pages,
        max_http_response_bytes=in_range(
            "max_http_response_bytes", memory_max_pages * WASM_PAGE_BYTES
        ),
        request_timeout_ms=in_range(
            "request_timeout_ms", timeout_ms, min(DEFAULT_REQUEST_TIMEOUT_MS, timeout_ms)
        ),
    )
