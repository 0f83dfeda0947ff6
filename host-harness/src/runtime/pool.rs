//! Usage fetched by several plugin instances at once, sharded by account.
//!
//! A plugin's HTTP is synchronous, one request at a time, so a sync that needs one vendor
//! request per account is bound by round trips. Splitting the accounts across instances, each
//! on its own thread, overlaps those round trips; the merged result is the one a single call
//! would give (records, warnings and failures sorted as the contract requires).

use plugin_contract::{CredentialsInput, FetchUsageInput, PluginError, Usage, VendorPlugin};

use crate::runtime::plugin::PluginInstance;

/// Fetches usage for `input` with every instance of `pool`, each counting a share of the
/// accounts; all accounts (listed first) when `input.account_ids` is absent.
pub fn fetch_usage_sharded(
    pool: &mut [PluginInstance],
    input: &FetchUsageInput,
) -> Result<Usage, PluginError> {
    let Some(first) = pool.first_mut() else {
        return Err(PluginError::new(
            plugin_contract::ErrorClass::Internal,
            "fetch_usage_sharded needs at least one instance",
        ));
    };
    let mut account_ids = match &input.account_ids {
        Some(ids) => ids.clone(),
        None => first
            .list_accounts(&CredentialsInput {
                credentials: input.credentials.clone(),
            })?
            .accounts
            .into_iter()
            .map(|a| a.id)
            .collect(),
    };
    account_ids.sort();
    account_ids.dedup();
    let shard_size = account_ids.len().div_ceil(pool.len()).max(1);
    let results: Vec<Result<Usage, PluginError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pool
            .iter_mut()
            .zip(account_ids.chunks(shard_size))
            .map(|(plugin, shard)| {
                let input = FetchUsageInput {
                    account_ids: Some(shard.to_vec()),
                    ..input.clone()
                };
                scope.spawn(move || plugin.fetch_usage(&input))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(PluginError::new(
                        plugin_contract::ErrorClass::Internal,
                        "a shard's thread panicked",
                    ))
                })
            })
            .collect()
    });
    let mut merged = Usage {
        as_of: input.as_of.clone(),
        records: Vec::new(),
        warnings: Vec::new(),
        failed_accounts: Vec::new(),
    };
    for result in results {
        let usage = result?;
        merged.records.extend(usage.records);
        merged.warnings.extend(usage.warnings);
        merged.failed_accounts.extend(usage.failed_accounts);
    }
    merged.sort();
    // Tenant-wide warnings (from the customer list) come once from every shard.
    merged.warnings.dedup();
    Ok(merged)
}
