"""The plugin behind the adapter: loading, typed errors, and both ways a failed request ends."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import extism_vendor_host.plugin as plugin_module
from conftest import Reply, ScriptedServer
from extism_vendor_host import LoadError, ManifestError, PluginError, VendorPlugin

KEY = "test-key-0123456789"


def credentials(url: str) -> dict[str, dict[str, str]]:
    return {"credentials": {"api_key": KEY, "api_url": url}}


def error_of(plugin: VendorPlugin, export: str, call_input: dict) -> dict:  # type: ignore[type-arg]
    with pytest.raises(PluginError) as raised:
        plugin.call(export, call_input)
    return raised.value.error


def test_the_plugin_loads_and_describes_itself(plugin_manifest: Path) -> None:
    with VendorPlugin.load(plugin_manifest) as plugin:
        description = plugin.call("describe_credentials", {"credentials": {}})
    assert description["interface_version"] == plugin.manifest.interface_version
    assert description["plugin_version"] == plugin.manifest.version


def test_a_module_that_does_not_match_its_pin_is_not_loaded(
    manifest_copy: Callable[..., Path],
) -> None:
    path = manifest_copy(wasm={"path": "plugin.wasm", "sha256": "ab" * 32})
    with pytest.raises(ManifestError, match="SHA-256"):
        VendorPlugin.load(path)


@pytest.mark.parametrize("profile", ["2.0", "1.9"])
def test_a_host_profile_2_or_1_9_manifest_is_refused(
    manifest_copy: Callable[..., Path], profile: str
) -> None:
    with pytest.raises(ManifestError, match=f"the plugin needs host profile {profile}, but this"):
        VendorPlugin.load(manifest_copy(host_profile=profile))


def test_a_file_that_is_not_wasm_is_refused_before_extism(
    manifest_copy: Callable[..., Path],
) -> None:
    path = manifest_copy(wasm={"path": "plugin.wasm"})  # no sha256 pin
    (path.parent / "plugin.wasm").write_bytes(b"not wasm")
    with pytest.raises(ManifestError, match="is not a WebAssembly module"):
        VendorPlugin.load(path)


def test_a_broken_module_is_a_load_error(manifest_copy: Callable[..., Path]) -> None:
    path = manifest_copy(wasm={"path": "plugin.wasm"})  # no sha256 pin
    (path.parent / "plugin.wasm").write_bytes(b"\0asm\x01\0\0\0\xff\xff")
    with pytest.raises(LoadError, match="Extism could not load"):
        VendorPlugin.load(path)


def test_the_plugins_own_error_comes_through_with_the_vendors_retry_after(
    plugin_manifest: Path, server: ScriptedServer
) -> None:
    server.reply = Reply(429, [("Retry-After", "Mon, 26 Oct 2099 00:00:00 GMT")], b"{}")
    with VendorPlugin.load(plugin_manifest, ["127.0.0.1"]) as plugin:
        error = error_of(plugin, "authenticate", credentials(server.url))
    assert error["class"] == "rate_limited"
    assert error["http_status"] == 429
    assert error["retry_after_s"] > 2_000_000_000


def test_a_redirect_reaches_the_plugin_and_its_target_gets_nothing(
    plugin_manifest: Path, server: ScriptedServer
) -> None:
    server.reply = Reply(302, [("Location", "http://localhost:1/elsewhere")])
    with VendorPlugin.load(plugin_manifest, ["127.0.0.1"]) as plugin:
        error = error_of(plugin, "authenticate", credentials(server.url))
    assert error["class"] == "config"
    assert len(server.requests) == 1


def test_a_1_1_plugin_reads_a_failed_request_as_a_value(plugin_manifest: Path) -> None:
    with VendorPlugin.load(plugin_manifest) as plugin:
        assert plugin.manifest.failures_as_values
        error = error_of(plugin, "list_accounts", credentials("http://127.0.0.1:1"))
    assert error["class"] == "config"  # 127.0.0.1 is not allowed here: the plugin names the host
    assert "127.0.0.1" in error["message"]


def test_a_slow_vendor_costs_the_request_timeout_not_the_call(
    manifest_copy: Callable[..., Path], server: ScriptedServer
) -> None:
    server.reply = Reply(200, [], b"[]", delay_s=2)
    path = manifest_copy(limits={"request_timeout_ms": 300})
    with VendorPlugin.load(path, ["127.0.0.1"]) as plugin:
        error = error_of(plugin, "authenticate", credentials(server.url))
    assert error["class"] == "transient"


@pytest.mark.parametrize(
    ("allowed", "url", "expected"),
    [
        (["127.0.0.1"], "http://127.0.0.1:1", "transient"),  # connection refused
        ([], "http://127.0.0.1:1", "config"),  # host not allowed
    ],
)
def test_a_1_0_plugins_failed_request_traps_and_is_typed(
    manifest_copy: Callable[..., Path], allowed: list[str], url: str, expected: str
) -> None:
    with VendorPlugin.load(manifest_copy(interface_version="1.0"), allowed) as plugin:
        assert not plugin.manifest.failures_as_values
        error = error_of(plugin, "authenticate", credentials(url))
        assert error["class"] == expected
        assert error["message"].startswith("authenticate: ")
        # The next call works after the trap.
        assert plugin.call("list_services", credentials(url))["services"]


def test_a_fault_in_the_host_ends_the_call_as_internal(
    plugin_manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("host bug")

    monkeypatch.setattr(plugin_module, "send", broken)
    with VendorPlugin.load(plugin_manifest, ["127.0.0.1"]) as plugin:
        error = error_of(plugin, "authenticate", credentials("http://127.0.0.1:1"))
    assert error["class"] == "internal"
    assert "host bug" in error["message"]


def test_the_command_line_prints_a_transcript(
    plugin_manifest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from extism_vendor_host.__main__ import main

    code = main(
        [
            "transcript",
            "--manifest",
            str(plugin_manifest),
            "--as-of",
            "2026-11-01T00:00:00Z",
            "--credentials-json",
            json.dumps({"api_key": KEY, "api_url": "http://127.0.0.1:1"}),
            "--allow-host",
            "127.0.0.1",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result) == [
        "describe_credentials",
        "authenticate",
        "list_accounts",
        "list_services",
        "fetch_usage",
    ]
    assert result["authenticate"] == {"error": {"class": "transient"}}
    assert "ok" in result["list_services"]


def test_the_command_line_reports_a_bad_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from extism_vendor_host.__main__ import main

    code = main(
        [
            "transcript",
            "--manifest",
            str(tmp_path / "none.json"),
            "--as-of",
            "2026-11-01T00:00:00Z",
            "--credentials-json",
            "{}",
        ]
    )
    assert code == 1
    assert "cannot read the manifest" in capsys.readouterr().err


# ---- WASI (host profile L5) ----

#: The fake vendor plugin of tests/fake-vendor built for wasm32-wasip1 (by the Rust e2e tests).
WASIP1_FAKE_VENDOR = (
    Path(os.environ.get("CARGO_TARGET_DIR") or Path(__file__).resolve().parents[3] / "target")
    / "wasm32-wasip1/plugin/fake_vendor_plugin.wasm"
)


@pytest.mark.parametrize("wasi", [None, False, True])
def test_the_manifests_wasi_option_reaches_the_sdk(
    manifest_copy: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, wasi: bool | None
) -> None:
    seen: list[bool] = []

    class Sdk:
        def __init__(self, _manifest: object, *, wasi: bool, functions: object) -> None:
            seen.append(wasi)

        def function_exists(self, _name: str) -> bool:
            return True

    monkeypatch.setattr(plugin_module.extism, "Plugin", Sdk)
    VendorPlugin.load(manifest_copy() if wasi is None else manifest_copy(wasi=wasi))
    assert seen == [bool(wasi)]


def wasip1_fake_vendor(folder: Path, **changes: object) -> Path:
    """Writes the wasip1 fake vendor beside a copy of its manifest; returns the manifest's path."""
    if not WASIP1_FAKE_VENDOR.is_file():
        pytest.fail(
            f"{WASIP1_FAKE_VENDOR} is not built: cargo build -p fake-vendor-plugin "
            "--target wasm32-wasip1 --profile plugin (./dev hosts does)",
            pytrace=False,
        )
    manifest = json.loads(
        (Path(__file__).resolve().parents[3] / "tests/fake-vendor/manifest.json").read_text()
    )
    shutil.copyfile(WASIP1_FAKE_VENDOR, folder / "plugin.wasm")
    manifest.update(wasm={"path": "plugin.wasm"}, **changes)
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def test_a_wasip1_plugin_loads_and_runs_with_the_wasi_option(tmp_path: Path) -> None:
    with VendorPlugin.load(wasip1_fake_vendor(tmp_path, wasi=True)) as plugin:
        description = plugin.call("describe_credentials", {"credentials": {}})
        accounts = plugin.call("list_accounts", {"credentials": {"token": "t"}})
    assert description["vendor"]["id"] == "fake-vendor"
    assert [account["id"] for account in accounts["accounts"]] == ["f1", "f2"]


def test_a_wasip1_plugin_without_the_option_is_refused_naming_the_import_and_the_option(
    tmp_path: Path,
) -> None:
    with pytest.raises(
        ManifestError,
        match=r'imports wasi_snapshot_preview1::\w+, a WASI function, .* set "wasi": true',
    ):
        VendorPlugin.load(wasip1_fake_vendor(tmp_path))
