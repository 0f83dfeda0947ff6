"""Reference Python host for the project's Extism vendor plugins (host profile 1.0).

Load a plugin by its `manifest.json`, call its exports with JSON-able inputs, and get either the
output or a `PluginError` carrying the contract's normalized error:

    with VendorPlugin.load("manifest.json", extra_allowed_hosts=["127.0.0.1"]) as plugin:
        accounts = plugin.call("list_accounts", {"credentials": credentials})
"""

from .errors import PluginError
from .manifest import ManifestError, PluginManifest, load_manifest
from .plugin import LoadError, VendorPlugin
from .transcript import transcript

__all__ = [
    "LoadError",
    "ManifestError",
    "PluginError",
    "PluginManifest",
    "VendorPlugin",
    "load_manifest",
    "transcript",
]
