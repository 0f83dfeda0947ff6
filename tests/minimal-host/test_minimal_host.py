"""The host profile is enough on its own: `host.py`, written from a bundle's HOST-PROFILE.md, gives
the transcript the bundle ships on every scenario of every bundle, and the Rust harness agrees.

Each bundle listed in `$BUNDLES/index.json` (`./dev package` writes `dist/`) is copied to a
temporary folder; for each scenario of its `scenarios/index.json`, `host.py` runs against a
`host-harness serve` of the copy's scenario (`$HOST_HARNESS`) with the import of the reference
host blocked, and its transcript must equal the copy's `transcript.json` and what
`host-harness transcript --replay` prints of the same scenario, with no request unmatched.
Run with the Python host's environment: `cd hosts/python && uv run pytest ../../tests/minimal-host`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HOST = Path(__file__).resolve().parent / "host.py"
# Runs host.py with the reference host's package made unimportable.
RUN_BLOCKED = (
    "import runpy, sys; sys.modules['extism_vendor_host'] = None; "
    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def required(name: str) -> Path:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set (see this file's docstring)", pytrace=False)
    return Path(value)


def bundles() -> list[Path]:
    folder = os.environ.get("BUNDLES")
    if not folder:
        return []
    index = json.loads((Path(folder) / "index.json").read_text())
    return [Path(folder) / entry["bundle"] for entry in index["plugins"]]


CASES = [
    (bundle, scenario)
    for bundle in bundles()
    for scenario in json.loads((bundle / "scenarios" / "index.json").read_text())["scenarios"]
]


def test_there_are_bundles_with_scenarios() -> None:
    required("BUNDLES")
    assert CASES, "no bundle in $BUNDLES/index.json ships scenarios"
    assert "extism_vendor_host" not in HOST.read_text(), "host.py must not use the reference host"


@pytest.fixture(scope="session")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """Copies each bundle, alone, to a temporary folder of its own."""
    return {
        bundle: Path(shutil.copytree(bundle, tmp_path_factory.mktemp("bundle") / bundle.name))
        for bundle in bundles()
    }


def served(harness: Path, scenario: Path, run) -> tuple[object, dict]:
    """Serves `scenario`, returns `run(start line)` and the server's report."""
    with subprocess.Popen(
        [harness, "serve", scenario],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            line = server.stdout.readline()
            assert line, f"serve printed no start line: {server.stderr.read()}"
            result = run(line)
        finally:
            server.stdin.close()
        report = json.loads(server.stdout.readline() or "null")
        assert server.wait(timeout=30) == 0, server.stderr.read()
    return result, report


@pytest.mark.parametrize(("bundle", "scenario"), CASES, ids=[f"{b.name}/{s}" for b, s in CASES])
def test_the_minimal_host_gives_the_shipped_transcript(
    bundle: Path, scenario: str, copies: dict[Path, Path]
) -> None:
    harness = required("HOST_HARNESS")
    copy = copies[bundle]
    folder = copy / "scenarios" / scenario
    as_of = json.loads((copy / "scenarios" / "index.json").read_text())["as_of"]
    # The harness's own transcript, on its own replay server, runs meanwhile.
    rust = subprocess.Popen(
        [
            harness,
            "transcript",
            "--manifest",
            copy / "manifest.json",
            "--replay",
            folder,
            "--as-of",
            as_of,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def minimal(line: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", RUN_BLOCKED, HOST, copy, line],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=copy.parent,
        )
        assert done.returncode == 0, f"host.py failed: {done.stderr}"
        return json.loads(done.stdout)

    ours, report = served(harness, folder, minimal)
    theirs, errors = rust.communicate(timeout=600)
    assert rust.returncode == 0, f"host-harness transcript failed: {errors}"
    assert report["unmatched"] == [] and report["unmatched_omitted"] == 0, report
    assert ours == json.loads((folder / "transcript.json").read_text())
    assert ours == json.loads(theirs)
