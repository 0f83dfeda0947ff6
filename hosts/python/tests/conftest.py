"""Shared fixtures: the environment the tests read, and a small scripted HTTP server."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from extism_vendor_host.manifest import load_manifest
from extism_vendor_host.transcript import SERVER_PLACEHOLDER, replaced_in_strings

HERE = Path(__file__).resolve().parent
AS_OF = "2026-11-01T00:00:00Z"

Transcript = dict[str, Any]
Report = dict[str, Any]


def required_env(name: str, what: str) -> str:
    """Returns environment variable `name`, or fails the test saying how to set it (never skips)."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: it must name {what}", pytrace=False)
    return value


def fixtures_dir() -> Path:
    """Returns the fixtures folder: $FIXTURES, or ../../fixtures beside hosts/python."""
    return Path(os.environ.get("FIXTURES") or HERE.parent.parent.parent / "fixtures").resolve()


def cross_host_plugins() -> list[tuple[Path, Path]]:
    """Returns the plugins the cross-host tests compare, as (manifest, fixtures) pairs:
    $CROSS_HOST_PLUGINS (a JSON list of {"manifest", "fixtures"}), else $PLUGIN_MANIFEST with the
    fixtures folder; empty when neither names a manifest (the tests then fail, saying so)."""
    listed = os.environ.get("CROSS_HOST_PLUGINS")
    if listed:
        return [
            (Path(p["manifest"]).resolve(), Path(p["fixtures"]).resolve())
            for p in json.loads(listed)
        ]
    manifest = os.environ.get("PLUGIN_MANIFEST")
    return [(Path(manifest).resolve(), fixtures_dir())] if manifest else []


@pytest.fixture(scope="session", autouse=True)
def temp_folder_left_empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Points the run's temp files (this process's and its children's) at one fresh folder, and
    fails the run when a test leaves anything in it; pytest's own `tmp_path` folders stay apart.
    """
    tmp_path_factory.getbasetemp()  # placed before the switch
    folder = Path(tempfile.mkdtemp(prefix="extism-host-tests-"))
    patch = pytest.MonkeyPatch()
    patch.setenv("TMPDIR", str(folder))
    patch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    patch.undo()
    left = sorted(entry.name for entry in folder.iterdir())
    shutil.rmtree(folder, ignore_errors=True)
    assert not left, f"tests left these in the temp folder: {left}"


@pytest.fixture(scope="session")
def plugin_manifest() -> Path:
    """Returns $PLUGIN_MANIFEST, the manifest.json of the plugin under test."""
    path = Path(required_env("PLUGIN_MANIFEST", "the plugin's manifest.json (the bundle's)"))
    if not path.is_file():
        pytest.fail(f"PLUGIN_MANIFEST={path} is not a file", pytrace=False)
    return path


@pytest.fixture(scope="session")
def host_harness() -> Path:
    """Returns $HOST_HARNESS, the Rust host-harness binary."""
    path = Path(required_env("HOST_HARNESS", "the built host-harness binary"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"HOST_HARNESS={path} is not an executable", pytrace=False)
    return path


@pytest.fixture
def manifest_copy(plugin_manifest: Path, tmp_path: Path) -> Callable[..., Path]:
    """Returns a function writing a copy of the plugin's manifest (and wasm) with changes."""

    def write(limits: dict[str, int] | None = None, **changes: object) -> Path:
        document = json.loads(plugin_manifest.read_text())
        shutil.copyfile(load_manifest(plugin_manifest).wasm_path, tmp_path / "plugin.wasm")
        document["wasm"] = {
            "path": "plugin.wasm",
            **{k: v for k, v in document["wasm"].items() if k == "sha256"},
        }
        document.update(changes)
        document["limits"] = {**document["limits"], **(limits or {})}
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(document))
        return path

    return write


@dataclass
class Reply:
    """A scripted answer: status, headers (pairs, repeats allowed), body, and an optional delay."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay_s: float = 0.0
    content_length: int | None = None


@dataclass
class ScriptedServer:
    """A loopback HTTP server answering every request with `reply`, keeping the paths asked and
    the headers of the last request."""

    url: str
    reply: Reply
    requests: list[str]
    last_headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """Runs a ScriptedServer on 127.0.0.1 for one test."""
    state = ScriptedServer(url="", reply=Reply(), requests=[])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            state.requests.append(self.path)
            state.last_headers = {name.lower(): value for name, value in self.headers.items()}
            reply = state.reply
            time.sleep(reply.delay_s)
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            length = len(reply.body) if reply.content_length is None else reply.content_length
            self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up first (a timeout test)

        def log_message(self, *_: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def against_replay(
    harness: Path, scenario: Path, run: Callable[[dict[str, Any]], Transcript]
) -> tuple[Transcript, Report]:
    """Serves `scenario`, runs `run(start line)`; returns its transcript and the server report.

    The server's own `host:port` is written `{server}` in the transcript, as a transcript given
    the server's URL writes it.
    """
    with subprocess.Popen(
        [harness, "serve", scenario],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdin is not None and server.stdout is not None and server.stderr is not None
        try:
            started = json.loads(server.stdout.readline() or "null")
            assert isinstance(started, dict), f"serve printed no start line: {server.stderr.read()}"
            result = run(started)
        finally:
            server.stdin.close()
        report = json.loads(server.stdout.readline() or "null")
        assert server.wait(timeout=30) == 0, server.stderr.read()
    address = started["url"].removeprefix("http://")
    return replaced_in_strings(result, address, SERVER_PLACEHOLDER), report


def rust_transcript(
    harness: Path, manifest: Path, started: dict[str, Any], tmp_path: Path
) -> Transcript:
    """Runs the Rust harness's transcript with the credentials `serve` printed."""
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps(started["credentials"]))
    done = subprocess.run(
        [
            harness,
            "transcript",
            "--manifest",
            manifest,
            "--credentials",
            credentials,
            "--allow-host",
            "127.0.0.1",
            "--as-of",
            AS_OF,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"host-harness transcript failed: {done.stderr}"
    return json.loads(done.stdout)
