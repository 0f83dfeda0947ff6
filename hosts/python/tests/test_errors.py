"""Reading an SDK's error text, typing traps, and the vendor's Retry-After."""

from __future__ import annotations

import calendar
import time

import pytest

from extism_vendor_host.errors import fill_retry_after, parse_error_text
from extism_vendor_host.plugin import CallState, trap_error
from extism_vendor_host.transport import HttpPolicy, TransportFailure

NOW = calendar.timegm((2026, 10, 26, 0, 0, 0, 0, 0, 0))
ERROR = '{"class":"rate_limited","message":"slow down","http_status":429}'


def test_python_gives_the_error_json_as_it_is() -> None:
    assert parse_error_text(ERROR) == {
        "class": "rate_limited",
        "message": "slow down",
        "http_status": 429,
    }


def test_the_node_prefix_is_stripped() -> None:
    assert parse_error_text("Plugin-originated error: " + ERROR) == parse_error_text(ERROR)


@pytest.mark.parametrize(
    "text",
    [
        "error while executing at wasm backtrace:\n    0:  0x166c8 - <unknown>!<wasm function 254>",
        "timeout",
        "oom",
        "",
        '{"class":"nonsense","message":"x"}',
        '{"class":"auth"}',
        '{"class":"auth","message":5}',
        '["auth"]',
        "Some other prefix: " + ERROR,
    ],
)
def test_anything_else_is_a_trap(text: str) -> None:
    assert parse_error_text(text) is None


def test_only_the_contract_fields_are_kept() -> None:
    text = '{"class":"auth","message":"m","http_status":"401","retry_after_s":3,"extra":1}'
    assert parse_error_text(text) == {"class": "auth", "message": "m", "retry_after_s": 3}


def state(failure: TransportFailure | None = None, timeout_s: float = 60.0) -> CallState:
    policy = HttpPolicy(allowed_hosts=(), max_response_bytes=1, request_timeout_s=1)
    call = CallState(policy=policy, failures_as_values=False, timeout_s=timeout_s)
    call.failure = failure
    return call


@pytest.mark.parametrize(
    ("kind", "error_class"),
    [
        ("host_not_allowed", "config"),
        ("bad_request", "internal"),
        ("timeout", "transient"),
        ("too_large", "vendor"),
        ("connection", "transient"),
    ],
)
def test_a_1_0_plugins_trap_is_typed_by_the_failed_request(kind: str, error_class: str) -> None:
    error = trap_error("list_accounts", state(TransportFailure(kind, "what happened")), 60000)
    assert error == {"class": error_class, "message": "list_accounts: what happened."}


def test_a_trap_past_the_timeout_is_transient() -> None:
    error = trap_error("fetch_usage", state(timeout_s=0), 5)
    assert error["class"] == "transient"
    assert "timeout_ms (5 ms)" in error["message"]


def test_any_other_trap_is_internal_and_says_so() -> None:
    error = trap_error("authenticate", state(), 60000)
    assert error["class"] == "internal"
    assert error["message"]


def test_only_a_rate_limited_error_without_a_wait_is_filled() -> None:
    now = time.time()
    assert (
        fill_retry_after({"class": "rate_limited", "message": "m"}, "17", now)["retry_after_s"]
        == 17
    )
    own = {"class": "rate_limited", "message": "m", "retry_after_s": 30}
    assert fill_retry_after(own, "17", now)["retry_after_s"] == 30
    assert "retry_after_s" not in fill_retry_after(
        {"class": "transient", "message": "m"}, "17", now
    )
    assert "retry_after_s" not in fill_retry_after(
        {"class": "rate_limited", "message": "m"}, None, now
    )
    assert "retry_after_s" not in fill_retry_after(
        {"class": "rate_limited", "message": "m"}, "soon", now
    )
