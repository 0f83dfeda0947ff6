//! `manifest.json`: what a host needs to know to load a vendor plugin safely.
//!
//! Extism's own manifest rejects unknown fields, so this is our document, mapped into
//! [`extism::Manifest`] by [`PluginManifest::to_extism`]. Example:
//!
//! ```json
//! {
//!   "id": "saas-alerts",
//!   "name": "SaaS Alerts",
//!   "version": "0.1.0",
//!   "interface_version": "1.0",
//!   "wasm": { "path": "target/wasm32-unknown-unknown/plugin/saas_alerts_plugin.wasm", "sha256": null },
//!   "allowed_hosts": ["us-central1-the-byway-248217.cloudfunctions.net"],
//!   "limits": { "timeout_ms": 300000, "memory_max_pages": 1024, "max_http_response_bytes": 52428800 }
//! }
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A vendor plugin's manifest, as written in `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginManifest {
    /// A stable, lowercase plugin id.
    pub id: String,
    /// The name shown to people.
    pub name: String,
    /// The plugin's own version (semver).
    pub version: String,
    /// The contract version the plugin implements, `major.minor`.
    pub interface_version: String,
    /// Where the module is.
    pub wasm: WasmSource,
    /// Host names the plugin may send HTTP requests to; `*` matches any run of characters.
    pub allowed_hosts: Vec<String>,
    /// Resource limits of every call.
    pub limits: Limits,
}

/// Where the plugin's module is, and the hash it must have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasmSource {
    /// The `.wasm` file, relative to the manifest's folder.
    pub path: PathBuf,
    /// The lowercase hex SHA-256 the file must have; unchecked when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Resource limits enforced by the Extism runtime on every call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock budget of one call, HTTP included.
    pub timeout_ms: u64,
    /// Maximum linear memory, in 64 KiB wasm pages.
    pub memory_max_pages: u32,
    /// Maximum size of one HTTP response body.
    pub max_http_response_bytes: u64,
}

/// Why a manifest or its module cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The manifest file could not be read.
    #[error("cannot read the manifest {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The manifest is not valid JSON of the expected shape.
    #[error("the manifest {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The plugin version is not semver.
    #[error("the manifest's version {0:?} is not a semantic version (MAJOR.MINOR.PATCH)")]
    InvalidVersion(String),
    /// The plugin speaks a contract version this harness does not.
    #[error("the plugin implements interface {found}, but this harness speaks {supported} (same major, minor not newer)")]
    UnsupportedInterface { found: String, supported: String },
    /// The module file could not be read.
    #[error("cannot read the plugin module {path}: {source} (build it first: ./dev build)")]
    WasmRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The module's hash differs from the pinned one.
    #[error("the plugin module {path} has sha256 {found}, but the manifest pins {expected}: refusing to load it")]
    WasmHashMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

impl PluginManifest {
    /// Reads and checks the manifest at `path`; the wasm path is resolved against its folder.
    pub fn load(path: &Path) -> Result<PluginManifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut manifest: PluginManifest =
            serde_json::from_str(&text).map_err(|source| ManifestError::Parse {
                path: path.to_owned(),
                source,
            })?;
        check_interface_version(&manifest.interface_version)?;
        if !is_semver(&manifest.version) {
            return Err(ManifestError::InvalidVersion(manifest.version));
        }
        if manifest.wasm.path.is_relative() {
            let folder = path.parent().unwrap_or(Path::new("."));
            manifest.wasm.path = folder.join(&manifest.wasm.path);
        }
        Ok(manifest)
    }

    /// Reads the module and verifies its pinned hash.
    pub fn read_wasm(&self) -> Result<Vec<u8>, ManifestError> {
        let path = &self.wasm.path;
        let bytes = std::fs::read(path).map_err(|source| ManifestError::WasmRead {
            path: path.clone(),
            source,
        })?;
        if let Some(expected) = &self.wasm.sha256 {
            let found = sha256_hex(&bytes);
            if !found.eq_ignore_ascii_case(expected.trim()) {
                return Err(ManifestError::WasmHashMismatch {
                    path: path.clone(),
                    expected: expected.clone(),
                    found,
                });
            }
        }
        Ok(bytes)
    }

    /// Returns the manifest's `allowed_hosts` followed by `extra_hosts`.
    pub fn allowed_hosts_with(&self, extra_hosts: &[String]) -> Vec<String> {
        self.allowed_hosts
            .iter()
            .chain(extra_hosts)
            .cloned()
            .collect()
    }

    /// Builds the Extism manifest for `wasm`, allowing exactly `allowed_hosts`.
    pub fn to_extism(&self, wasm: Vec<u8>, allowed_hosts: &[String]) -> extism::Manifest {
        let memory = extism_manifest::MemoryOptions::new()
            .with_max_pages(self.limits.memory_max_pages)
            .with_max_http_response_bytes(self.limits.max_http_response_bytes);
        extism::Manifest::new([extism::Wasm::data(wasm)])
            .with_allowed_hosts(allowed_hosts.iter().cloned())
            .with_memory_options(memory)
            .with_timeout(Duration::from_millis(self.limits.timeout_ms))
    }
}

/// Tells whether `version` is `MAJOR.MINOR.PATCH`, optionally with `-pre` and `+build` parts.
pub fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Returns the lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Accepts `found` when its major equals the harness's and its minor is not newer.
pub fn check_interface_version(found: &str) -> Result<(), ManifestError> {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let (major, minor) = v.trim().split_once('.')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    };
    let supported = plugin_contract::INTERFACE_VERSION;
    match (parse(found), parse(supported)) {
        (Some((major, minor)), Some((our_major, our_minor)))
            if major == our_major && minor <= our_minor =>
        {
            Ok(())
        }
        _ => Err(ManifestError::UnsupportedInterface {
            found: found.to_owned(),
            supported: supported.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_versions_of_the_same_major_and_no_newer_minor_are_spoken() {
        assert!(check_interface_version("1.0").is_ok());
        for unsupported in ["2.0", "0.9", "1.1", "1", "one", ""] {
            assert!(
                check_interface_version(unsupported).is_err(),
                "{unsupported}"
            );
        }
    }

    #[test]
    fn plugin_versions_must_be_semver() {
        for good in ["0.1.0", "1.2.3-beta.1", "10.0.0+build.5"] {
            assert!(is_semver(good), "{good}");
        }
        for bad in ["1.0", "v1.0.0", "1.0.x", "", "1..0"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
