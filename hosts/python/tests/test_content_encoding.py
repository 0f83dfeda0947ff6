"""Content-Encoding against a loopback server, as the shared vectors say.

The vectors are contract/vectors/content-encoding.json; each case names the body the server
sends and what the plugin gets.
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from extism_vendor_host.transport import HttpPolicy, TransportFailure, send

VECTORS = json.loads(
    (Path(__file__).resolve().parents[3] / "contract/vectors/content-encoding.json").read_text()
)
JSON = VECTORS["json"].encode()


def body_named(name: str) -> bytes:
    half = len(JSON) // 2
    return {
        "json": JSON,
        "gzip": gzip.compress(JSON),
        "gzip-members": gzip.compress(JSON[:half]) + gzip.compress(JSON[half:]),
        "gzip-cut": gzip.compress(JSON)[: len(gzip.compress(JSON)) // 2],
        "gzip-bomb": gzip.compress(bytes(1 << 20)),
        "deflate": zlib.compress(JSON),
        "empty": b"",
    }[name]


class Served:
    """What the loopback server sends next, and the Accept-Encoding it was asked for."""

    url = ""
    content_encoding: str | None = None
    body = b""
    accept_encoding: str | None = None


@pytest.fixture
def served() -> Iterator[Served]:
    state = Served()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            state.accept_encoding = self.headers.get("Accept-Encoding")
            self.send_response(200)
            if state.content_encoding is not None:
                self.send_header("Content-Encoding", state.content_encoding)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *_: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/x"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "case", VECTORS["cases"], ids=lambda case: f"{case['content_encoding']} {case['body']}"
)
def test_every_host_decodes_content_encoding_as_the_shared_vectors_say(
    served: Served, case: dict[str, str]
) -> None:
    served.content_encoding = case["content_encoding"]
    served.body = body_named(case["body"])
    policy = HttpPolicy(
        allowed_hosts=("127.0.0.1",),
        max_response_bytes=VECTORS["max_http_response_bytes"],
        request_timeout_s=5,
    )
    request = {"url": served.url, "headers": {}}
    expect = case["expect"]
    if expect in ("json", "as_sent", "empty"):
        response = send(request, None, policy)
        if expect == "json":
            assert response.body == JSON
            assert "content-encoding" not in response.headers
            assert "content-length" not in response.headers
        elif expect == "as_sent":
            assert response.body == served.body
            assert response.headers.get("content-encoding") == case["content_encoding"]
        else:
            assert response.body == b""
    else:
        with pytest.raises(TransportFailure) as raised:
            send(request, None, policy)
        assert raised.value.kind == expect, raised.value.message
    assert served.accept_encoding == VECTORS["accept_encoding"]


def test_the_plugins_own_accept_encoding_is_kept(served: Served) -> None:
    served.body = JSON
    policy = HttpPolicy(allowed_hosts=("127.0.0.1",), max_response_bytes=4096, request_timeout_s=5)
    send({"url": served.url, "headers": {"accept-encoding": "identity"}}, None, policy)
    assert served.accept_encoding == "identity"
