//! `host-harness seed`: the whole seed flow, printed for a person.

use std::path::Path;

use host_harness::flow::run_seed;
use host_harness::seed::psa::PsaSnapshot;

use crate::args::Cli;
use crate::error::Failure;
use crate::output::emit;
use crate::session::Session;
use crate::Exit;

/// Runs the seed flow and prints it for a person.
pub(crate) fn run(cli: &Cli, as_of: &str, psa: Option<&Path>) -> Result<Exit, Failure> {
    let psa = psa.map(PsaSnapshot::load).transpose()?;
    let session = Session::open(cli)?;
    let exit = session.run(|session| {
        let mut plugin = session.retrying()?;
        let report = run_seed(&mut plugin, &session.credentials, as_of, psa.as_ref());
        emit(&session.secrets(), &report.text)?;
        Ok(Exit::of(report.failure.as_ref().map(|(_, e)| e)))
    })?;
    // Without a PSA the flow counts every service of every account: every recorded exchange
    // must be used.
    session.close(psa.is_none())?;
    Ok(exit)
}
