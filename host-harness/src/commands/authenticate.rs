//! `host-harness authenticate`: one call that takes the credentials alone, its result printed as JSON.

use plugin_contract::VendorPlugin;

use crate::args::Cli;
use crate::error::Failure;
use crate::Exit;

/// Checks the credentials with the vendor and prints what it says.
pub(crate) fn run(cli: &Cli) -> Result<Exit, Failure> {
    super::call(cli, |plugin, input| plugin.authenticate(input))
}
