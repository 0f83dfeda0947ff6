//! `host-harness serve`: a scenario served on 127.0.0.1 for a host in another language.

use std::path::Path;

use host_harness::render;
use host_harness::traffic::replay::ReplayServer;

use crate::error::{CliError, Failure};
use crate::output::print_line;
use crate::Exit;

/// Serves `scenario` until stdin closes; prints its URL and credentials first, its report last.
pub(crate) fn run(scenario: &Path) -> Result<Exit, Failure> {
    let server = ReplayServer::start(scenario)?;
    let started = serde_json::json!({
        "url": server.base_url(),
        "credentials": server.credentials(),
    });
    print_line(&started.to_string())?;
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink()).map_err(CliError::from)?;
    let report = serde_json::to_string(&server.report()).map_err(CliError::from)?;
    print_line(&render::terminal_json(&report))?;
    Ok(Exit::Success)
}
