"""Retry-After read as a wait, against the shared vectors (contract/vectors/retry-after.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extism_vendor_host.retry_after import MAX_RETRY_AFTER_S, retry_after_seconds

VECTORS = json.loads(
    (Path(__file__).resolve().parents[3] / "contract/vectors/retry-after.json").read_text()
)


def check_case(case: dict[str, object]) -> None:
    """Asserts that this host reads a Retry-After as a case of the shared vectors says."""
    assert retry_after_seconds(str(case["value"]), VECTORS["now_unix_s"]) == case["seconds"]


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: repr(case["value"]))
def test_every_host_reads_retry_after_as_the_shared_vectors_say(case: dict[str, object]) -> None:
    check_case(case)


def test_the_deliberately_wrong_case_of_the_vectors_fails() -> None:
    with pytest.raises(AssertionError):
        check_case(VECTORS["wrong_case"])


def test_a_wait_past_2_53_is_the_largest_integer_json_holds_exactly() -> None:
    assert retry_after_seconds("18446744073709551615", 0) == MAX_RETRY_AFTER_S == 2**53 - 1
