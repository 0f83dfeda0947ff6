//! `host-harness`: run a vendor plugin's calls from the command line, on a live vendor or on
//! recorded exchanges. JSON on stdout; the exit code tells the outcome ([`Exit`]).
//!
//! Shaped like ruff's CLI: the command line is parsed ([`args`]), dispatched here to one
//! function per subcommand, each in its own file of [`commands`], and ends in the one [`Exit`]
//! enum that holds every exit code. The library (`src/lib.rs`) knows nothing of the CLI: what
//! it writes and reads, review.json included, is its own; the CLI only chooses the paths and
//! prints.

mod args;
mod commands;
mod error;
mod output;
mod progress;
mod session;

use std::process::ExitCode;

use args::{Cli, Command};
use clap::Parser;
use host_harness::render;
use plugin_contract::{ErrorClass, PluginError};

use crate::error::Failure;

/// How a run ends; the one place exit codes are defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exit {
    /// The command did what was asked (a sync with failed accounts included: read them).
    Success,
    /// The harness itself failed: manifest, module, replay mismatch, a file.
    Failure,
    /// A conformance check failed.
    ConformanceFailed,
    /// The plugin's call failed with this class.
    Plugin(ErrorClass),
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        // 2 is clap's, for a command line it cannot parse.
        ExitCode::from(match exit {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::ConformanceFailed => 3,
            Exit::Plugin(ErrorClass::Config) => 10,
            Exit::Plugin(ErrorClass::Auth) => 11,
            Exit::Plugin(ErrorClass::Permission) => 12,
            Exit::Plugin(ErrorClass::NotFound) => 13,
            Exit::Plugin(ErrorClass::RateLimited) => 14,
            Exit::Plugin(ErrorClass::Transient) => 15,
            Exit::Plugin(ErrorClass::Vendor) => 16,
            Exit::Plugin(ErrorClass::Internal) => 17,
        })
    }
}

impl Exit {
    /// Returns the exit of a call that failed with `error`, or success.
    fn of(error: Option<&PluginError>) -> Exit {
        error.map_or(Exit::Success, |e| Exit::Plugin(e.class))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = run(&cli).unwrap_or_else(|failure| {
        crate::output::note(&format!(
            "host-harness: {}",
            render::for_terminal(&failure.message())
        ));
        Exit::Failure
    });
    exit.into()
}

/// Runs the subcommand; a failure carries the secrets its message must not show.
fn run(cli: &Cli) -> Result<Exit, Failure> {
    use commands::*;
    match &cli.command {
        Command::Describe => describe::run(cli),
        Command::Authenticate => authenticate::run(cli),
        Command::Accounts => accounts::run(cli),
        Command::Services => services::run(cli),
        Command::Usage {
            sync,
            accounts,
            services,
        } => usage::run(cli, &sync.as_of(), accounts, services),
        Command::Seed { sync, psa } => seed::run(cli, &sync.as_of(), psa.as_deref()),
        Command::Map {
            psa,
            store: Some(store),
            ..
        } => map::on_store(cli, psa.as_deref(), store),
        Command::Map {
            psa: Some(psa),
            mapping,
            store: None,
        } => map::on_files(cli, psa, mapping),
        Command::Sync {
            sync: args,
            json,
            store: Some(store),
            ..
        } => sync::on_store(cli, &args.as_of(), store, *json),
        Command::Sync {
            sync: args,
            psa: Some(psa),
            mapping,
            json,
            review,
            store: None,
        } => {
            let review = review
                .clone()
                .unwrap_or_else(|| mapping.with_file_name("review.json"));
            sync::on_files(cli, &args.as_of(), psa, mapping, *json, &review)
        }
        Command::Approve {
            all,
            lines,
            store: Some(store),
            ..
        } => approve::on_store(store, *all, lines),
        Command::Approve {
            review,
            psa: Some(psa),
            mapping,
            all,
            lines,
            out,
            store: None,
        } => {
            let mapping = mapping
                .clone()
                .unwrap_or_else(|| review.with_file_name("mapping.json"));
            approve::on_files(review, psa, &mapping, *all, lines, out.as_deref())
        }
        Command::Record { sync, out } => record::run(cli, &sync.as_of(), out),
        Command::Conformance {
            fixtures,
            write_pending,
        } => conformance::run(cli, fixtures, *write_pending),
        Command::Transcript { as_of } => transcript::run(cli, as_of),
        Command::Package { out, fixtures } => package::run(&cli.manifest, out, fixtures.as_deref()),
        Command::Schemas { write } => schemas::run(write.as_deref()),
        Command::Serve { scenario } => serve::run(scenario),
        Command::Export { store, out } => {
            export::run(&store.clone().unwrap_or_else(default_store), out)
        }
        Command::Import { store, mapping } => {
            import::run(&store.clone().unwrap_or_else(default_store), mapping)
        }
        Command::Ui { psa, store, port } => ui::run(
            cli,
            psa.as_deref(),
            &store.clone().unwrap_or_else(default_store),
            *port,
        ),
        Command::Map { psa: None, .. }
        | Command::Sync { psa: None, .. }
        | Command::Approve { psa: None, .. } => {
            // clap refuses this command line first (`required_unless_present`).
            crate::output::note("host-harness: give --psa FILE or --store FILE");
            Ok(Exit::Failure)
        }
    }
}
