from __future__ import annotations

from typing import Any

from extism_vendor_host import PluginError
from extism_vendor_host.transcript import transcript


class CannedPlugin:
    """Answers each export from `answers`: an output, or a PluginError to raise."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    def call(self, export: str, call_input: dict[str, Any]) -> Any:
        answer = self.answers[export]
        if isinstance(answer, PluginError):
            raise answer
        return answer


def test_the_servers_address_reads_server_and_errors_keep_class_status_and_wait() -> None:
    usage = {
        "as_of": "2026-11-01T00:00:00Z",
        "records": [],
        "failed_accounts": [
            {
                "account_id": "a",
                "service_ids": ["s"],
                "error": {"class": "transient", "message": "x"},
            }
        ],
    }
    limited = {"class": "rate_limited", "message": "slow", "http_status": 429, "retry_after_s": 17}
    plugin = CannedPlugin(
        {
            "describe_credentials": {"url": "http://127.0.0.1:4242/x"},
            "authenticate": {"detail": "SaaS Alerts at 127.0.0.1:4242 accepted the key"},
            "list_accounts": PluginError(limited),
            "list_services": {"services": []},
            "fetch_usage": usage,
        }
    )
    result = transcript(plugin, {}, "2026-11-01T00:00:00Z", "http://127.0.0.1:4242")
    assert result["describe_credentials"] == {"ok": {"url": "http://{server}/x"}}
    assert result["authenticate"] == {"ok": {"detail": "SaaS Alerts at {server} accepted the key"}}
    assert result["list_accounts"] == {
        "error": {"class": "rate_limited", "http_status": 429, "retry_after_s": 17}
    }
    assert result["fetch_usage"]["ok"]["failed_accounts"][0]["error"] == {"class": "transient"}
