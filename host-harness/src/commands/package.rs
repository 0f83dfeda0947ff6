//! `host-harness package`: the release bundle a host installs.

use std::path::Path;

use host_harness::bundle::write_bundle_with_scenarios;
use host_harness::runtime::manifest::PluginManifest;

use crate::error::Failure;
use crate::output::print_line;
use crate::Exit;

/// Writes the release bundle, with the scenarios of `fixtures` (by default the `fixtures/`
/// folder beside the manifest, when there is one), and prints its folder.
pub(crate) fn run(manifest: &Path, out: &Path, fixtures: Option<&Path>) -> Result<Exit, Failure> {
    let manifest = PluginManifest::load(manifest)?;
    let beside = manifest.folder().join("fixtures");
    let fixtures = fixtures.or_else(|| beside.is_dir().then_some(beside.as_path()));
    let folder = write_bundle_with_scenarios(&manifest, out, fixtures)?;
    print_line(&folder.display().to_string())?;
    Ok(Exit::Success)
}
