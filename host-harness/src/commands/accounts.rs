//! `host-harness accounts`: one call that takes the credentials alone, its result printed as JSON.

use plugin_contract::VendorPlugin;

use crate::args::Cli;
use crate::error::Failure;
use crate::Exit;

/// Lists the vendor's accounts.
pub(crate) fn run(cli: &Cli) -> Result<Exit, Failure> {
    super::call(cli, |plugin, input| plugin.list_accounts(input))
}
