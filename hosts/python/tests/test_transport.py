"""The adapter's HTTP against a loopback server: host profile 1.0's rules, one by one."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from conftest import Reply, ScriptedServer
from extism_vendor_host.transport import HttpPolicy, TransportFailure, send

POLICY = HttpPolicy(allowed_hosts=("127.0.0.1",), max_response_bytes=64, request_timeout_s=2)


def get(url: str, policy: HttpPolicy = POLICY, time_left_s: float | None = None):  # type: ignore[no-untyped-def]
    return send({"url": url, "headers": {"api_key": "k"}}, None, policy, time_left_s)


def failure_of(
    url: str, policy: HttpPolicy = POLICY, time_left_s: float | None = None
) -> TransportFailure:
    with pytest.raises(TransportFailure) as raised:
        get(url, policy, time_left_s)
    return raised.value


def test_a_response_reaches_the_plugin_with_lowercase_headers_last_one_winning(
    server: ScriptedServer,
) -> None:
    server.reply = Reply(500, [("X-Rate", "1"), ("X-Rate", "2"), ("Retry-After", "3")], b'{"e":1}')
    response = get(server.url + "/path?q=1")
    assert (response.status, response.body) == (500, b'{"e":1}')
    assert response.headers["x-rate"] == "2"
    assert response.headers["retry-after"] == "3"
    assert server.requests == ["/path?q=1"]


def test_a_redirect_is_handed_over_never_followed(server: ScriptedServer) -> None:
    server.reply = Reply(
        302, [("Location", server.url.replace("127.0.0.1", "localhost") + "/next")]
    )
    response = get(server.url + "/first")
    assert response.status == 302
    assert response.headers["location"].endswith("/next")
    assert server.requests == ["/first"]


def test_a_host_outside_allowed_hosts_is_refused_before_connecting(server: ScriptedServer) -> None:
    failure = failure_of(server.url.replace("127.0.0.1", "localhost") + "/x")
    assert failure.kind == "host_not_allowed"
    assert "localhost" in failure.message
    assert server.requests == []


def test_proxy_variables_are_ignored(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert get(server.url + "/direct").status == 200
    assert server.requests == ["/direct"]


@pytest.mark.parametrize(
    "url", ["not a url", "ftp://127.0.0.1/x", "http:///nohost", "http://127.0.0.1:port/"]
)
def test_a_bad_url_is_a_bad_request(url: str) -> None:
    assert failure_of(url).kind == "bad_request"


def test_a_header_that_cannot_be_sent_is_a_bad_request(server: ScriptedServer) -> None:
    with pytest.raises(TransportFailure) as raised:
        send({"url": server.url, "headers": {"api_key": "a\nb"}}, None, POLICY)
    assert raised.value.kind == "bad_request"
    assert "a\nb" not in raised.value.message


def test_a_body_over_the_limit_is_too_large(server: ScriptedServer) -> None:
    server.reply = Reply(body=b"x" * 65)
    assert failure_of(server.url).kind == "too_large"
    server.reply = Reply(body=b"x" * 64)
    assert get(server.url).body == b"x" * 64


def test_a_body_cut_short_is_a_connection_failure(server: ScriptedServer) -> None:
    server.reply = Reply(body=b"[1,2", content_length=100)
    assert failure_of(server.url).kind == "connection"


def test_a_refused_connection_is_a_connection_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert failure_of(f"http://127.0.0.1:{port}/").kind == "connection"


def test_a_slow_answer_is_a_timeout_at_the_request_timeout(server: ScriptedServer) -> None:
    server.reply = Reply(delay_s=1.5)
    policy = HttpPolicy(allowed_hosts=("127.0.0.1",), max_response_bytes=64, request_timeout_s=0.3)
    assert failure_of(server.url, policy).kind == "timeout"


def test_the_calls_remaining_time_bounds_the_request(server: ScriptedServer) -> None:
    server.reply = Reply(delay_s=1.5)
    assert failure_of(server.url, time_left_s=0.3).kind == "timeout"
    assert failure_of(server.url, time_left_s=0).kind == "timeout"


def test_a_failure_becomes_the_body_of_a_status_0_answer() -> None:
    body = TransportFailure("connection", "refused").to_body()
    assert json.loads(body) == {"kind": "connection", "message": "refused"}


#: How long the trickle tests' bound is, and how much later than it their answer may come (a
#: loaded two-core machine; without the deadline the answer came after the whole trickle).
TRICKLE_BOUND_S = 1.0
TRICKLE_MARGIN_S = 2.0


@pytest.fixture
def trickling() -> Iterator[Callable[[bytes], str]]:
    """Returns a function starting a 127.0.0.1 server that answers `head`, then one byte every
    200 ms for a minute; it returns the server's URL. Servers stop when the test ends."""
    stop = threading.Event()
    listeners: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def serve(listener: socket.socket, head: bytes) -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)  # the request
            try:
                connection.sendall(head)
                for _ in range(300):
                    if stop.wait(0.2):
                        break
                    connection.sendall(b"a")
            except OSError:
                pass  # the client gave up

    def start(head: bytes) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)
        thread = threading.Thread(target=serve, args=(listener, head), daemon=True)
        thread.start()
        threads.append(thread)
        return f"http://127.0.0.1:{listener.getsockname()[1]}/"

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    for listener in listeners:
        listener.close()


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nX-Slow: ", id="headers"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", id="body"),
        pytest.param(b"", id="status-line"),
    ],
)
@pytest.mark.parametrize("bound", ["request_timeout_ms", "timeout_ms"])
def test_a_vendor_trickling_one_byte_at_a_time_times_out_at_the_bound(
    trickling: Callable[[bytes], str], head: bytes, bound: str
) -> None:
    url = trickling(head)
    policy = HttpPolicy(
        allowed_hosts=("127.0.0.1",),
        max_response_bytes=4096,
        request_timeout_s=TRICKLE_BOUND_S if bound == "request_timeout_ms" else 60,
    )
    time_left_s = TRICKLE_BOUND_S if bound == "timeout_ms" else None
    started = time.monotonic()
    failure = failure_of(url, policy, time_left_s)
    took = time.monotonic() - started
    assert failure.kind == "timeout", failure.message
    assert TRICKLE_BOUND_S * 0.9 <= took <= TRICKLE_BOUND_S + TRICKLE_MARGIN_S, took
