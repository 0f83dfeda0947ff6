//! One file per subcommand, each a `run` (or, for a command on files or on a store, `on_files`
//! and `on_store`) that returns the command's [`Exit`]; what they share is here: a call that
//! takes the credentials alone, the store a command opens, and the tests' way to stop
//! `approve` between its steps.

pub(crate) mod accounts;
pub(crate) mod approve;
pub(crate) mod authenticate;
pub(crate) mod conformance;
pub(crate) mod describe;
pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod map;
pub(crate) mod package;
pub(crate) mod record;
pub(crate) mod schemas;
pub(crate) mod seed;
pub(crate) mod serve;
pub(crate) mod services;
pub(crate) mod sync;
pub(crate) mod transcript;
pub(crate) mod ui;
pub(crate) mod usage;

use std::path::{Path, PathBuf};

use host_harness::runtime::plugin::PluginInstance;
use host_harness::runtime::retry::Retrying;
use host_harness::seed::psa::PsaSnapshot;
use host_harness::store::Store;
use plugin_contract::{CredentialsInput, PluginError};
use serde::Serialize;

use crate::args::Cli;
use crate::error::{CliError, Failure};
use crate::output::print_result;
use crate::session::Session;
use crate::Exit;

/// The variable that makes `approve` stop itself (abort, as a kill would) at a step, named by
/// [`host_harness::seed::history::Step::as_str`]: the tests' way to kill it between its steps.
const STOP_AT_ENV: &str = "HOST_HARNESS_TEST_STOP_AT";

/// Returns a function that aborts the process at the step [`STOP_AT_ENV`] names.
fn stopper() -> impl Fn(&str) {
    let stop_at = std::env::var(STOP_AT_ENV).ok();
    move |step: &str| {
        if stop_at.as_deref() == Some(step) {
            std::process::abort();
        }
    }
}

/// Runs one of the four calls that take the credentials alone and prints its result.
fn call<T: Serialize>(
    cli: &Cli,
    call: impl FnOnce(&mut Retrying<PluginInstance>, &CredentialsInput) -> Result<T, PluginError>,
) -> Result<Exit, Failure> {
    let session = Session::open(cli)?;
    let exit = session.run(|session| {
        let mut plugin = session.retrying()?;
        let result = call(&mut plugin, &session.input());
        print_result(&session.secrets(), result)
    })?;
    session.close(false)?;
    Ok(exit)
}

/// Opens the store, importing `psa` when it has no PSA snapshot yet.
fn open_store(store: &Path, psa: Option<&Path>) -> Result<Store, CliError> {
    let mut opened = Store::open(store)?;
    if let Some(path) = psa {
        if opened.psa()?.is_none() {
            opened.import_psa(&PsaSnapshot::load(path)?)?;
        } else {
            crate::output::note(&format!(
                "host-harness: {} already holds a PSA snapshot (as its approvals left it); --psa is not imported again",
                store.display()
            ));
        }
    }
    Ok(opened)
}

/// The store a command uses when `--store` names none.
pub(crate) fn default_store() -> PathBuf {
    PathBuf::from(host_harness::store::DEFAULT_STORE)
}
