"""The cross-host comparison: this adapter's transcript equals the Rust harness's on every scenario
of every plugin compared (the SaaS Alerts plugin and the OAuth example: `cross_host_plugins`).

For each scenario folder with an exchanges.json, each host runs its transcript against its own
`host-harness serve` of the scenario (allowing 127.0.0.1): this adapter in process, the Rust
harness as `host-harness transcript --credentials FILE`. The transcripts must be equal once each
server's own address is written `{server}` (the plugin puts the API URL it was given into
`authenticate`'s sentence), and the two servers must report the same requests served. Every
scenario records every request the transcript makes, so neither server may report an unmatched
one: that is a request a compliant host never sends (a followed redirect, say).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, Transcript, against_replay, cross_host_plugins, rust_transcript
from extism_vendor_host import VendorPlugin, transcript

PLUGINS = cross_host_plugins()
CASES = [
    (manifest, scenario.parent)
    for manifest, fixtures in PLUGINS
    for scenario in sorted(fixtures.glob("*/exchanges.json"))
]


def test_there_are_scenarios_to_compare() -> None:
    assert PLUGINS, "no plugin to compare: set PLUGIN_MANIFEST or CROSS_HOST_PLUGINS"
    for manifest, fixtures in PLUGINS:
        assert manifest.is_file(), f"{manifest} is not a file"
        assert any(fixtures.glob("*/exchanges.json")), (
            f"no scenario with an exchanges.json under {fixtures}"
        )


def python_transcript(manifest: Path, started: dict[str, Any]) -> Transcript:
    """Runs this adapter's transcript with the credentials `serve` printed."""
    with VendorPlugin.load(manifest, ["127.0.0.1"]) as plugin:
        return transcript(plugin, started["credentials"], AS_OF, started["url"])


@pytest.mark.parametrize(
    ("manifest", "scenario"), CASES, ids=[f"{m.parent.name}/{s.name}" for m, s in CASES]
)
def test_the_python_transcript_equals_the_rust_one(
    host_harness: Path, manifest: Path, scenario: Path, tmp_path: Path
) -> None:
    ours, our_report = against_replay(
        host_harness, scenario, lambda started: python_transcript(manifest, started)
    )
    theirs, their_report = against_replay(
        host_harness,
        scenario,
        lambda started: rust_transcript(host_harness, manifest, started, tmp_path),
    )
    assert our_report["unmatched"] == [], "requests no exchange matched (a followed redirect?)"
    assert their_report["unmatched"] == [], "the Rust harness made requests no exchange matched"
    assert our_report["served"] == their_report["served"]
    assert ours == theirs
