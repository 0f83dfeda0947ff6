//! `host-harness describe`: one call that takes the credentials alone, its result printed as JSON.

use plugin_contract::VendorPlugin;

use crate::args::Cli;
use crate::error::Failure;
use crate::Exit;

/// Prints the vendor and its credentials schema.
pub(crate) fn run(cli: &Cli) -> Result<Exit, Failure> {
    super::call(cli, |plugin, input| plugin.describe_credentials(input))
}
