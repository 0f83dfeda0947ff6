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

use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use plugin_contract::version::is_served;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::runtime::imports::wasi_imports;

/// The longest `timeout_ms` accepted: one day.
pub const MAX_TIMEOUT_MS: u64 = 86_400_000;
/// The size of one wasm memory page.
pub const WASM_PAGE_BYTES: u64 = 65_536;
/// The most `memory_max_pages` accepted: 4 GiB, the wasm32 maximum.
pub const MAX_MEMORY_PAGES: u32 = 65_536;
/// `request_timeout_ms` when the manifest has none (or `timeout_ms`, when that is smaller).
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 60_000;
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

/// Resource limits enforced on every call; [`Limits::check`] gives their ranges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock budget of one call, HTTP included: 1 ..= [`MAX_TIMEOUT_MS`].
    #[schemars(range(min = 1, max = MAX_TIMEOUT_MS))]
    pub timeout_ms: u64,
    /// Maximum linear memory, in 64 KiB wasm pages: 1 ..= [`MAX_MEMORY_PAGES`].
    #[schemars(range(min = 1, max = MAX_MEMORY_PAGES))]
    pub memory_max_pages: u32,
    /// Maximum size of one HTTP response body: 1 ..= the plugin's memory
    /// (`memory_max_pages` × [`WASM_PAGE_BYTES`]).
    #[schemars(range(min = 1))]
    pub max_http_response_bytes: u64,
    /// The longest one vendor HTTP request may take, so that one hanging connection fails that
    /// request rather than the whole call: 1 ..= `timeout_ms`. Use
    /// [`Limits::request_timeout`], which applies the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub request_timeout_ms: Option<u64>,
}

/// One of the [`Limits`], as named in `manifest.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `timeout_ms`.
    TimeoutMs,
    /// `memory_max_pages`.
    MemoryMaxPages,
    /// `max_http_response_bytes`.
    MaxHttpResponseBytes,
    /// `request_timeout_ms`.
    RequestTimeoutMs,
}

impl Limit {
    /// The field's name in `manifest.json`.
    pub fn field(self) -> &'static str {
        match self {
            Limit::TimeoutMs => "timeout_ms",
            Limit::MemoryMaxPages => "memory_max_pages",
            Limit::MaxHttpResponseBytes => "max_http_response_bytes",
            Limit::RequestTimeoutMs => "request_timeout_ms",
        }
    }

    /// What the range means, for the error message.
    fn range_meaning(self) -> &'static str {
        match self {
            Limit::TimeoutMs => "milliseconds, at most one day",
            Limit::MemoryMaxPages => "64 KiB pages, at most 4 GiB, the wasm32 maximum",
            Limit::MaxHttpResponseBytes => {
                "a body must fit in the plugin's memory, memory_max_pages × 65536 bytes"
            }
            Limit::RequestTimeoutMs => "milliseconds, at most the call's timeout_ms",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
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

impl Limits {
    /// The longest one vendor HTTP request may take, in milliseconds: `request_timeout_ms`, or
    /// [`DEFAULT_REQUEST_TIMEOUT_MS`] (`timeout_ms` when that is smaller).
    pub fn request_timeout_ms(&self) -> u64 {
        self.request_timeout_ms
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS.min(self.timeout_ms))
    }

    /// [`Limits::request_timeout_ms`] as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms())
    }

    /// The plugin's largest memory, in bytes: `memory_max_pages` × [`WASM_PAGE_BYTES`].
    pub fn memory_max_bytes(&self) -> u64 {
        u64::from(self.memory_max_pages) * WASM_PAGE_BYTES
    }

    /// Checks every limit against its range (see the module's documentation).
    pub fn check(&self) -> Result<(), ManifestError> {
        in_range(Limit::TimeoutMs, self.timeout_ms, MAX_TIMEOUT_MS)?;
        in_range(
            Limit::MemoryMaxPages,
            self.memory_max_pages.into(),
            MAX_MEMORY_PAGES.into(),
        )?;
        in_range(
            Limit::MaxHttpResponseBytes,
            self.max_http_response_bytes,
            self.memory_max_bytes(),
        )?;
        if let Some(ms) = self.request_timeout_ms {
            in_range(Limit::RequestTimeoutMs, ms, self.timeout_ms)?;
        }
        Ok(())
    }
}

/// Accepts `value` in `1 ..= max`.
fn in_range(limit: Limit, value: u64, max: u64) -> Result<(), ManifestError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(ManifestError::LimitOutOfRange {
            limit,
            value,
            min: 1,
            max,
        })
    }
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
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// The smallest valid module: the magic and version 1, no sections.
    const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

    /// A fresh folder under the system's temp folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "host-harness-manifest-{}-{name}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("scratch folder");
            Scratch(dir)
        }

        fn path(&self, relative: &str) -> PathBuf {
            self.0.join(relative)
        }

        fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
            let path = self.path(relative);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
            std::fs::write(&path, bytes).expect("file written");
            path
        }

        /// Writes `relative` as a manifest whose module is `wasm_path`, with `change` applied.
        fn manifest(
            &self,
            relative: &str,
            wasm_path: &str,
            change: impl FnOnce(&mut Value),
        ) -> PathBuf {
            let mut manifest = json!({
                "id": "test",
                "name": "Test",
                "version": "0.1.0",
                "interface_version": plugin_contract::INTERFACE_VERSION,
                "wasm": { "path": wasm_path },
                "allowed_hosts": [],
                "limits": { "timeout_ms": 2000, "memory_max_pages": 16, "max_http_response_bytes": 1024 }
            });
            change(&mut manifest);
            self.write(relative, manifest.to_string().as_bytes())
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn limits(timeout_ms: u64, memory_max_pages: u32, max_http_response_bytes: u64) -> Limits {
        Limits {
            timeout_ms,
            memory_max_pages,
            max_http_response_bytes,
            request_timeout_ms: None,
        }
    }

    /// Asserts that `limits` is refused for `limit`, with `value` and the range in the message.
    fn assert_refused(limits: &Limits, limit: Limit, value: u64, max: u64) {
        let error = limits.check().expect_err("refused");
        let message = error.to_string();
        match error {
            ManifestError::LimitOutOfRange {
                limit: l,
                value: v,
                min: 1,
                max: m,
            } if l == limit && v == value && m == max => {}
            other => panic!("expected {limit} = {value} out of 1 ..= {max}, got {other:?}"),
        }
        for part in [
            format!("limits.{}", limit.field()),
            format!("is {value}"),
            format!("1 ..= {max}"),
        ] {
            assert!(message.contains(&part), "{part:?} not in {message}");
        }
    }

    #[test]
    fn interface_versions_of_the_same_major_and_no_newer_minor_are_spoken() {
        let supported = plugin_contract::INTERFACE_VERSION;
        let (major, minor) = supported.split_once('.').expect("major.minor");
        let major: u32 = major.parse().expect("major");
        let minor: u32 = minor.parse().expect("minor");
        for spoken in [format!("{major}.0"), supported.to_owned()] {
            assert!(check_interface_version(&spoken).is_ok(), "{spoken}");
        }
        let newer_minor = format!("{major}.{}", minor + 1);
        let next_major = format!("{}.0", major + 1);
        for unsupported in [&next_major, &newer_minor, "0.9", "1", "one", ""] {
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

    // ---- limits ----

    #[test]
    fn a_timeout_of_zero_is_refused() {
        let scratch = Scratch::new("timeout-zero");
        let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
            m["limits"]["timeout_ms"] = json!(0)
        });
        let error = PluginManifest::load(&path).expect_err("refused");
        assert!(
            matches!(
                error,
                ManifestError::LimitOutOfRange {
                    limit: Limit::TimeoutMs,
                    value: 0,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_refused(&limits(0, 16, 1024), Limit::TimeoutMs, 0, MAX_TIMEOUT_MS);
    }

    #[test]
    fn timeout_ms_is_accepted_from_1_ms_to_one_day_only() {
        for accepted in [1, 300_000, MAX_TIMEOUT_MS] {
            assert!(limits(accepted, 16, 1024).check().is_ok(), "{accepted}");
        }
        assert_refused(
            &limits(MAX_TIMEOUT_MS + 1, 16, 1024),
            Limit::TimeoutMs,
            MAX_TIMEOUT_MS + 1,
            MAX_TIMEOUT_MS,
        );
        assert_refused(
            &limits(u64::MAX, 16, 1024),
            Limit::TimeoutMs,
            u64::MAX,
            MAX_TIMEOUT_MS,
        );
    }

    #[test]
    fn memory_max_pages_is_accepted_from_1_to_65536_only() {
        for accepted in [1, 1024, MAX_MEMORY_PAGES] {
            assert!(limits(2000, accepted, 1).check().is_ok(), "{accepted}");
        }
        assert_refused(&limits(2000, 0, 1), Limit::MemoryMaxPages, 0, 65_536);
        assert_refused(
            &limits(2000, 65_537, 1),
            Limit::MemoryMaxPages,
            65_537,
            65_536,
        );
        assert_refused(
            &limits(2000, u32::MAX, 1),
            Limit::MemoryMaxPages,
            u32::MAX.into(),
            65_536,
        );
    }

    #[test]
    fn a_max_http_response_bytes_of_zero_is_refused() {
        assert_refused(
            &limits(2000, 16, 0),
            Limit::MaxHttpResponseBytes,
            0,
            16 * 65_536,
        );
    }

    #[test]
    fn max_http_response_bytes_is_accepted_up_to_the_plugin_memory_only() {
        for accepted in [1, 16 * 65_536] {
            assert!(limits(2000, 16, accepted).check().is_ok(), "{accepted}");
        }
        assert_refused(
            &limits(2000, 16, 16 * 65_536 + 1),
            Limit::MaxHttpResponseBytes,
            16 * 65_536 + 1,
            16 * 65_536,
        );
        let four_gib = 65_536 * 65_536;
        assert!(limits(2000, MAX_MEMORY_PAGES, four_gib).check().is_ok());
        assert_refused(
            &limits(2000, MAX_MEMORY_PAGES, four_gib + 1),
            Limit::MaxHttpResponseBytes,
            four_gib + 1,
            four_gib,
        );
    }

    #[test]
    fn request_timeout_defaults_to_60_s_or_timeout_ms_when_smaller() {
        assert_eq!(
            limits(300_000, 16, 1024).request_timeout(),
            Duration::from_secs(60)
        );
        assert_eq!(limits(60_000, 16, 1024).request_timeout_ms(), 60_000);
        assert_eq!(limits(2000, 16, 1024).request_timeout_ms(), 2000);
        let set = Limits {
            request_timeout_ms: Some(5000),
            ..limits(300_000, 16, 1024)
        };
        assert_eq!(set.request_timeout(), Duration::from_secs(5));
    }

    #[test]
    fn request_timeout_ms_is_accepted_from_1_to_timeout_ms_only() {
        let with = |ms| Limits {
            request_timeout_ms: Some(ms),
            ..limits(2000, 16, 1024)
        };
        for accepted in [1, 2000] {
            assert!(with(accepted).check().is_ok(), "{accepted}");
        }
        assert_refused(&with(0), Limit::RequestTimeoutMs, 0, 2000);
        assert_refused(&with(2001), Limit::RequestTimeoutMs, 2001, 2000);
    }

    #[test]
    fn request_timeout_ms_is_optional_and_read_when_present() {
        let scratch = Scratch::new("request-timeout");
        let absent = scratch.manifest("absent.json", "plugin.wasm", |_| {});
        let absent = PluginManifest::load(&absent).expect("loads");
        assert_eq!(absent.limits.request_timeout_ms, None);
        let written = serde_json::to_value(&absent.limits).expect("serializes");
        assert!(written.get("request_timeout_ms").is_none(), "{written}");

        let present = scratch.manifest("present.json", "plugin.wasm", |m| {
            m["limits"]["request_timeout_ms"] = json!(1500)
        });
        let present = PluginManifest::load(&present).expect("loads");
        assert_eq!(present.limits.request_timeout_ms(), 1500);

        let too_long = scratch.manifest("too-long.json", "plugin.wasm", |m| {
            m["limits"]["request_timeout_ms"] = json!(2001)
        });
        assert!(matches!(
            PluginManifest::load(&too_long),
            Err(ManifestError::LimitOutOfRange {
                limit: Limit::RequestTimeoutMs,
                ..
            })
        ));
    }

    #[test]
    fn the_repository_manifest_passes_the_checks() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifest.json");
        let manifest = PluginManifest::load(&path).expect("the repository's manifest.json loads");
        assert!(manifest.limits.check().is_ok());
    }

    // ---- the wasm path ----

    #[test]
    fn an_absolute_wasm_path_is_refused() {
        let scratch = Scratch::new("absolute");
        let wasm = scratch.write("plugin.wasm", EMPTY_MODULE);
        let path = scratch.manifest("manifest.json", wasm.to_str().expect("utf-8"), |_| {});
        let error = PluginManifest::load(&path).expect_err("refused");
        assert!(
            matches!(error, ManifestError::WasmPathNotRelative { .. }),
            "{error:?}"
        );
        assert!(error
            .to_string()
            .contains("must be relative to the manifest's folder"));
    }

    #[test]
    fn a_wasm_path_outside_the_manifest_folder_is_refused() {
        let scratch = Scratch::new("parent");
        scratch.write("plugin.wasm", EMPTY_MODULE);
        scratch.write("inner/sub/plugin.wasm", EMPTY_MODULE);
        // `sub/../plugin.wasm` would stay inside, but any `..` is refused.
        for wasm_path in [
            "../plugin.wasm",
            "sub/../../plugin.wasm",
            "sub/../sub/plugin.wasm",
        ] {
            let path = scratch.manifest("inner/manifest.json", wasm_path, |_| {});
            let error = PluginManifest::load(&path).expect_err(wasm_path);
            assert!(
                matches!(error, ManifestError::WasmPathHasParent { .. }),
                "{wasm_path}: {error:?}"
            );
        }
        let path = scratch.manifest("inner/manifest.json", "sub/./plugin.wasm", |_| {});
        let manifest = PluginManifest::load(&path).expect("loads");
        assert_eq!(manifest.read_wasm().expect("read"), EMPTY_MODULE);
    }

    #[test]
    fn a_wasm_path_changed_after_load_is_checked_when_read() {
        let scratch = Scratch::new("changed");
        let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
        let mut manifest = PluginManifest::load(&path).expect("loads");
        manifest.wasm.path = PathBuf::from("/etc/passwd");
        let error = manifest.read_wasm().expect_err("refused");
        assert!(
            matches!(error, ManifestError::WasmPathNotRelative { .. }),
            "{error:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_escaping_the_manifest_folder_is_refused() {
        use std::os::unix::fs::symlink;
        let scratch = Scratch::new("symlink-out");
        let outside = scratch.write("outside/plugin.wasm", EMPTY_MODULE);
        std::fs::create_dir_all(scratch.path("inner")).expect("folder");
        symlink(&outside, scratch.path("inner/plugin.wasm")).expect("file symlink");
        symlink(scratch.path("outside"), scratch.path("inner/lib")).expect("folder symlink");
        for wasm_path in ["plugin.wasm", "lib/plugin.wasm"] {
            let path = scratch.manifest("inner/manifest.json", wasm_path, |_| {});
            let manifest = PluginManifest::load(&path).expect("the path itself is fine");
            let error = manifest.read_wasm().expect_err(wasm_path);
            assert!(
                matches!(error, ManifestError::WasmOutsideFolder { .. }),
                "{wasm_path}: {error:?}"
            );
            assert!(error.to_string().contains("outside the manifest's folder"));
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_that_stay_inside_the_manifest_folder_are_followed() {
        use std::os::unix::fs::symlink;
        let scratch = Scratch::new("symlink-in");
        scratch.write("real/build/plugin.wasm", EMPTY_MODULE);
        symlink("build/plugin.wasm", scratch.path("real/plugin.wasm")).expect("file symlink");
        // The manifest reached through a symlinked folder, too.
        symlink(scratch.path("real"), scratch.path("link")).expect("folder symlink");
        for manifest in ["real/manifest.json", "link/manifest.json"] {
            let path = scratch.manifest(manifest, "plugin.wasm", |_| {});
            let loaded = PluginManifest::load(&path).expect("loads");
            assert_eq!(loaded.read_wasm().expect(manifest), EMPTY_MODULE);
        }
    }

    // ---- the module file ----

    #[cfg(unix)]
    #[test]
    fn dev_zero_as_the_wasm_is_refused_without_reading_it() {
        // Read directly, it is not a regular file.
        let error = read_module(Path::new("/dev/zero"), MAX_WASM_BYTES).expect_err("refused");
        assert!(
            matches!(error, ManifestError::WasmNotAFile { .. }),
            "{error:?}"
        );
        // Named by a manifest, it is outside the folder.
        let scratch = Scratch::new("dev-zero");
        std::os::unix::fs::symlink("/dev/zero", scratch.path("plugin.wasm")).expect("symlink");
        let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err("refused");
        assert!(
            matches!(error, ManifestError::WasmOutsideFolder { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn a_directory_as_the_wasm_is_refused() {
        let scratch = Scratch::new("directory");
        std::fs::create_dir_all(scratch.path("plugin.wasm")).expect("folder");
        for wasm_path in ["plugin.wasm", ".", ""] {
            let path = scratch.manifest("manifest.json", wasm_path, |_| {});
            let error = PluginManifest::load(&path)
                .expect("loads")
                .read_wasm()
                .expect_err(wasm_path);
            assert!(
                matches!(error, ManifestError::WasmNotAFile { .. }),
                "{wasm_path:?}: {error:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_as_the_wasm_is_refused_without_opening_it() {
        let scratch = Scratch::new("fifo");
        let fifo = scratch.path("plugin.wasm");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
        // Opening a FIFO with no writer would block this test forever.
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err("refused");
        assert!(
            matches!(error, ManifestError::WasmNotAFile { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn a_wasm_larger_than_the_bound_is_refused_without_reading_it() {
        let scratch = Scratch::new("large");
        let wasm = scratch.write("plugin.wasm", EMPTY_MODULE);
        // Sparse: nothing is written, and nothing must be read.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&wasm)
            .expect("opens");
        file.set_len(MAX_WASM_BYTES + 1).expect("grows");
        drop(file);
        let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err("refused");
        assert!(
            matches!(
                error,
                ManifestError::WasmTooLarge {
                    max: MAX_WASM_BYTES,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains(&MAX_WASM_BYTES.to_string()));
    }

    #[test]
    fn a_wasm_of_exactly_the_bound_is_read() {
        let scratch = Scratch::new("bound");
        let mut module = EMPTY_MODULE.to_vec();
        module.extend_from_slice(&[0; 8]);
        let wasm = scratch.write("plugin.wasm", &module);
        assert_eq!(read_module(&wasm, 16).expect("read"), module);
        assert!(matches!(
            read_module(&wasm, 15),
            Err(ManifestError::WasmTooLarge { max: 15, .. })
        ));
    }

    #[test]
    fn a_non_wasm_file_is_refused_without_echoing_its_bytes() {
        let scratch = Scratch::new("not-wasm");
        let secret = "root:x:0:0:SECRET-PASSWORD-LINE:/root:/bin/bash\n";
        for (name, content) in [
            ("passwd.wasm", secret.as_bytes()),
            ("empty.wasm", b"".as_slice()),
            ("short.wasm", b"\0as".as_slice()),
        ] {
            scratch.write(name, content);
            let path = scratch.manifest("manifest.json", name, |_| {});
            let error = PluginManifest::load(&path)
                .expect("loads")
                .read_wasm()
                .expect_err(name);
            assert!(matches!(error, ManifestError::NotWasm { .. }), "{error:?}");
            let message = error.to_string();
            assert!(
                message.contains("is not a WebAssembly module (its first bytes are not \\0asm)"),
                "{message}"
            );
            for leaked in ["root", "SECRET", "bash"] {
                assert!(!message.contains(leaked), "{leaked} in {message}");
                assert!(
                    !format!("{error:?}").contains(leaked),
                    "{leaked} in {error:?}"
                );
            }
        }
    }

    #[test]
    fn a_wasm_binary_of_another_version_is_refused() {
        let scratch = Scratch::new("component");
        // The preamble of a component.
        scratch.write("plugin.wasm", b"\0asm\x0d\0\x01\0");
        let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err("refused");
        assert!(
            matches!(error, ManifestError::UnsupportedWasmVersion { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn a_missing_wasm_names_its_resolved_path_and_how_to_build_it() {
        let scratch = Scratch::new("missing");
        let path = scratch.manifest("manifest.json", "target/plugin.wasm", |_| {});
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err("refused");
        let resolved = scratch
            .0
            .canonicalize()
            .expect("folder")
            .join("target/plugin.wasm");
        match &error {
            ManifestError::WasmMissing { path } => assert_eq!(path, &resolved),
            other => panic!("{other:?}"),
        }
        let message = error.to_string();
        assert!(resolved.is_absolute(), "{resolved:?}");
        assert!(
            message.contains(&resolved.display().to_string()),
            "{message}"
        );
        for part in [
            "build the plugin first",
            "cargo build -p <crate> --target wasm32-unknown-unknown --release",
            "--target wasm32-wasip1 with \"wasi\": true in manifest.json",
        ] {
            assert!(message.contains(part), "{part:?} not in {message}");
        }
        assert!(!message.contains("./dev"), "{message}");
    }

    // ---- WASI ----

    #[test]
    fn wasi_is_off_when_absent_and_written_only_when_on() {
        let scratch = Scratch::new("wasi-option");
        let absent = scratch.manifest("absent.json", "plugin.wasm", |_| {});
        let absent = PluginManifest::load(&absent).expect("loads");
        assert!(!absent.wasi);
        let written = serde_json::to_value(&absent).expect("serializes");
        assert!(written.get("wasi").is_none(), "{written}");

        let on = scratch.manifest("on.json", "plugin.wasm", |m| m["wasi"] = json!(true));
        let on = PluginManifest::load(&on).expect("loads");
        assert!(on.wasi);
        assert_eq!(serde_json::to_value(&on).expect("serializes")["wasi"], true);

        let not_a_bool =
            scratch.manifest("string.json", "plugin.wasm", |m| m["wasi"] = json!("yes"));
        assert!(matches!(
            PluginManifest::load(&not_a_bool),
            Err(ManifestError::Parse { .. })
        ));
    }

    #[test]
    fn a_module_importing_wasi_is_refused_without_the_option_naming_the_import_and_the_option() {
        let scratch = Scratch::new("wasi-refused");
        let module = crate::runtime::imports::module_importing(&[
            ("extism:host/env", "output_set"),
            ("wasi_snapshot_preview1", "fd_write"),
            ("wasi_snapshot_preview1", "proc_exit"),
        ]);
        scratch.write("plugin.wasm", &module);
        for (name, wasi) in [("absent.json", None), ("off.json", Some(false))] {
            let path = scratch.manifest(name, "plugin.wasm", |m| {
                if let Some(wasi) = wasi {
                    m["wasi"] = json!(wasi);
                }
            });
            let error = PluginManifest::load(&path)
                .expect("loads")
                .read_wasm()
                .expect_err(name);
            match &error {
                ManifestError::WasiNotEnabled { import, .. } => {
                    assert_eq!(import, "wasi_snapshot_preview1::fd_write")
                }
                other => panic!("{name}: {other:?}"),
            }
            let message = error.to_string();
            for part in [
                "imports wasi_snapshot_preview1::fd_write, a WASI function",
                "set \"wasi\": true in manifest.json",
            ] {
                assert!(message.contains(part), "{part:?} not in {message}");
            }
        }
    }

    #[test]
    fn a_module_importing_wasi_is_read_with_the_option() {
        let scratch = Scratch::new("wasi-on");
        let module =
            crate::runtime::imports::module_importing(&[("wasi_snapshot_preview1", "fd_write")]);
        scratch.write("plugin.wasm", &module);
        let path = scratch.manifest("manifest.json", "plugin.wasm", |m| m["wasi"] = json!(true));
        let manifest = PluginManifest::load(&path).expect("loads");
        assert_eq!(manifest.read_wasm().expect("read"), module);
    }

    #[test]
    fn sha256_pins_follow_the_vectors_every_host_reads() {
        let vectors: Value =
            serde_json::from_str(include_str!("../../../contract/vectors/sha256-pin.json"))
                .expect("vector JSON");
        let module = hex_bytes(vectors["module_hex"].as_str().expect("module_hex"));
        let scratch = Scratch::new("sha256-vectors");
        scratch.write("plugin.wasm", &module);
        let mismatch = |case: &Value| {
            let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
                m["wasm"] = case["input"].clone()
            });
            let read = PluginManifest::load(&path).and_then(|m| m.read_wasm());
            let outcome = if read.is_ok() { "loaded" } else { "refused" };
            (Some(outcome) != case["expect"].as_str()).then(|| format!("{case}: {read:?}"))
        };
        let cases = vectors["cases"].as_array().expect("cases");
        let wrong: Vec<String> = cases.iter().filter_map(mismatch).collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        assert!(
            mismatch(&vectors["wrong_case"]).is_some(),
            "the deliberately wrong case passed"
        );
    }

    #[test]
    fn limits_follow_the_vectors_every_host_reads() {
        let vectors: Value = serde_json::from_str(include_str!(
            "../../../contract/vectors/manifest-limits.json"
        ))
        .expect("vector JSON");
        /// Returns what this harness makes of a case's limits, when that is not the expectation.
        fn mismatch(case: &Value) -> Option<String> {
            let checked = serde_json::from_value::<Limits>(case["limits"].clone())
                .map_err(|e| (None, e.to_string()))
                .and_then(|limits| match limits.check() {
                    Ok(()) => Ok(limits.request_timeout_ms()),
                    Err(ManifestError::LimitOutOfRange { limit, .. }) => {
                        Err((Some(limit.field()), format!("{limit} out of range")))
                    }
                    Err(other) => Err((None, other.to_string())),
                });
            let expect = &case["expect"];
            let agrees = match (&checked, expect["refused"].as_str()) {
                (Ok(ms), None) => expect["request_timeout_ms"].as_u64() == Some(*ms),
                // serde names no field in a type error: refused is what counts.
                (Err((None, _)), Some(_)) => true,
                (Err((Some(field), _)), Some(expected)) => *field == expected,
                _ => false,
            };
            (!agrees).then(|| format!("{case}: {checked:?}"))
        }
        let cases = vectors["cases"].as_array().expect("cases");
        assert!(cases.len() > 20);
        let wrong: Vec<String> = cases.iter().filter_map(mismatch).collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        assert!(
            mismatch(&vectors["wrong_case"]).is_some(),
            "the deliberately wrong case passed"
        );
    }

    #[test]
    fn a_malformed_sha256_pin_is_refused_at_load_naming_it() {
        let scratch = Scratch::new("sha256-malformed");
        let padded = format!(" {}", sha256_hex(EMPTY_MODULE));
        let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
            m["wasm"]["sha256"] = json!(padded)
        });
        let error = PluginManifest::load(&path).expect_err("refused");
        assert!(
            matches!(&error, ManifestError::InvalidSha256 { found } if *found == padded),
            "{error:?}"
        );
        assert!(error
            .to_string()
            .contains("must be 64 hex digits (either case), or null"));
    }

    /// Decodes a hex string of the vectors.
    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn a_wasm_with_the_pinned_hash_is_read_and_another_is_refused() {
        let scratch = Scratch::new("hash");
        scratch.write("plugin.wasm", EMPTY_MODULE);
        let pinned = sha256_hex(EMPTY_MODULE).to_uppercase();
        let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
            m["wasm"]["sha256"] = json!(pinned)
        });
        assert_eq!(
            PluginManifest::load(&path)
                .expect("loads")
                .read_wasm()
                .expect("read"),
            EMPTY_MODULE
        );
        let wrong = "0".repeat(64);
        let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
            m["wasm"]["sha256"] = json!(wrong)
        });
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err("refused");
        assert!(
            matches!(error, ManifestError::WasmHashMismatch { .. }),
            "{error:?}"
        );
    }
}
