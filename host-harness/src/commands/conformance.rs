//! `host-harness conformance`: the contract checks every vendor plugin must pass, on the
//! fixtures' scenarios.

use std::path::Path;

use host_harness::conformance::run_conformance;
use host_harness::render;
use host_harness::runtime::manifest::PluginManifest;
use plugin_contract::Secrets;

use crate::args::Cli;
use crate::error::{CliError, Failure};
use crate::output::emit;
use crate::session::{given_credentials, warn_allow_hosts_ignored};
use crate::Exit;

/// Runs the contract checks on the fixtures' scenarios; the plugin reaches only the replay
/// server, with the fixtures' own credentials (secrets set to a canary), and the values given
/// to the CLI are removed from the report all the same. With `write_pending`, writes the
/// outputs that differ from the expected ones beside them, as `<file>.new`.
pub(crate) fn run(cli: &Cli, fixtures: &Path, write_pending: bool) -> Result<Exit, Failure> {
    warn_allow_hosts_ignored(cli);
    if cli.replay.is_some() {
        crate::output::note(
            "host-harness: --replay is ignored: conformance replays the scenarios of --fixtures",
        );
    }
    let given = given_credentials(cli)?;
    let secrets = Secrets::new(given.iter().map(|(_, value)| value));
    checks(cli, fixtures, write_pending, &secrets).map_err(|e| Failure::new(e, secrets))
}

/// Runs the checks and prints the report without `secrets`.
fn checks(
    cli: &Cli,
    fixtures: &Path,
    write_pending: bool,
    secrets: &Secrets,
) -> Result<Exit, CliError> {
    let manifest = PluginManifest::load(&cli.manifest)?;
    let report = run_conformance(&manifest, fixtures)?;
    emit(secrets, &render::conformance(&report))?;
    if write_pending {
        for pending in &report.pending {
            std::fs::write(&pending.path, secrets.redact(&pending.text).as_bytes()).map_err(
                |source| CliError::Write {
                    path: pending.path.clone(),
                    source,
                },
            )?;
            crate::output::note(&format!(
                "host-harness: wrote {}: read it, and rename it over the expected outputs to accept it",
                pending.path.display()
            ));
        }
    }
    Ok(if report.passed() {
        Exit::Success
    } else {
        Exit::ConformanceFailed
    })
}
