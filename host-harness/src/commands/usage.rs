//! `host-harness usage`: usage counts, of the chosen accounts and services or all of them.

use plugin_contract::{FetchUsageInput, VendorPlugin};

use crate::args::Cli;
use crate::error::Failure;
use crate::output::print_result;
use crate::session::Session;
use crate::Exit;

/// Fetches usage, of the chosen accounts and services or all of them, and prints it.
pub(crate) fn run(
    cli: &Cli,
    as_of: &str,
    accounts: &[String],
    services: &[String],
) -> Result<Exit, Failure> {
    let session = Session::open(cli)?;
    let input = FetchUsageInput {
        credentials: session.credentials.clone(),
        as_of: as_of.to_owned(),
        account_ids: (!accounts.is_empty()).then(|| accounts.to_vec()),
        service_ids: (!services.is_empty()).then(|| services.to_vec()),
    };
    let exit = session.run(|session| {
        let mut plugin = session.retrying()?;
        let result = plugin.fetch_usage(&input);
        print_result(&session.secrets(), result)
    })?;
    session.close(false)?;
    Ok(exit)
}
