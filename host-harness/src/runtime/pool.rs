//! Usage fetched by several plugin instances at once, sharded by account.
//!
//! A pool serves one connection: one MSP's credentials, for the pool's whole life
//! ([`ConnectionPool`]). A plugin may keep what its vendor issued (an access token) in its
//! instance's memory and reuse it in later calls (`plugin_contract::issued`), so an instance
//! that served one MSP and then another would make the second MSP's requests with the first
//! one's token, and could return the first one's data. The host profile says so ("Instances");
//! the pool refuses a call with other credentials instead of serving it.
//!
//! A plugin's HTTP is synchronous, one request at a time, so a sync that needs one vendor
//! request per account is bound by round trips. Splitting the accounts across instances, each
//! on its own thread, overlaps those round trips; the merged result is the one a single call
//! would give (records, warnings and failures sorted as the contract requires).
//!
//! Each warning is kept from the one shard that owns it. A shard owns the accounts it was
//! given and the warnings about them; a warning about no account, or about an account no shard
//! was given, is a fact about the whole tenant that every shard sees (from the customer list),
//! owned by the first shard. So a customer-list warning about another shard's account (e.g.
//! `duplicate_customer`) is kept from that shard only, and a warning a plugin gives twice in
//! one call is kept twice, as a single call would give it.

use plugin_contract::{
    Credentials, CredentialsInput, FetchUsageInput, PluginError, Usage, VendorPlugin, Warning,
};

/// Instances of one plugin bound to one connection, fetching usage sharded across them.
pub struct ConnectionPool<P> {
    instances: Vec<P>,
    connection: Credentials,
}

/// Why a pool did not fetch.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The call's credentials are not the pool's connection: it would serve two MSPs.
    #[error("this pool serves one connection, and the call's credentials are another's; make a pool of new instances for it")]
    AnotherConnection,
    /// The plugin failed the call.
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

impl<P: VendorPlugin + Send> ConnectionPool<P> {
    /// Binds fresh `instances` to the connection whose credentials are `connection`.
    pub fn new(instances: Vec<P>, connection: Credentials) -> ConnectionPool<P> {
        ConnectionPool {
            instances,
            connection,
        }
    }

    /// Fetches usage for `input` across the pool's instances, refusing credentials other than
    /// the pool's connection.
    pub fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PoolError> {
        if input.credentials != self.connection {
            return Err(PoolError::AnotherConnection);
        }
        Ok(fetch_usage_sharded(&mut self.instances, input)?)
    }
}

/// Fetches usage for `input` with every instance of `pool`, each counting a share of the
/// accounts; all accounts (listed first) when `input.account_ids` is absent.
fn fetch_usage_sharded<P: VendorPlugin + Send>(
    pool: &mut [P],
    input: &FetchUsageInput,
) -> Result<Usage, PluginError> {
    let Some(first) = pool.first_mut() else {
        return Err(PluginError::internal(
            "fetch_usage_sharded needs at least one instance",
        ));
    };
    let mut account_ids = match &input.account_ids {
        Some(ids) => ids.clone(),
        None => first
            .list_accounts(&CredentialsInput::new(input.credentials.clone()))?
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
                handle
                    .join()
                    .unwrap_or_else(|_| Err(PluginError::internal("a shard's thread panicked")))
            })
            .collect()
    });
    let mut merged = Usage {
        as_of: input.as_of.clone(),
        records: Vec::new(),
        warnings: Vec::new(),
        failed_accounts: Vec::new(),
    };
    for (shard, result) in results.into_iter().enumerate() {
        let usage = result?;
        merged.records.extend(usage.records);
        merged.warnings.extend(
            usage
                .warnings
                .into_iter()
                .filter(|warning| owner(warning, &account_ids, shard_size) == shard),
        );
        merged.failed_accounts.extend(usage.failed_accounts);
    }
    merged.sort();
    Ok(merged)
}

/// Returns the index of the shard that owns `warning`: the one given its account, else the
/// first (`account_ids` sorted, cut into shards of `shard_size`).
fn owner(warning: &Warning, account_ids: &[String], shard_size: usize) -> usize {
    warning
        .account_id
        .as_ref()
        .and_then(|id| account_ids.binary_search(id).ok())
        .map_or(0, |position| position / shard_size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_contract::{AccountList, Authenticated, Description, ServiceList, UsageRecord};

    /// A plugin whose customer list has two identical unusable entries and lists `c` and `z`
    /// twice: its `fetch_usage` warns of those whatever it is asked, and of each account asked.
    struct FakeTenant;

    fn warning(code: &str, account_id: Option<&str>) -> Warning {
        Warning {
            code: code.to_owned(),
            message: format!("{code} {account_id:?}"),
            account_id: account_id.map(str::to_owned),
            service_id: None,
        }
    }

    fn unused<T>() -> Result<T, PluginError> {
        Err(PluginError::internal("not faked"))
    }

    impl VendorPlugin for FakeTenant {
        fn describe_credentials(
            &mut self,
            _: &CredentialsInput,
        ) -> Result<Description, PluginError> {
            unused()
        }

        fn authenticate(&mut self, _: &CredentialsInput) -> Result<Authenticated, PluginError> {
            unused()
        }

        fn list_accounts(&mut self, _: &CredentialsInput) -> Result<AccountList, PluginError> {
            unused()
        }

        fn list_services(&mut self, _: &CredentialsInput) -> Result<ServiceList, PluginError> {
            unused()
        }

        fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
            let ids = input.account_ids.clone().unwrap_or_default();
            let mut usage = Usage {
                as_of: input.as_of.clone(),
                records: Vec::new(),
                warnings: vec![
                    warning("unusable_customer", None),
                    warning("unusable_customer", None),
                    warning("duplicate_customer", Some("c")),
                    warning("duplicate_customer", Some("z")),
                ],
                failed_accounts: Vec::new(),
            };
            for id in ids {
                usage.warnings.push(warning("own", Some(&id)));
                usage.records.push(UsageRecord {
                    account_id: id,
                    service_id: "users".to_owned(),
                    quantity: 1,
                });
            }
            usage.sort();
            Ok(usage)
        }
    }

    fn input() -> FetchUsageInput {
        FetchUsageInput {
            credentials: Default::default(),
            as_of: "2026-01-01T00:00:00Z".to_owned(),
            account_ids: Some(["e", "a", "d", "b", "c"].map(str::to_owned).to_vec()),
            service_ids: None,
        }
    }

    #[test]
    fn every_warning_is_kept_once_from_the_shard_that_owns_it_and_another_connection_is_refused() {
        let single = FakeTenant.fetch_usage(&input()).unwrap();
        for instances in 1..=6 {
            let fakes = (0..instances).map(|_| FakeTenant).collect();
            let mut pool = ConnectionPool::new(fakes, input().credentials);
            let sharded = pool.fetch_usage(&input()).unwrap();
            assert_eq!(sharded, single, "{instances} instances");
        }
        let mut pool = ConnectionPool::new(vec![FakeTenant], input().credentials);
        let mut another = input();
        another.credentials.insert("api_key", "another MSP's key");
        assert!(matches!(
            pool.fetch_usage(&another),
            Err(PoolError::AnotherConnection)
        ));
        let codes: Vec<(&str, Option<&str>)> = single
            .warnings
            .iter()
            .map(|w| (w.code.as_str(), w.account_id.as_deref()))
            .collect();
        assert_eq!(
            codes,
            [
                ("unusable_customer", None),
                ("unusable_customer", None),
                ("own", Some("a")),
                ("own", Some("b")),
                ("duplicate_customer", Some("c")),
                ("own", Some("c")),
                ("own", Some("d")),
                ("own", Some("e")),
                ("duplicate_customer", Some("z")),
            ]
        );
    }
}
