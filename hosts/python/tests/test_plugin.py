"""The plugin behind the adapter: loading, typed errors, and both ways a failed request ends."""

from __future__ import annotations

import json
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


def test_a_host_profile_2_manifest_is_refused(manifest_copy: Callable[..., Path]) -> None:
    with pytest.raises(ManifestError, match="host_profile 2.0"):
        VendorPlugin.load(manifest_copy(host_profile="2.0"))


def test_a_module_that_is_not_wasm_is_a_load_error(manifest_copy: Callable[..., Path]) -> None:
    path = manifest_copy(wasm={"path": "plugin.wasm"})  # no sha256 pin
    (path.parent / "plugin.wasm").write_bytes(b"not wasm")
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
