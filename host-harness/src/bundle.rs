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
//! The folder is built whole beside the old one and renamed into place, so a bundle never mixes
//! two builds and is never half written.

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
    let name = format!("{}-{}", manifest.id, manifest.version);
    let folder = out.join(&name);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BundleError::Write { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    // Built whole in a folder of its own beside the bundle, then renamed into place.
    let building = crate::files::temporary_folder(out, &format!(".{name}.")).map_err(io(out))?;
    let schemas = building.path().join("schemas");
    std::fs::create_dir_all(&schemas).map_err(io(&schemas))?;
    let vectors = building.path().join("vectors");
    std::fs::create_dir_all(&vectors).map_err(io(&vectors))?;
    let mut pinned = manifest.clone();
    pinned.wasm.path = PathBuf::from(BUNDLE_WASM);
    pinned.wasm.sha256 = Some(sha256_hex(&wasm));
    pinned.host_profile = Some(HOST_PROFILE_VERSION.to_owned());
    let text = serde_json::to_string_pretty(&pinned).unwrap_or_default() + "\n";
    let files = [
        (BUNDLE_WASM.to_owned(), wasm),
        ("manifest.json".to_owned(), text.into_bytes()),
        (
            "HOST-PROFILE.md".to_owned(),
            HOST_PROFILE.as_bytes().to_vec(),
        ),
    ]
    .into_iter()
    .chain(HOST_VECTORS.map(|(name, json)| (format!("vectors/{name}"), json.as_bytes().to_vec())));
    for (file, bytes) in files {
        let path = building.path().join(file);
        crate::files::write(&path, &bytes).map_err(io(&path))?;
    }
    crate::checks::schemas::write(&schemas).map_err(io(&schemas))?;
    // The old bundle is moved aside first: a folder cannot be renamed over a full one.
    let old = crate::files::temporary_folder(out, &format!(".{name}.old.")).map_err(io(out))?;
    if folder.exists() {
        std::fs::rename(&folder, old.path().join(&name)).map_err(io(&folder))?;
    }
    std::fs::rename(building.keep(), &folder).map_err(io(&folder))?;
    drop(old);
    Ok(folder)
}
