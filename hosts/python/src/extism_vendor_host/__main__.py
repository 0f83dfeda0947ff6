"""The command line: `python -m extism_vendor_host transcript --manifest M ...`."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import PluginError
from .manifest import ManifestError
from .plugin import LoadError, VendorPlugin
from .transcript import transcript


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit code (0 ok, 1 load failure, 2 usage)."""
    parser = argparse.ArgumentParser(prog="python -m extism_vendor_host")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("transcript", help="print the cross-host transcript as JSON")
    run.add_argument("--manifest", required=True, help="path of the plugin's manifest.json")
    run.add_argument(
        "--credentials-json", required=True, help="credentials as a JSON object of strings"
    )
    run.add_argument("--as-of", required=True, help="the RFC 3339 instant fetch_usage counts at")
    run.add_argument(
        "--allow-host", action="append", default=[], help="a host allowed besides the manifest's"
    )
    run.add_argument(
        "--server-url", help="the replay server's base URL, written {server} in the transcript"
    )
    args = parser.parse_args(argv)

    credentials = _credentials(args.credentials_json)
    if credentials is None:
        parser.error("--credentials-json must be a JSON object of strings")
    try:
        with VendorPlugin.load(args.manifest, args.allow_host) as plugin:
            result = transcript(plugin, credentials, args.as_of, args.server_url)
    except (ManifestError, LoadError, PluginError) as error:
        print(f"extism_vendor_host: {error}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


def _credentials(text: str) -> dict[str, str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return value


if __name__ == "__main__":
    sys.exit(main())
