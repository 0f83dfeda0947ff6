"""allowed_hosts matching against the shared vectors (contract/vectors/allowed-hosts.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extism_vendor_host.allowed_hosts import host_matches, parsed_url
from extism_vendor_host.transport import HttpPolicy, TransportFailure, send

VECTORS = json.loads(
    (Path(__file__).resolve().parents[3] / "contract/vectors/allowed-hosts.json").read_text()
)


@pytest.mark.parametrize(
    "case", VECTORS["cases"], ids=lambda case: f"{case['pattern']} {case['url']}"
)
def test_every_host_matches_the_shared_allowed_hosts_vectors(case: dict[str, object]) -> None:
    check_case(case)


def check_case(case: dict[str, object]) -> None:
    """Asserts that this host matches a URL's host as a case of the shared vectors says."""
    url = parsed_url(str(case["url"]))
    assert url is not None
    assert host_matches(str(case["pattern"]), url.hostname) is case["allowed"]


def test_the_deliberately_wrong_case_of_the_vectors_fails() -> None:
    with pytest.raises(AssertionError):
        check_case(VECTORS["wrong_case"])


def test_question_marks_and_brackets_are_no_wildcards() -> None:
    assert not host_matches("exampl?.com", "example.com")
    assert not host_matches("[ab]pi.example.com", "api.example.com")


def test_a_legacy_ipv4_url_is_checked_and_sent_as_the_address_it_reaches() -> None:
    policy = HttpPolicy(allowed_hosts=("127.0.0.1",), max_response_bytes=64, request_timeout_s=2)
    # Port 1 refuses: the request was let through, to 127.0.0.1.
    with pytest.raises(TransportFailure) as raised:
        send({"url": "http://2130706433:1/x", "headers": {}}, None, policy)
    assert raised.value.kind == "connection"
    assert "127.0.0.1" in raised.value.message
