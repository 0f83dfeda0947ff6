//! `host-harness map`: the vendor's accounts and services mapped onto the PSA, kept in a
//! mapping file a person edits, or in a store.

use std::path::Path;

use host_harness::render;
use host_harness::seed::mapping::{auto_map, Mapping};
use host_harness::seed::mapping_file;
use host_harness::seed::psa::PsaSnapshot;
use host_harness::store::steps::{self, Calling, StepError};
use plugin_contract::VendorPlugin;

use crate::args::Cli;
use crate::error::Failure;
use crate::output::{emit, now_rfc3339, print_line, print_result};
use crate::session::Session;
use crate::Exit;

/// Maps the vendor's accounts and services onto the PSA, keeping the decisions of `mapping`,
/// and rewrites it.
pub(crate) fn on_files(cli: &Cli, psa: &Path, mapping: &Path) -> Result<Exit, Failure> {
    let psa = PsaSnapshot::load(psa)?;
    let previous = if mapping.exists() {
        mapping_file::read(mapping)?.0
    } else {
        Mapping::default()
    };
    let session = Session::open(cli)?;
    let exit = session.run(|session| {
        let mut plugin = session.retrying()?;
        let listed = plugin.list_accounts(&session.input()).and_then(|accounts| {
            plugin
                .list_services(&session.input())
                .map(|services| (accounts, services))
        });
        match listed {
            Ok((accounts, services)) => {
                let mapped = auto_map(&accounts.accounts, &services.services, &psa, &previous);
                mapping_file::write(mapping, &mapped)?;
                emit(&session.secrets(), &render::mapping(&mapped, &psa))?;
                print_line(&format!(
                    "   Written to {}: edit state and psa_account_id / psa_product_id to decide.",
                    mapping.display()
                ))?;
                Ok(Exit::Success)
            }
            Err(error) => print_result::<()>(&session.secrets(), Err(error)),
        }
    })?;
    session.close(false)?;
    Ok(exit)
}

/// Connects (authenticate, accounts, services, auto-mapping) on the store and prints the
/// mapping.
pub(crate) fn on_store(cli: &Cli, psa: Option<&Path>, store_path: &Path) -> Result<Exit, Failure> {
    let mut store = super::open_store(store_path, psa)?;
    let session = Session::open(cli)?;
    let exit = session.run(|session| {
        let mut plugin = session.retrying()?;
        let vendor_id = session.module.description().vendor.id.clone();
        let connected = steps::connect(
            &mut store,
            Calling {
                plugin: &mut plugin,
                credentials: &session.credentials,
                secret_fields: session.module.secret_fields(),
                vendor_id: &vendor_id,
            },
            &now_rfc3339(),
        );
        match connected {
            Ok(_) => {
                let (psa, _) = store.psa()?.unwrap_or_default();
                emit(&session.secrets(), &render::mapping(&store.mapping()?, &psa))?;
                print_line(&format!(
                    "   Kept in {}: map the rest in `host-harness ui`, then `host-harness sync --store`.",
                    store_path.display()
                ))?;
                Ok(Exit::Success)
            }
            Err(StepError::Call { error, .. }) => {
                print_result::<()>(&session.secrets(), Err(error))
            }
            Err(other) => Err(other.into()),
        }
    })?;
    session.close(false)?;
    Ok(exit)
}
