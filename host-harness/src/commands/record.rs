//! `host-harness record`: the seed flow run on the live vendor, what crossed the wire written
//! as a scenario folder.

use std::path::Path;

use host_harness::flow::run_seed;
use host_harness::traffic::recorder::fixtures_of;

use crate::args::Cli;
use crate::error::{CliError, Failure};
use crate::output::{emit, now_rfc3339, print_line, write_json};
use crate::session::Session;
use crate::Exit;

/// Runs the seed flow with recording on and writes the scenario folder `out`.
pub(crate) fn run(cli: &Cli, as_of: &str, out: &Path) -> Result<Exit, Failure> {
    let session = Session::open(cli)?;
    let exit = session.run(|session| {
        let module = &session.module;
        let mut plugin = session.instantiate()?;
        plugin.start_recording();
        let report = run_seed(&mut plugin, &session.credentials, as_of, None);
        let raw = plugin.take_recording();
        let source = format!(
            "Recorded by `host-harness record` on {} from {} ({}), usage as of {as_of}; secrets removed; issued tokens and session cookies as <issued-N> placeholders; e-mail addresses, person names, phone numbers, IP addresses, card numbers, IBANs, national ids and street addresses pseudonymized.",
            now_rfc3339(),
            module.description().vendor.name,
            module.manifest().id
        );
        let (recording, replay_credentials) = fixtures_of(
            &raw,
            &session.credentials,
            session.credential_secrets(),
            &module.url_fields(),
            source,
        );
        std::fs::create_dir_all(out).map_err(|source| CliError::Write {
            path: out.to_owned(),
            source,
        })?;
        write_json(&out.join("exchanges.json"), &recording)?;
        write_json(&out.join("credentials.json"), &replay_credentials)?;
        emit(&session.secrets(), &report.text)?;
        print_line(&format!(
            "\nRecorded {} exchanges into {}; replay them with: host-harness seed --replay {}",
            recording.exchanges.len(),
            out.display(),
            out.display()
        ))?;
        Ok(Exit::of(report.failure.as_ref().map(|(_, e)| e)))
    })?;
    session.close(false)?;
    Ok(exit)
}
