//! `host-harness transcript`: the five calls run once, printed as the cross-host transcript.

use host_harness::render;
use host_harness::traffic::transcript::transcript;

use crate::args::Cli;
use crate::error::Failure;
use crate::output::print_line;
use crate::session::Session;
use crate::Exit;

/// Runs the five calls once and prints the cross-host transcript.
pub(crate) fn run(cli: &Cli, as_of: &str) -> Result<Exit, Failure> {
    let session = Session::open(cli)?;
    session.run(|session| {
        let mut plugin = session.instantiate()?;
        let calls = transcript(
            &mut plugin,
            &session.credentials,
            as_of,
            session.replay_url(),
        );
        let json = serde_json::to_string_pretty(&calls)?;
        print_line(&render::terminal_json(
            &session.secrets().redact_json(&json),
        ))
    })?;
    session.close(false)?;
    Ok(Exit::Success)
}
