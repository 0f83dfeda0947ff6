"""Times this adapter against a replay server, for `cargo bench --bench sync`'s table of hosts.

    uv run --locked python bench.py --manifest M --replay-url http://127.0.0.1:PORT
        --credentials-json '{"api_key": "k", "api_url": "{replay_url}"}' --runs 11
        [--service-ids '["billable-users"]']

prints one line of JSON: `fetch_usage_ms`, the median `fetch_usage` of `--service-ids`
(billable-users unless told) for all accounts (output decoded), `call_overhead_us`, the median
`describe_credentials`, each after one warm-up; `request_ms`, the median GET of `--probe-url`
(with `--probe-headers`) through the adapter's HTTP alone, null without it; `records`, the
records counted; `runtime` and `sdk`, what it ran on. `{replay_url}` in a credential or the
probe's URL stands for `--replay-url`, as in a scenario's `credentials.json`.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

from extism_vendor_host import VendorPlugin
from extism_vendor_host.transport import send

AS_OF = "2026-11-01T00:00:00Z"
REPLAY_URL = "{replay_url}"


def median_s(runs: int, call: Callable[[], object]) -> float:
    """Returns the median time of `runs` calls of `call` in seconds, after one warm-up."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Loads the plugin, times both calls and prints the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True, help="the bundle's manifest.json")
    parser.add_argument("--replay-url", required=True, help="the replay server's base URL")
    parser.add_argument("--credentials-json", required=True, help="the scenario's credentials")
    parser.add_argument("--runs", type=int, default=11, help="fetch_usage calls timed")
    parser.add_argument("--overhead-calls", type=int, default=201, help="describe_credentials")
    parser.add_argument(
        "--service-ids", default='["billable-users"]', help="fetch_usage's services, as JSON"
    )
    parser.add_argument("--probe-url", help="a GET timed alone through the adapter's HTTP")
    parser.add_argument("--probe-headers", default="{}", help="the probe's headers, as JSON")
    args = parser.parse_args()
    credentials = {
        name: value.replace(REPLAY_URL, args.replay_url)
        for name, value in json.loads(args.credentials_json).items()
    }
    services = json.loads(args.service_ids)
    usage_input = {"credentials": credentials, "as_of": AS_OF, "service_ids": services}
    usage: dict[str, Any] = {}
    with VendorPlugin.load(args.manifest, [urlsplit(args.replay_url).hostname or ""]) as plugin:

        def fetch_usage() -> None:
            usage.update(plugin.call("fetch_usage", usage_input))

        fetch_usage_s = median_s(args.runs, fetch_usage)
        overhead_s = median_s(
            args.overhead_calls, lambda: plugin.call("describe_credentials", {"credentials": {}})
        )
        request_s = None
        if args.probe_url:
            probe = {
                "url": args.probe_url.replace(REPLAY_URL, args.replay_url),
                "method": "GET",
                "headers": json.loads(args.probe_headers),
            }
            request_s = median_s(args.runs, lambda: send(probe, None, plugin.policy))
    report = {
        "fetch_usage_ms": fetch_usage_s * 1e3,
        "call_overhead_us": overhead_s * 1e6,
        "request_ms": None if request_s is None else request_s * 1e3,
        "records": len(usage["records"]),
        "runtime": f"Python {platform.python_version()}",
        "sdk": f"`extism` {version('extism')}, `extism-sys` {version('extism-sys')}",
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
