"""The contract's error, and how a host reads one out of whatever an SDK reports.

A plugin that fails sets the Extism error to the JSON `{"class", "message", "http_status"?,
"retry_after_s"?}`. SDKs hand that text over differently (Python as it is, Node 2.x behind a
prefix), and a trap gives no such JSON at all: then the host types the failure itself.
"""

from __future__ import annotations

import json
from typing import Any

from .retry_after import retry_after_seconds

#: The classes of the contract's errors.
ERROR_CLASSES = frozenset(
    {"config", "auth", "permission", "not_found", "rate_limited", "transient", "vendor", "internal"}
)
#: Texts some SDKs put before the plugin's error JSON.
KNOWN_PREFIXES = ("Plugin-originated error: ",)
#: The class a call gets when a request of the given failure kind trapped it.
CLASS_OF_TRANSPORT_KIND = {
    "host_not_allowed": "config",
    "bad_request": "internal",
    "timeout": "transient",
    "too_large": "vendor",
    "connection": "transient",
}
#: The statuses whose Retry-After the host remembers.
RETRY_AFTER_STATUSES = frozenset({429, 503})


class PluginError(Exception):
    """Raised when a plugin call fails; `error` is the normalized contract error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error

    @property
    def error_class(self) -> str:
        """Returns the error's class, which is what a host acts on."""
        return str(self.error["class"])


def make_error(error_class: str, message: str) -> dict[str, Any]:
    """Returns a contract error of `error_class` saying `message`."""
    return {"class": error_class, "message": message}


def parse_error_text(text: str) -> dict[str, Any] | None:
    """Reads an SDK's error text as the contract's error; None when it is not one (a trap)."""
    for prefix in KNOWN_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not (
        isinstance(value, dict)
        and value.get("class") in ERROR_CLASSES
        and isinstance(value.get("message"), str)
    ):
        return None
    error = make_error(value["class"], value["message"])
    for key in ("http_status", "retry_after_s"):
        if _is_int(value.get(key)):
            error[key] = value[key]
    return error


def fill_retry_after(
    error: dict[str, Any], retry_after: str | None, now_unix_s: float
) -> dict[str, Any]:
    """Sets a rate_limited error's retry_after_s from the vendor's Retry-After, if it has none."""
    if error["class"] != "rate_limited" or "retry_after_s" in error or retry_after is None:
        return error
    seconds = retry_after_seconds(retry_after, now_unix_s)
    if seconds is not None:
        error["retry_after_s"] = seconds
    return error


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
