"""The cross-host transcript: the five calls on one instance, reduced to what every host agrees on.

Hosts differ in the texts of their transport failures, so a transcript keeps of an error only its
`class`, `http_status` and `retry_after_s`, and drops the `message` of every failed account's
error in a `fetch_usage` output. Each replay server has its own port, so the server's `host:port`
in any string reads `{server}`. Everything else is compared exactly with the Rust harness's.
"""

from __future__ import annotations

from typing import Any, Protocol

from .errors import PluginError

#: What the replay server's `host:port` reads in a transcript.
SERVER_PLACEHOLDER = "{server}"

#: The error fields a transcript keeps.
COMPARED_ERROR_FIELDS = ("class", "http_status", "retry_after_s")


class Plugin(Protocol):
    """Calls a plugin's exports, as `VendorPlugin` does."""

    def call(self, export: str, call_input: dict[str, Any]) -> Any:
        """Calls `export` with `call_input`; returns its output or raises PluginError."""
        ...


def transcript(
    plugin: Plugin, credentials: dict[str, str], as_of: str, server_url: str | None = None
) -> dict[str, Any]:
    """Runs the five calls in order on `plugin` and returns the comparable transcript.

    `server_url` is the replay server's base URL, if there is one.
    """
    calls: list[tuple[str, dict[str, Any]]] = [
        (export, {"credentials": credentials})
        for export in ("describe_credentials", "authenticate", "list_accounts", "list_services")
    ]
    calls.append(("fetch_usage", {"credentials": credentials, "as_of": as_of}))
    result: dict[str, Any] = {}
    for export, call_input in calls:
        try:
            output = plugin.call(export, call_input)
        except PluginError as error:
            result[export] = {"error": comparable_error(error.error)}
            continue
        if export == "fetch_usage":
            output = without_failure_messages(output)
        result[export] = {"ok": output}
    if server_url and "://" in server_url:
        return replaced_in_strings(result, server_url.split("://", 1)[1], SERVER_PLACEHOLDER)
    return result


def replaced_in_strings(value: Any, old: str, new: str) -> Any:
    """Returns `value` with `old` replaced by `new` in every string value (not in keys)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [replaced_in_strings(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: replaced_in_strings(item, old, new) for key, item in value.items()}
    return value


def comparable_error(error: dict[str, Any]) -> dict[str, Any]:
    """Returns the fields of a normalized error that every host reports alike."""
    return {key: error[key] for key in COMPARED_ERROR_FIELDS if key in error}


def without_failure_messages(usage: Any) -> Any:
    """Removes `message` from every failed account's `error` and `failures[*].error`."""
    if not isinstance(usage, dict):
        return usage
    for failed in usage.get("failed_accounts") or []:
        if not isinstance(failed, dict):
            continue
        errors = [failed.get("error")]
        errors += [f.get("error") for f in failed.get("failures") or [] if isinstance(f, dict)]
        for error in errors:
            if isinstance(error, dict):
                error.pop("message", None)
    return usage
