//! `host-harness ui`: the web host, serving the seed's screens on the state of a store.

use std::path::Path;

use host_harness::ui::{serve, UiOptions};

use crate::args::Cli;
use crate::error::Failure;
use crate::output::print_line;
use crate::session::warn_allow_hosts_ignored;
use crate::Exit;

/// Serves the web host until the process is stopped.
pub(crate) fn run(
    cli: &Cli,
    psa: Option<&Path>,
    store: &Path,
    port: Option<u16>,
) -> Result<Exit, Failure> {
    if cli.replay.is_some() {
        warn_allow_hosts_ignored(cli);
    }
    let options = UiOptions {
        manifest: cli.manifest.clone(),
        replay: cli.replay.clone(),
        psa: psa.map(Path::to_owned),
        store: store.to_owned(),
        port,
        allow_hosts: cli.allow_hosts.clone(),
    };
    serve(&options, |url| {
        // A reader that closed stdout (a script that took the URL) must not stop the server:
        // `print_line` drops the line then, and no other error of stdout stops it either.
        let _ = print_line(&format!(
            "host-harness ui: serving {} on {url}\n   Open it in a browser; the token in it is this session's. Ctrl-C stops.",
            store.display()
        ));
    })?;
    Ok(Exit::Success)
}
