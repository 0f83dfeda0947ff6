"""Content-Encoding against a loopback server, as the shared vectors say.

The vectors are contract/vectors/content-encoding.json; each case names the body the server
sends and what the plugin gets.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from conftest import Reply, ScriptedServer
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


@pytest.mark.parametrize(
    "case", VECTORS["cases"], ids=lambda case: f"{case['content_encoding']} {case['body']}"
)
def test_every_host_decodes_content_encoding_as_the_shared_vectors_say(
    server: ScriptedServer, case: dict[str, str]
) -> None:
    check_case(server, case)


def test_the_deliberately_wrong_case_of_the_vectors_fails(server: ScriptedServer) -> None:
    with pytest.raises(AssertionError):
        check_case(server, VECTORS["wrong_case"])


def check_case(server: ScriptedServer, case: dict[str, str]) -> None:
    """Asserts that this host hands over a body as a case of the shared vectors says."""
    encoding = case["content_encoding"]
    headers = [] if encoding is None else [("Content-Encoding", encoding)]
    server.reply = Reply(headers=headers, body=body_named(case["body"]))
    policy = HttpPolicy(
        allowed_hosts=("127.0.0.1",),
        max_response_bytes=VECTORS["max_http_response_bytes"],
        request_timeout_s=5,
    )
    request = {"url": f"{server.url}/x", "headers": {}}
    expect = case["expect"]
    if expect in ("json", "as_sent", "empty"):
        response = send(request, None, policy)
        if expect == "json":
            assert response.body == JSON
            assert "content-encoding" not in response.headers
            assert "content-length" not in response.headers
        elif expect == "as_sent":
            assert response.body == server.reply.body
            assert response.headers.get("content-encoding") == case["content_encoding"]
        else:
            assert response.body == b""
    else:
        try:
            send(request, None, policy)
        except TransportFailure as failure:
            assert failure.kind == expect, failure.message
        else:
            raise AssertionError(f"{case}: the body was handed over")
    assert server.last_headers.get("accept-encoding") == VECTORS["accept_encoding"]


def test_the_plugins_own_accept_encoding_is_kept(server: ScriptedServer) -> None:
    server.reply = Reply(body=JSON)
    policy = HttpPolicy(allowed_hosts=("127.0.0.1",), max_response_bytes=4096, request_timeout_s=5)
    send({"url": f"{server.url}/x", "headers": {"accept-encoding": "identity"}}, None, policy)
    assert server.last_headers.get("accept-encoding") == "identity"
