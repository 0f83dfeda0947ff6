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
//!   "wasi": false,
//!   "limits": { "timeout_ms": 300000, "memory_max_pages": 1024, "max_http_response_bytes": 52428800,
//!               "request_timeout_ms": 60000 }
//! }
//! ```
//!
//! # What is refused
//!
//! A manifest is not trusted. [`PluginManifest::load`] refuses a limit outside its range:
//!
//! | limit | accepted | why the upper bound |
//! |---|---|---|
//! | `timeout_ms` | 1 ..= 86 400 000 (one day) | a call is not a daemon |
//! | `memory_max_pages` | 1 ..= 65 536 (64 KiB pages: 4 GiB) | the wasm32 maximum |
//! | `max_http_response_bytes` | 1 ..= `memory_max_pages` × 65 536 | a body must fit in the plugin's memory |
//! | `request_timeout_ms` (optional) | 1 ..= `timeout_ms`; default 60 000, or `timeout_ms` when smaller | one request cannot outlast its call |
//!
//! `wasm.path` must be relative and stay inside the manifest's folder: `load` refuses an
//! absolute path and any `..` component (even one that would come back inside), and
//! [`PluginManifest::read_wasm`] resolves symlinks (of the folder and of the file) and refuses a
//! module that ends up outside the folder. It then refuses anything that is not a regular file
//! (a directory, `/dev/zero`, a FIFO) before opening it, a file larger than [`MAX_WASM_BYTES`]
//! (checked on the metadata, and the read itself is bounded), a file that does not start with
//! the WebAssembly magic `\0asm` and version 1, and a module whose pinned `sha256` differs.
//! No error message contains any of the file's bytes.
//!
//! `wasm.sha256`, when present and not null, must be 64 hex digits of either case (`load`
//! refuses anything else), compared without case; the Python and Node hosts read it the same
//! (`contract/vectors/sha256-pin.json`).
//!
//! # WASI
//!
//! WASI is off unless the manifest says `"wasi": true`, which a plugin built for
//! `wasm32-wasip1`, by TinyGo or from JS needs (one built for `wasm32-unknown-unknown` imports
//! nothing of WASI). [`PluginManifest::read_wasm`] refuses a module that imports a
//! `wasi_snapshot_preview1` function when the manifest does not turn WASI on, naming the import
//! and the option, rather than leaving Extism to fail on an undefined import.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use plugin_contract::version::is_served;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::runtime::imports::wasi_imports;

mod limits;

pub use limits::{
    Limit, Limits, DEFAULT_REQUEST_TIMEOUT_MS, MAX_MEMORY_PAGES, MAX_TIMEOUT_MS, WASM_PAGE_BYTES,
};

/// The largest module read: a vendor plugin is a few hundred KB.
pub const MAX_WASM_BYTES: u64 = 64 * 1024 * 1024;

/// The first four bytes of every WebAssembly binary.
const WASM_MAGIC: [u8; 4] = *b"\0asm";
/// The next four: version 1, a core module (a component has another).
const WASM_VERSION_1: [u8; 4] = [1, 0, 0, 0];

/// A vendor plugin's manifest, as written in `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    /// The host profile the plugin needs (`contract/HOST-PROFILE.md`), `major.minor`; `1.0`
    /// when absent. Release bundles always name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_profile: Option<String>,
    /// Where the module is.
    pub wasm: WasmSource,
    /// Host names the plugin may send HTTP requests to; `*` matches any run of characters.
    pub allowed_hosts: Vec<String>,
    /// Whether the host turns WASI (preview 1) on for the plugin: a plugin built for
    /// `wasm32-wasip1`, by TinyGo or from JS needs it. Off when absent; a module that imports
    /// WASI under a manifest without it is refused at load.
    #[serde(default, skip_serializing_if = "is_false")]
    #[schemars(extend("default" = false))]
    pub wasi: bool,
    /// Resource limits of every call.
    pub limits: Limits,
    /// The folder `wasm.path` is relative to: the manifest's own when read by
    /// [`PluginManifest::load`], otherwise the current directory.
    #[serde(skip)]
    folder: PathBuf,
}

/// Where the plugin's module is, and the hash it must have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasmSource {
    /// The `.wasm` file, relative to the manifest's folder and inside it (no `..`, not absolute;
    /// symlinks may not lead out of the folder either).
    pub path: PathBuf,
    /// The SHA-256 the file must have: 64 hex digits, either case (compared without case);
    /// unchecked when absent or null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9a-fA-F]{64}$"))]
    pub sha256: Option<String>,
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
    /// The plugin needs a host profile this harness does not meet.
    #[error("the plugin needs host profile {found}, but this harness meets {met} (same major, minor not newer)")]
    UnsupportedHostProfile { found: String, met: String },
    /// A limit is outside its accepted range, `min ..= max`.
    #[error("the manifest's limits.{limit} is {value}, outside the accepted {min} ..= {max} ({})", .limit.range_meaning())]
    LimitOutOfRange {
        limit: Limit,
        value: u64,
        min: u64,
        max: u64,
    },
    /// `wasm.path` is absolute.
    #[error("the manifest's wasm.path {path} is absolute: it must be relative to the manifest's folder and stay inside it")]
    WasmPathNotRelative { path: PathBuf },
    /// `wasm.path` has a `..` component.
    #[error("the manifest's wasm.path {path} has a `..` component: it must be relative to the manifest's folder and stay inside it")]
    WasmPathHasParent { path: PathBuf },
    /// The module, symlinks resolved, is outside the manifest's folder.
    #[error("the plugin module {path} resolves to {resolved}, outside the manifest's folder {folder}: the module must stay inside it, symlinks included")]
    WasmOutsideFolder {
        path: PathBuf,
        resolved: PathBuf,
        folder: PathBuf,
    },
    /// The module file does not exist.
    #[error("the plugin module {path} does not exist: build the plugin first (a Rust plugin: cargo build -p <crate> --target wasm32-unknown-unknown --release, or --target wasm32-wasip1 with \"wasi\": true in manifest.json) and check that wasm.path names the file the build writes")]
    WasmMissing { path: PathBuf },
    /// The module file could not be read.
    #[error("cannot read the plugin module {path}: {source}")]
    WasmRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The module is a directory, a device, a FIFO or another special file.
    #[error("the plugin module {path} is not a regular file: refusing to read it")]
    WasmNotAFile { path: PathBuf },
    /// The module is larger than `max` bytes.
    #[error("the plugin module {path} is larger than {max} bytes, the most a module may have: refusing to read it")]
    WasmTooLarge { path: PathBuf, max: u64 },
    /// The file does not start with the WebAssembly magic.
    #[error(
        "the plugin module {path} is not a WebAssembly module (its first bytes are not \\0asm)"
    )]
    NotWasm { path: PathBuf },
    /// The file is a WebAssembly binary, but not a version 1 core module.
    #[error("the plugin module {path} is a WebAssembly binary but not a version 1 core module (a component?), which Extism cannot run")]
    UnsupportedWasmVersion { path: PathBuf },
    /// The module imports WASI, but the manifest does not turn WASI on.
    #[error("the plugin module {path} imports {import}, a WASI function, but its manifest does not turn WASI on: set \"wasi\": true in manifest.json (a plugin built for wasm32-wasip1, by TinyGo or from JS needs it)")]
    WasiNotEnabled { path: PathBuf, import: String },
    /// `wasm.sha256` is not 64 hex digits.
    #[error("the manifest's wasm.sha256 {found:?} is not a SHA-256: it must be 64 hex digits (either case), or null")]
    InvalidSha256 { found: String },
    /// The module's hash differs from the pinned one.
    #[error("the plugin module {path} has sha256 {found}, but the manifest pins {expected}: refusing to load it")]
    WasmHashMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

impl PluginManifest {
    /// Reads and checks the manifest at `path` (see [`PluginManifest::check`]); `wasm.path` is
    /// relative to its folder. The module itself is not touched until
    /// [`PluginManifest::read_wasm`].
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
        manifest.folder = path.parent().unwrap_or(Path::new("")).to_owned();
        manifest.check()?;
        Ok(manifest)
    }

    /// Checks the interface version, the plugin version, the limits and that `wasm.path` is
    /// relative without `..`; [`PluginManifest::load`] does this. A manifest changed in code
    /// after `load` is not checked again, except for its wasm path by `read_wasm`.
    pub fn check(&self) -> Result<(), ManifestError> {
        check_interface_version(&self.interface_version)?;
        if let Some(profile) = &self.host_profile {
            check_host_profile(profile)?;
        }
        if !is_semver(&self.version) {
            return Err(ManifestError::InvalidVersion(self.version.clone()));
        }
        self.limits.check()?;
        if let Some(pin) = &self.wasm.sha256 {
            check_sha256_pin(pin)?;
        }
        check_relative(&self.wasm.path)
    }

    /// The folder `wasm.path` is relative to (empty: the current directory).
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Resolves `wasm.path` against the manifest's folder, symlinks included, and checks that
    /// the module is inside that folder.
    pub fn wasm_path(&self) -> Result<PathBuf, ManifestError> {
        check_relative(&self.wasm.path)?;
        let folder = if self.folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.folder
        };
        let joined = folder.join(&self.wasm.path);
        let folder = folder.canonicalize().map_err(|source| {
            wasm_io_error(&std::path::absolute(&joined).unwrap_or(joined), source)
        })?;
        // Named from the resolved folder, so that a missing module's path is absolute.
        let joined = folder.join(&self.wasm.path);
        let resolved = joined
            .canonicalize()
            .map_err(|source| wasm_io_error(&joined, source))?;
        if !resolved.starts_with(&folder) {
            return Err(ManifestError::WasmOutsideFolder {
                path: joined,
                resolved,
                folder,
            });
        }
        Ok(resolved)
    }

    /// Reads the module (see the module's documentation for what is refused), verifies its
    /// pinned hash, and refuses a module that imports WASI when the manifest does not turn it on.
    pub fn read_wasm(&self) -> Result<Vec<u8>, ManifestError> {
        let path = self.wasm_path()?;
        let bytes = read_module(&path, MAX_WASM_BYTES)?;
        if let Some(expected) = &self.wasm.sha256 {
            let found = sha256_hex(&bytes);
            if !found.eq_ignore_ascii_case(expected) {
                return Err(ManifestError::WasmHashMismatch {
                    path,
                    expected: expected.clone(),
                    found,
                });
            }
        }
        if !self.wasi {
            // A module wasmparser cannot read is left to Extism, which names what is wrong.
            if let Some(import) = wasi_imports(&bytes).ok().and_then(|i| i.into_iter().next()) {
                return Err(ManifestError::WasiNotEnabled { path, import });
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

/// Tells whether `value` is false, so that `"wasi": false` is not written.
fn is_false(value: &bool) -> bool {
    !value
}

/// Refuses a `wasm.sha256` that is not 64 hex digits.
fn check_sha256_pin(pin: &str) -> Result<(), ManifestError> {
    if pin.len() == 64 && pin.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ManifestError::InvalidSha256 {
            found: pin.to_owned(),
        })
    }
}

/// Refuses a path that is absolute (or rooted) or has a `..` component.
fn check_relative(path: &Path) -> Result<(), ManifestError> {
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => {
                return Err(ManifestError::WasmPathNotRelative {
                    path: path.to_owned(),
                })
            }
            Component::ParentDir => {
                return Err(ManifestError::WasmPathHasParent {
                    path: path.to_owned(),
                })
            }
            Component::CurDir | Component::Normal(_) => {}
        }
    }
    Ok(())
}

/// A missing module is one to build; any other failure is reported as it is.
fn wasm_io_error(path: &Path, source: std::io::Error) -> ManifestError {
    if source.kind() == std::io::ErrorKind::NotFound {
        ManifestError::WasmMissing {
            path: path.to_owned(),
        }
    } else {
        ManifestError::WasmRead {
            path: path.to_owned(),
            source,
        }
    }
}

/// Reads the regular file at `path`, of at most `max` bytes, that starts like a wasm module.
fn read_module(path: &Path, max: u64) -> Result<Vec<u8>, ManifestError> {
    let io_error = |source| wasm_io_error(path, source);
    // Before opening: opening a FIFO blocks, and a device may never end.
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    check_file(path, &metadata, max)?;
    let file = File::open(path).map_err(io_error)?;
    // Again on what was opened, in case the file was replaced in between.
    check_file(path, &file.metadata().map_err(io_error)?, max)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // The file may grow under us: never read more than one byte past the bound.
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > max {
        return Err(ManifestError::WasmTooLarge {
            path: path.to_owned(),
            max,
        });
    }
    if bytes.get(..4) != Some(&WASM_MAGIC[..]) {
        return Err(ManifestError::NotWasm {
            path: path.to_owned(),
        });
    }
    if bytes.get(4..8) != Some(&WASM_VERSION_1[..]) {
        return Err(ManifestError::UnsupportedWasmVersion {
            path: path.to_owned(),
        });
    }
    Ok(bytes)
}

/// Refuses anything but a regular file of at most `max` bytes.
fn check_file(path: &Path, metadata: &Metadata, max: u64) -> Result<(), ManifestError> {
    if !metadata.is_file() {
        return Err(ManifestError::WasmNotAFile {
            path: path.to_owned(),
        });
    }
    if metadata.len() > max {
        return Err(ManifestError::WasmTooLarge {
            path: path.to_owned(),
            max,
        });
    }
    Ok(())
}
/// Tells whether `version` is a semantic version, `MAJOR.MINOR.PATCH` with optional `-pre`
/// and `+build` parts, as the `semver` crate reads it (no leading zeros).
pub fn is_semver(version: &str) -> bool {
    semver::Version::parse(version).is_ok()
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
    let supported = plugin_contract::INTERFACE_VERSION;
    if is_served(found, supported) {
        Ok(())
    } else {
        Err(ManifestError::UnsupportedInterface {
            found: found.to_owned(),
            supported: supported.to_owned(),
        })
    }
}

/// Accepts a host profile this harness meets: the same major, a minor not newer.
pub fn check_host_profile(found: &str) -> Result<(), ManifestError> {
    let met = plugin_contract::host::HOST_PROFILE_VERSION;
    if is_served(found, met) {
        Ok(())
    } else {
        Err(ManifestError::UnsupportedHostProfile {
            found: found.to_owned(),
            met: met.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests;
