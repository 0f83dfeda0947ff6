"""The manifest: what is refused, and the Extism manifest built from it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from extism_vendor_host.manifest import ManifestError, load_manifest, wasi_imports

WASM = b"\0asm\x01\0\0\0"


def write(folder: Path, **changes: Any) -> Path:
    (folder / "plugin.wasm").write_bytes(WASM)
    document: dict[str, Any] = {
        "id": "demo",
        "name": "Demo",
        "version": "0.1.0",
        "interface_version": "1.1",
        "host_profile": "1.0",
        "wasm": {"path": "plugin.wasm", "sha256": hashlib.sha256(WASM).hexdigest()},
        "allowed_hosts": ["api.example.com"],
        "limits": {"timeout_ms": 300000, "memory_max_pages": 16, "max_http_response_bytes": 1024},
    }
    document.update(changes)
    path = folder / "manifest.json"
    path.write_text(json.dumps(document))
    return path


def test_a_good_manifest_maps_to_extism_without_allowed_hosts(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path))
    extism_manifest = manifest.extism_manifest(manifest.read_wasm())
    assert extism_manifest == {
        "wasm": [{"data": WASM}],
        "memory": {"max_pages": 16},
        "timeout_ms": 300000,
    }
    assert manifest.limits.request_timeout_ms == 60000
    assert manifest.failures_as_values


def test_host_profile_and_request_timeout_have_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path, limits={"timeout_ms": 500, "memory_max_pages": 1, "max_http_response_bytes": 1}
    )
    document = json.loads(path.read_text())
    del document["host_profile"]
    path.write_text(json.dumps(document))
    manifest = load_manifest(path)
    assert manifest.host_profile == "1.0"
    assert manifest.limits.request_timeout_ms == 500


def test_a_module_whose_sha256_differs_is_refused(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, wasm={"path": "plugin.wasm", "sha256": "0" * 64}))
    with pytest.raises(ManifestError, match="SHA-256 is .* the manifest pins 0{64}; refusing"):
        manifest.read_wasm()


def test_a_host_profile_of_another_major_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"host_profile 2\.0 is not one this host implements"):
        load_manifest(write(tmp_path, host_profile="2.0"))


@pytest.mark.parametrize("version", ["2.0", "0.9", "1", "x"])
def test_an_interface_of_another_major_is_refused(tmp_path: Path, version: str) -> None:
    with pytest.raises(ManifestError, match="interface_version"):
        load_manifest(write(tmp_path, interface_version=version))


def test_an_interface_1_0_plugin_reads_failures_as_traps(tmp_path: Path) -> None:
    assert not load_manifest(write(tmp_path, interface_version="1.0")).failures_as_values


@pytest.mark.parametrize("wasm_path", ["/etc/passwd", "../plugin.wasm", "sub/../../x.wasm"])
def test_a_wasm_path_outside_the_folder_is_refused(tmp_path: Path, wasm_path: str) -> None:
    with pytest.raises(ManifestError, match="wasm.path"):
        load_manifest(write(tmp_path, wasm={"path": wasm_path}))


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "link.wasm").symlink_to(tmp_path / "elsewhere.wasm")
    with pytest.raises(ManifestError, match="outside"):
        load_manifest(write(bundle, wasm={"path": "link.wasm"}))


@pytest.mark.parametrize(
    "limits",
    [
        {"timeout_ms": 0, "memory_max_pages": 1, "max_http_response_bytes": 1},
        {"timeout_ms": 1, "memory_max_pages": True, "max_http_response_bytes": 1},
        {"timeout_ms": 1, "memory_max_pages": 1},
        {
            "timeout_ms": 1,
            "memory_max_pages": 1,
            "max_http_response_bytes": 1,
            "request_timeout_ms": -1,
        },
    ],
)
def test_limits_must_be_positive_integers(tmp_path: Path, limits: dict[str, Any]) -> None:
    with pytest.raises(ManifestError, match="limits"):
        load_manifest(write(tmp_path, limits=limits))


def test_an_unreadable_manifest_is_named(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read the manifest"):
        load_manifest(tmp_path / "missing.json")


def module_importing(*imports: tuple[str, str]) -> bytes:
    """Returns a module importing a memory, then one `() -> ()` function per (module, name)."""
    section = bytearray([len(imports) + 1])
    section += b"\x03env\x06memory\x02\x01\x01\x02"  # memory with limits 1 ..= 2, first
    for module, name in imports:
        for text in (module, name):
            section += bytes([len(text)]) + text.encode()
        section += b"\x00\x00"
    types = b"\x01\x04\x01\x60\x00\x00"
    return WASM + types + bytes([2, len(section)]) + bytes(section)


def test_wasi_is_off_unless_the_manifest_says_true(tmp_path: Path) -> None:
    assert load_manifest(write(tmp_path)).wasi is False
    assert load_manifest(write(tmp_path, wasi=True)).wasi is True
    with pytest.raises(ManifestError, match="wasi must be true or false"):
        load_manifest(write(tmp_path, wasi="yes"))


def test_a_module_importing_wasi_is_refused_without_the_option_naming_the_import_and_option(
    tmp_path: Path,
) -> None:
    module = module_importing(
        ("extism:host/env", "output_set"),
        ("wasi_snapshot_preview1", "fd_write"),
        ("wasi_snapshot_preview1", "proc_exit"),
    )
    for wasi in ({}, {"wasi": False}):
        manifest = load_manifest(write(tmp_path, wasm={"path": "plugin.wasm"}, **wasi))
        (tmp_path / "plugin.wasm").write_bytes(module)
        with pytest.raises(
            ManifestError,
            match=r'imports wasi_snapshot_preview1::fd_write, a WASI function, .* set "wasi": '
            "true in manifest.json",
        ):
            manifest.read_wasm()


def test_a_module_importing_wasi_is_read_with_the_option(tmp_path: Path) -> None:
    module = module_importing(("wasi_snapshot_preview1", "fd_write"))
    manifest = load_manifest(write(tmp_path, wasm={"path": "plugin.wasm"}, wasi=True))
    (tmp_path / "plugin.wasm").write_bytes(module)
    assert manifest.read_wasm() == module


def test_wasi_imports_lists_only_wasi_functions_in_order_and_nothing_of_a_broken_module() -> None:
    module = module_importing(
        ("wasi_snapshot_preview1", "environ_get"),
        ("acme", "lookup"),
        ("wasi_snapshot_preview1", "fd_write"),
    )
    assert wasi_imports(module) == [
        "wasi_snapshot_preview1::environ_get",
        "wasi_snapshot_preview1::fd_write",
    ]
    assert wasi_imports(WASM) == []
    assert wasi_imports(module[:-5]) == ["wasi_snapshot_preview1::environ_get"]
