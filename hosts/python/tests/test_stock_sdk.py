"""The hazards the adapter removes, shown on the stock Python SDK (its own HTTP, no host functions).

Measured in ../shared/reference/stock-hosts.md and HOST-PROFILE.md section 4: the stock SDK gets
the same results on normal data, but cannot give the vendor's Retry-After (response headers are
not shared) and follows a redirect to a host outside `allowed_hosts`, sending the key there.
If one of these tests starts failing, the stock SDK changed: update stock-hosts.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import extism
import pytest

from conftest import AS_OF, Report, Transcript, against_replay, fixtures_dir, rust_transcript
from extism_vendor_host import PluginError, load_manifest, transcript
from extism_vendor_host.errors import make_error, parse_error_text


class StockPlugin:
    """Loads a plugin as the SDK's documentation shows: Extism's HTTP and allowed_hosts."""

    def __init__(self, manifest_path: Path, extra_allowed_hosts: list[str]) -> None:
        manifest = load_manifest(manifest_path)
        extism_manifest = manifest.extism_manifest(manifest.read_wasm())
        extism_manifest["allowed_hosts"] = [*manifest.allowed_hosts, *extra_allowed_hosts]
        extism_manifest["memory"]["max_http_response_bytes"] = (
            manifest.limits.max_http_response_bytes
        )
        self._plugin = extism.Plugin(extism_manifest, wasi=False, functions=[])

    def call(self, export: str, call_input: dict[str, Any]) -> Any:
        """Calls `export`; a trap is `internal`, since the stock SDK says nothing more."""
        try:
            return json.loads(bytes(self._plugin.call(export, json.dumps(call_input))))
        except extism.Error as error:
            raise PluginError(
                parse_error_text(str(error)) or make_error("internal", str(error))
            ) from None


def stock_transcript(harness: Path, manifest: Path, scenario: str) -> tuple[Transcript, Report]:
    """Runs the transcript on the stock SDK against `host-harness serve` of `scenario`."""
    folder = fixtures_dir() / scenario
    if not (folder / "exchanges.json").is_file():
        pytest.fail(f"the scenario {folder} is missing", pytrace=False)

    def run(started: dict[str, Any]) -> Transcript:
        return transcript(StockPlugin(manifest, ["127.0.0.1"]), started["credentials"], AS_OF)

    return against_replay(harness, folder, run)


def test_on_normal_data_the_stock_sdk_agrees_with_the_rust_host(
    host_harness: Path, plugin_manifest: Path, tmp_path: Path
) -> None:
    stock, _ = stock_transcript(host_harness, plugin_manifest, "happy-path")
    rust, _ = against_replay(
        host_harness,
        fixtures_dir() / "happy-path",
        lambda started: rust_transcript(host_harness, plugin_manifest, started, tmp_path),
    )
    assert stock == rust


def test_the_stock_sdk_loses_the_vendors_retry_after(
    host_harness: Path, plugin_manifest: Path
) -> None:
    stock, _ = stock_transcript(host_harness, plugin_manifest, "rate-limited-429")
    assert stock["authenticate"] == {"error": {"class": "rate_limited", "http_status": 429}}


def test_the_stock_sdk_follows_a_redirect_off_host_and_the_key_goes_with_it(
    host_harness: Path, plugin_manifest: Path
) -> None:
    _, report = stock_transcript(host_harness, plugin_manifest, "redirect-off-host")
    # The 302 names the replay server as `localhost`, which allowed_hosts does not hold; the
    # request reached it anyway, with the plugin's headers (ureq forwards them; the key is one).
    assert any(request.endswith("/collect-keys") for request in report["unmatched"]), report
