//! The release bundle: everything a host installs to run a plugin, in one folder.
//!
//! Host teams mostly run another language's Extism SDK, so the bundle carries what they need
//! besides the module: `host-harness package --out DIR` writes `DIR/<id>-<version>/` with
//!
//! - `plugin.wasm`, the module;
//! - `manifest.json`, the plugin's manifest with `wasm.path` set to `plugin.wasm`, its
//!   `sha256` pinned and the `host_profile` it needs;
//! - `schemas/`, the JSON Schemas of every boundary ([`crate::conformance::schemas`]), and in
//!   `schemas/1.0/` those of interface 1.0's calls, frozen;
//! - `HOST-PROFILE.md`, the host's half of the contract, and `vectors/`, its shared test vectors
//!   ([`plugin_contract::host::HOST_VECTORS`]);
//! - `scenarios/` when written with the plugin's fixtures ([`write_bundle_with_scenarios`], as
//!   `host-harness package` does): each recorded scenario (`exchanges.json`,
//!   `credentials.json`) with the transcript this harness gets on it (`transcript.json`, as
//!   `host-harness transcript --replay` prints it, as of [`SCENARIO_AS_OF`]), and
//!   `scenarios/index.json` listing them ([`ScenarioIndex`]): what a host team checks its host
//!   against (host profile, section 5).
//!
//! The folder is built whole beside the old one and renamed into place, so a bundle never mixes
//! two builds and is never half written.
//!
//! A host loads several vendors' plugins side by side, each versioned on its own, so the bundles
//! share one folder and `DIR/index.json` lists them ([`Index`]): each vendor's id and name, plugin
//! version, interface version, host profile, the module's sha256 and its bundle's folder, sorted
//! by id and version. Writing a bundle adds or replaces its own entry, under a lock, and drops
//! entries whose folder is gone; other vendors' entries stay.

use std::path::{Path, PathBuf};

use plugin_contract::host::{HOST_PROFILE, HOST_PROFILE_VERSION, HOST_VECTORS};
use serde::{Deserialize, Serialize};

use crate::conformance::schemas::INTERFACE_1_0;
use crate::runtime::manifest::{sha256_hex, ManifestError, PluginManifest};
use crate::runtime::plugin::PluginModule;
use crate::traffic::replay::replay_only;
use crate::traffic::transcript::{replayed, SCENARIO_AS_OF};

/// The module's file name inside a bundle.
pub const BUNDLE_WASM: &str = "plugin.wasm";

/// The file beside the bundles that lists them.
pub const INDEX: &str = "index.json";

/// The version of `index.json`'s format.
pub const INDEX_FORMAT: u32 = 1;

/// The folder of a bundle's scenarios.
pub const SCENARIOS: &str = "scenarios";

/// `scenarios/index.json`: the scenarios a bundle ships and the instant of their transcripts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioIndex {
    /// The `as_of` every `transcript.json` was made with ([`SCENARIO_AS_OF`]).
    pub as_of: String,
    /// The scenarios' folder names under `scenarios/`, sorted.
    pub scenarios: Vec<String>,
}

/// `index.json`: every bundle of a folder, what a multi-vendor host installs from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// [`INDEX_FORMAT`].
    pub format: u32,
    /// One entry per bundle, sorted by id, then version.
    pub plugins: Vec<IndexEntry>,
}

/// One bundle of the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    /// The vendor's id (the manifest's `id`).
    pub id: String,
    /// The vendor's name.
    pub name: String,
    /// The plugin's version.
    pub plugin_version: String,
    /// The contract's interface version it implements.
    pub interface_version: String,
    /// The host profile it needs.
    pub host_profile: String,
    /// The module's SHA-256, lowercase hex.
    pub sha256: String,
    /// The bundle's folder, beside `index.json`.
    pub bundle: String,
}

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
    /// The folder's `index.json` is not an index of this format.
    #[error("{path} is not an index.json of format {INDEX_FORMAT}: {problem}")]
    Index { path: PathBuf, problem: String },
    /// A scenario of the fixtures could not be read or replayed.
    #[error("cannot ship the scenario {scenario}: {problem}")]
    Scenario { scenario: PathBuf, problem: String },
}

/// Writes the bundle of the plugin `manifest` describes under `out`, without scenarios;
/// returns its folder.
pub fn write_bundle(manifest: &PluginManifest, out: &Path) -> Result<PathBuf, BundleError> {
    write_bundle_with_scenarios(manifest, out, None)
}

/// Writes the bundle of the plugin `manifest` describes under `out`, with the scenarios of
/// `fixtures` (every folder holding an `exchanges.json`) and their transcripts when given;
/// returns its folder. Nothing is written when a scenario cannot be replayed.
pub fn write_bundle_with_scenarios(
    manifest: &PluginManifest,
    out: &Path,
    fixtures: Option<&Path>,
) -> Result<PathBuf, BundleError> {
    let wasm = manifest.read_wasm()?;
    let scenarios = match fixtures {
        Some(fixtures) => scenario_files(manifest, fixtures)?,
        None => Vec::new(),
    };
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
    let sha256 = sha256_hex(&wasm);
    pinned.wasm.path = PathBuf::from(BUNDLE_WASM);
    pinned.wasm.sha256 = Some(sha256.clone());
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
    .chain(HOST_VECTORS.map(|(name, json)| (format!("vectors/{name}"), json.as_bytes().to_vec())))
    .chain(
        INTERFACE_1_0.map(|(name, json)| (format!("schemas/1.0/{name}"), json.as_bytes().to_vec())),
    )
    .chain(scenarios);
    for (file, bytes) in files {
        let path = building.path().join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        crate::files::write(&path, &bytes).map_err(io(&path))?;
    }
    crate::conformance::schemas::write(&schemas).map_err(io(&schemas))?;
    // The old bundle is moved aside first: a folder cannot be renamed over a full one.
    let old = crate::files::temporary_folder(out, &format!(".{name}.old.")).map_err(io(out))?;
    if folder.exists() {
        std::fs::rename(&folder, old.path().join(&name)).map_err(io(&folder))?;
    }
    std::fs::rename(building.keep(), &folder).map_err(io(&folder))?;
    drop(old);
    let entry = IndexEntry {
        id: manifest.id.clone(),
        name: manifest.name.clone(),
        plugin_version: manifest.version.clone(),
        interface_version: manifest.interface_version.clone(),
        host_profile: HOST_PROFILE_VERSION.to_owned(),
        sha256,
        bundle: name,
    };
    add_to_index(out, entry)?;
    Ok(folder)
}

/// Returns the files of `scenarios/` for the scenarios of `fixtures`: each scenario's recording
/// and credentials as they are, the transcript the plugin gives on it, and the index. The
/// transcripts run side by side, one thread each: a scenario mostly waits on its replay server.
fn scenario_files(
    manifest: &PluginManifest,
    fixtures: &Path,
) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    let failed = |scenario: &Path, problem: String| BundleError::Scenario {
        scenario: scenario.to_owned(),
        problem,
    };
    let entries = std::fs::read_dir(fixtures).map_err(|e| failed(fixtures, e.to_string()))?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| failed(fixtures, e.to_string()))?.path();
        if !path.join("exchanges.json").is_file() {
            continue;
        }
        match path.file_name().and_then(|name| name.to_str()) {
            Some(name) => found.push((name.to_owned(), path.clone())),
            None => return Err(failed(&path, "its folder name is not UTF-8".into())),
        }
    }
    found.sort();
    let module = PluginModule::compile(&replay_only(manifest), &[])
        .map_err(|e| failed(fixtures, format!("the plugin could not be loaded: {e}")))?;
    let transcripts: Vec<_> = std::thread::scope(|scope| {
        let running: Vec<_> = found
            .iter()
            .map(|(_, path)| scope.spawn(|| replayed(&module, path, SCENARIO_AS_OF)))
            .collect();
        running.into_iter().map(|thread| thread.join()).collect()
    });
    let mut files = Vec::new();
    for ((name, path), transcript) in found.iter().zip(transcripts) {
        let transcript = transcript
            .map_err(|_| failed(path, "its transcript panicked".into()))?
            .map_err(|e| failed(path, e.to_string()))?;
        for file in ["exchanges.json", "credentials.json"] {
            match std::fs::read(path.join(file)) {
                Ok(bytes) => files.push((format!("{SCENARIOS}/{name}/{file}"), bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(failed(path, format!("{file}: {e}"))),
            }
        }
        let text = serde_json::to_string_pretty(&transcript).unwrap_or_default() + "\n";
        files.push((
            format!("{SCENARIOS}/{name}/transcript.json"),
            text.into_bytes(),
        ));
    }
    let index = ScenarioIndex {
        as_of: SCENARIO_AS_OF.to_owned(),
        scenarios: found.into_iter().map(|(name, _)| name).collect(),
    };
    let text = serde_json::to_string_pretty(&index).unwrap_or_default() + "\n";
    files.push((format!("{SCENARIOS}/index.json"), text.into_bytes()));
    Ok(files)
}

/// Adds `entry` to the index of `out`, replacing the entry of its id and version and dropping
/// entries whose bundle folder is gone, under a lock on the index.
fn add_to_index(out: &Path, entry: IndexEntry) -> Result<(), BundleError> {
    let path = out.join(INDEX);
    let io = |source| BundleError::Write {
        path: path.clone(),
        source,
    };
    let _lock = crate::files::lock_beside(&path, |_| {}).map_err(io)?;
    let mut index = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice::<Index>(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|index| match index.format {
                INDEX_FORMAT => Ok(index),
                other => Err(format!("it is format {other}")),
            })
            .map_err(|problem| BundleError::Index {
                path: path.clone(),
                problem,
            })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Index {
            format: INDEX_FORMAT,
            plugins: Vec::new(),
        },
        Err(e) => return Err(io(e)),
    };
    index.plugins.retain(|listed| {
        !(listed.id == entry.id && listed.plugin_version == entry.plugin_version)
            && out.join(&listed.bundle).is_dir()
    });
    index.plugins.push(entry);
    index
        .plugins
        .sort_by(|a, b| (&a.id, &a.plugin_version).cmp(&(&b.id, &b.plugin_version)));
    let text = serde_json::to_string_pretty(&index).unwrap_or_default() + "\n";
    crate::files::write(&path, text.as_bytes()).map_err(io)
}
