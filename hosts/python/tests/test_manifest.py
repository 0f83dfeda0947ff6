"""The manifest: what is refused, and the Extism manifest built from it."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from extism_vendor_host.manifest import (
    HOST_PROFILE,
    INTERFACE_VERSION,
    MAX_WASM_BYTES,
    ManifestError,
    is_served,
    load_manifest,
    parse_limits,
    wasi_imports,
)

WASM = b"\0asm\x01\0\0\0"
VECTORS = Path(__file__).resolve().parents[3] / "contract" / "vectors"


def vectors(name: str) -> dict[str, Any]:
    """Reads a shared test vector file of `contract/vectors/`."""
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


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


def check_version_case(case: dict[str, Any]) -> None:
    """Asserts that this host serves versions as a case of the shared vectors says."""
    found, ours = case["input"]["found"], case["input"]["ours"]
    assert is_served(found, ours) is case["expect"], case


def test_versions_follow_the_shared_vectors() -> None:
    for case in vectors("host-profile-version.json")["cases"]:
        check_version_case(case)
    with pytest.raises(AssertionError):
        check_version_case(vectors("host-profile-version.json")["wrong_case"])


@pytest.mark.parametrize("profile", ["1.9", "1.1", "2.0", "0.9", "1", "x", 1])
def test_a_host_profile_of_a_newer_minor_or_another_major_is_refused_as_rust_words_it(
    tmp_path: Path, profile: object
) -> None:
    shown = profile if isinstance(profile, str) else json.dumps(profile)
    message = (
        f"the plugin needs host profile {shown}, but this host meets {HOST_PROFILE} "
        "(same major, minor not newer)"
    )
    with pytest.raises(ManifestError) as raised:
        load_manifest(write(tmp_path, host_profile=profile))
    assert str(raised.value) == message


def test_a_null_host_profile_is_1_0(tmp_path: Path) -> None:
    assert load_manifest(write(tmp_path, host_profile=None)).host_profile == "1.0"


@pytest.mark.parametrize("version", ["1.2", "2.0", "0.9", "1", "x"])
def test_an_interface_of_a_newer_minor_or_another_major_is_refused(
    tmp_path: Path, version: str
) -> None:
    with pytest.raises(ManifestError) as raised:
        load_manifest(write(tmp_path, interface_version=version))
    assert str(raised.value) == (
        f"the plugin implements interface {version}, but this host speaks {INTERFACE_VERSION} "
        "(same major, minor not newer)"
    )


def check_sha256_case(folder: Path, case: dict[str, Any]) -> None:
    """Asserts that this host loads or refuses a module as a case of the shared vectors says."""
    path = write(folder, wasm=case["input"])
    (folder / "plugin.wasm").write_bytes(bytes.fromhex(vectors("sha256-pin.json")["module_hex"]))
    try:
        load_manifest(path).read_wasm()
        outcome = "loaded"
    except ManifestError:
        outcome = "refused"
    assert outcome == case["expect"], case


def test_a_sha256_pin_is_read_as_the_shared_vectors_say(tmp_path: Path) -> None:
    document = vectors("sha256-pin.json")
    for case in document["cases"]:
        check_sha256_case(tmp_path, case)
    with pytest.raises(AssertionError):
        check_sha256_case(tmp_path, document["wrong_case"])


def check_limits_case(case: dict[str, Any]) -> None:
    """Asserts that this host reads `limits` as a case of the shared vectors says."""
    expect = case["expect"]
    try:
        limits = parse_limits(case["limits"])
    except ManifestError as refused:
        assert f"limits.{expect.get('refused')} " in str(refused), (case, str(refused))
        return
    assert limits.request_timeout_ms == expect.get("request_timeout_ms"), (case, limits)


def test_limits_follow_the_shared_vectors() -> None:
    document = vectors("manifest-limits.json")
    for case in document["cases"]:
        check_limits_case(case)
    with pytest.raises(AssertionError):
        check_limits_case(document["wrong_case"])


def test_an_interface_1_0_plugin_reads_failures_as_traps(tmp_path: Path) -> None:
    assert not load_manifest(write(tmp_path, interface_version="1.0")).failures_as_values


@pytest.mark.parametrize("wasm_path", ["/etc/passwd", "../plugin.wasm", "sub/../../x.wasm"])
def test_a_wasm_path_outside_the_folder_is_refused(tmp_path: Path, wasm_path: str) -> None:
    with pytest.raises(ManifestError, match="wasm.path .* must be relative"):
        load_manifest(write(tmp_path, wasm={"path": wasm_path}))


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (tmp_path / "elsewhere.wasm").write_bytes(WASM)
    (bundle / "link.wasm").symlink_to(tmp_path / "elsewhere.wasm")
    (bundle / "lib").symlink_to(tmp_path)
    (bundle / "zero.wasm").symlink_to("/dev/zero")
    for wasm_path in ("link.wasm", "lib/elsewhere.wasm", "zero.wasm"):
        started = time.monotonic()
        with pytest.raises(
            ManifestError,
            match=f"/bundle/{wasm_path} resolves to .*, outside the manifest's folder",
        ):
            load_manifest(write(bundle, wasm={"path": wasm_path})).read_wasm()
        assert time.monotonic() - started < 2


def test_symlinks_that_stay_inside_the_folder_are_followed(tmp_path: Path) -> None:
    (tmp_path / "real" / "build").mkdir(parents=True)
    (tmp_path / "real" / "link.wasm").symlink_to("build/plugin.wasm")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    for folder in ("real", "linked"):
        path = write(tmp_path / folder, wasm={"path": "link.wasm"})
        (tmp_path / "real" / "build" / "plugin.wasm").write_bytes(WASM)
        assert load_manifest(path).read_wasm() == WASM


def test_a_directory_and_a_fifo_are_refused_as_not_regular_files_without_waiting(
    tmp_path: Path,
) -> None:
    (tmp_path / "folder.wasm").mkdir()
    os.mkfifo(tmp_path / "fifo.wasm")
    for wasm_path in ("folder.wasm", "fifo.wasm", "."):
        manifest = load_manifest(write(tmp_path, wasm={"path": wasm_path}))
        with pytest.raises(ManifestError, match="is not a regular file: refusing to read it"):
            manifest.read_wasm()


def test_a_module_over_64_mib_is_refused_without_reading_it_and_one_of_64_mib_is_read(
    tmp_path: Path,
) -> None:
    # wasi: the WASI import scan of 64 MiB of empty sections takes seconds, and is not tested here.
    manifest = load_manifest(write(tmp_path, wasm={"path": "plugin.wasm"}, wasi=True))
    # Sparse: nothing is written, and nothing must be read.
    os.truncate(tmp_path / "plugin.wasm", MAX_WASM_BYTES + 1)
    with pytest.raises(ManifestError, match=f"is larger than {MAX_WASM_BYTES} bytes"):
        manifest.read_wasm()
    os.truncate(tmp_path / "plugin.wasm", MAX_WASM_BYTES)
    assert len(manifest.read_wasm()) == MAX_WASM_BYTES


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"root:x:0:0:SECRET-PASSWORD-LINE:/root:/bin/bash\n", "is not a WebAssembly module"),
        (b"", "is not a WebAssembly module"),
        (b"\0as", "is not a WebAssembly module"),
        (b"\0asm\x0d\0\x01\0", "is a WebAssembly binary but not a version 1 core module"),
    ],
)
def test_a_file_that_is_not_a_version_1_module_is_refused_without_echoing_its_bytes(
    tmp_path: Path, content: bytes, message: str
) -> None:
    manifest = load_manifest(write(tmp_path, wasm={"path": "plugin.wasm"}))
    (tmp_path / "plugin.wasm").write_bytes(content)
    with pytest.raises(ManifestError, match=message) as raised:
        manifest.read_wasm()
    for leaked in ("SECRET", "bash"):
        assert leaked not in str(raised.value)


def test_a_missing_module_is_named(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, wasm={"path": "target/plugin.wasm"}))
    with pytest.raises(ManifestError, match="target/plugin.wasm does not exist: build the plugin"):
        manifest.read_wasm()


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
