"""The cross-host comparison: this adapter's transcript equals the Rust harness's on every scenario.

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

from conftest import AS_OF, Transcript, against_replay, fixtures_dir, rust_transcript
from extism_vendor_host import VendorPlugin, transcript

SCENARIOS = sorted(p.parent for p in fixtures_dir().glob("*/exchanges.json"))


def test_there_are_scenarios_to_compare() -> None:
    assert SCENARIOS, f"no scenario with an exchanges.json under {fixtures_dir()} (set FIXTURES)"


def python_transcript(manifest: Path, started: dict[str, Any]) -> Transcript:
    """Runs this adapter's transcript with the credentials `serve` printed."""
    with VendorPlugin.load(manifest, ["127.0.0.1"]) as plugin:
        return transcript(plugin, started["credentials"], AS_OF, started["url"])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_the_python_transcript_equals_the_rust_one(
    host_harness: Path, plugin_manifest: Path, scenario: Path, tmp_path: Path
) -> None:
    ours, our_report = against_replay(
        host_harness, scenario, lambda started: python_transcript(plugin_manifest, started)
    )
    theirs, their_report = against_replay(
        host_harness,
        scenario,
        lambda started: rust_transcript(host_harness, plugin_manifest, started, tmp_path),
    )
    assert our_report["unmatched"] == [], "requests no exchange matched (a followed redirect?)"
    assert their_report["unmatched"] == [], "the Rust harness made requests no exchange matched"
    assert our_report["served"] == their_report["served"]
    assert ours == theirs
