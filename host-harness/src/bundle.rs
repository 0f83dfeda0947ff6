//! The release bundle: everything a host installs to run a plugin, in one folder.
//!
//! Host teams mostly run another language's Extism SDK, so the bundle carries what they need
//! besides the module: `host-harness package --out DIR` writes `DIR/<id>-<version>/` with
//!
//! - `plugin.wasm`, the module;
//! - `manifest.json`, the plugin's manifest with `wasm.path` set to `plugin.wasm`, its
//!   `sha256` pinned and the `host_profile` it needs;
//! - `schemas/`, the JSON Schemas of every boundary ([`crate::checks::schemas`]);
//! - `HOST-PROFILE.md`, the host's half of the contract, and `vectors/`, its shared test vectors
//!   ([`plugin_contract::host::HOST_VECTORS`]).
//!
//! The folder is replaced as a whole, so a bundle never mixes two builds.

use std::path::{Path, PathBuf};

use plugin_contract::host::{HOST_PROFILE, HOST_PROFILE_VERSION, HOST_VECTORS};

use crate::runtime::manifest::{sha256_hex, ManifestError, PluginManifest};

/// The module's file name inside a bundle.
pub const BUNDLE_WASM: &str = "plugin.wasm";

/// Why a bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The manifest's module could not be read.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A file of the bundle could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes the bundle of the plugin `manifest` describes under `out`; returns its folder.
pub fn write_bundle(manifest: &PluginManifest, out: &Path) -> Result<PathBuf, BundleError> {
    let wasm = manifest.read_wasm()?;
    let folder = out.join(format!("{}-{}", manifest.id, manifest.version));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BundleError::Write { path, source }
    };
    if folder.exists() {
        std::fs::remove_dir_all(&folder).map_err(io(&folder))?;
    }
    let schemas = folder.join("schemas");
    std::fs::create_dir_all(&schemas).map_err(io(&schemas))?;
    let vectors = folder.join("vectors");
    std::fs::create_dir_all(&vectors).map_err(io(&vectors))?;
    let mut pinned = manifest.clone();
    pinned.wasm.path = PathBuf::from(BUNDLE_WASM);
    pinned.wasm.sha256 = Some(sha256_hex(&wasm));
    pinned.host_profile = Some(HOST_PROFILE_VERSION.to_owned());
    let text = serde_json::to_string_pretty(&pinned).unwrap_or_default() + "\n";
    let vector_files =
        HOST_VECTORS.map(|(name, json)| (vectors.join(name), json.as_bytes().to_vec()));
    let files = [
        (folder.join(BUNDLE_WASM), wasm),
        (folder.join("manifest.json"), text.into_bytes()),
        (
            folder.join("HOST-PROFILE.md"),
            HOST_PROFILE.as_bytes().to_vec(),
        ),
    ]
    .into_iter()
    .chain(vector_files);
    for (path, bytes) in files {
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    crate::checks::schemas::write(&schemas).map_err(io(&schemas))?;
    Ok(folder)
}
