//! The bookkeeping of `fetch_usage`: what was asked for, one outcome per (account, service)
//! pair, and a [`Usage`] the contract accepts.
//!
//! A plugin says how to count one pair of an account its vendor lists; [`UsageBuilder`] does
//! the rest: it checks `as_of` and `service_ids` before any request, takes every account when
//! `account_ids` is absent, gives each requested pair exactly once (a record, zeros included,
//! or a failed service of its account, grouped with [`FailedAccount::of`]), fails every pair of
//! an account the vendor does not list as `not_found` (never a count of 0), echoes `as_of`, and
//! sorts everything as the contract says.

use std::collections::{BTreeMap, BTreeSet};

use plugin_contract::{FailedAccount, FetchUsageInput, PluginError, Usage, UsageRecord, Warning};

/// A `fetch_usage` call checked before any request, building its [`Usage`].
///
/// ```
/// use plugin_contract::{ErrorClass, FetchUsageInput, PluginError};
/// use vendor_kit::usage::UsageBuilder;
///
/// let input = FetchUsageInput {
///     credentials: Default::default(),
///     as_of: "2026-03-01T00:00:00Z".to_owned(),
///     account_ids: Some(vec!["t2".to_owned(), "gone".to_owned()]),
///     service_ids: None,
/// };
/// // Before any request: a bad as_of or an unknown service id is a `config` error.
/// let builder = UsageBuilder::new(&input, &["seats"])?;
/// // After listing the vendor's accounts: (id, what the plugin counts from).
/// let seats: [(&str, Result<u64, &str>); 2] = [("t1", Ok(3)), ("t2", Err("no seats"))];
/// let usage = builder.build(
///     seats.iter().map(|(id, seats)| (*id, seats)),
///     |id| format!("Acme has no tenant {id:?}."),
///     |seats, _service| seats.map_err(PluginError::vendor),
/// );
/// assert!(usage.records.is_empty());
/// let failed: Vec<(&str, ErrorClass)> = usage
///     .failed_accounts
///     .iter()
///     .map(|f| (f.account_id.as_str(), f.error.class))
///     .collect();
/// assert_eq!(failed, [("gone", ErrorClass::NotFound), ("t2", ErrorClass::Vendor)]);
/// # Ok::<(), PluginError>(())
/// ```
#[derive(Clone, Debug)]
pub struct UsageBuilder {
    as_of: String,
    account_ids: Option<BTreeSet<String>>,
    service_ids: Vec<String>,
    warnings: Vec<Warning>,
}

impl UsageBuilder {
    /// Checks `input` against the plugin's `services` (every service id it lists): `as_of`
    /// must be an RFC 3339 instant of the calendar ([`FetchUsageInput::check_as_of`], whose
    /// error is returned as it is) and each of `service_ids` one of `services`, else a `config`
    /// error. Absent `service_ids` means all of `services`.
    pub fn new(input: &FetchUsageInput, services: &[&str]) -> Result<UsageBuilder, PluginError> {
        input.check_as_of()?;
        let requested: BTreeSet<&str> = match &input.service_ids {
            Some(ids) => ids.iter().map(String::as_str).collect(),
            None => services.iter().copied().collect(),
        };
        let unknown: Vec<&str> = requested
            .iter()
            .copied()
            .filter(|id| !services.contains(id))
            .collect();
        if !unknown.is_empty() {
            return Err(PluginError::config(format!(
                "service_ids names {unknown:?}, which this plugin does not have; list_services gives the valid ids."
            )));
        }
        Ok(UsageBuilder {
            as_of: input.as_of.clone(),
            account_ids: (input.account_ids.as_ref()).map(|ids| ids.iter().cloned().collect()),
            service_ids: requested.into_iter().map(str::to_owned).collect(),
            warnings: Vec::new(),
        })
    }

    /// The service ids asked for, sorted, each once.
    pub fn service_ids(&self) -> &[String] {
        &self.service_ids
    }

    /// Adds warnings to the usage (those of the account list, say).
    pub fn warn(&mut self, warnings: impl IntoIterator<Item = Warning>) {
        self.warnings.extend(warnings);
    }

    /// Counts every requested pair and returns the sorted usage.
    ///
    /// `accounts` are the accounts the vendor lists, as `(id, what to count from)`; the last
    /// of a repeated id is kept, as [`sort_unique_by_id`](crate::accounts::sort_unique_by_id)
    /// keeps it. `count(account, service_id)` gives the outcome of one pair of
    /// a listed, requested account: a quantity (0 included) or why it cannot be read. An
    /// account asked for but not listed fails all its pairs as `not_found`, with the message
    /// `unknown(account_id)`.
    pub fn build<'a, T: ?Sized + 'a>(
        self,
        accounts: impl IntoIterator<Item = (&'a str, &'a T)>,
        unknown: impl Fn(&str) -> String,
        mut count: impl FnMut(&T, &str) -> Result<u64, PluginError>,
    ) -> Usage {
        let mut listed: BTreeMap<&str, &T> = BTreeMap::new();
        for (id, account) in accounts {
            listed.insert(id, account);
        }
        let account_ids: Vec<&str> = match &self.account_ids {
            Some(ids) => ids.iter().map(String::as_str).collect(),
            None => listed.keys().copied().collect(),
        };
        let mut usage = Usage {
            as_of: self.as_of,
            records: Vec::new(),
            warnings: self.warnings,
            failed_accounts: Vec::new(),
        };
        for account_id in account_ids {
            let mut failed = Vec::new();
            for service_id in &self.service_ids {
                let outcome = match listed.get(account_id) {
                    Some(account) => count(account, service_id),
                    None => Err(PluginError::not_found(unknown(account_id))),
                };
                match outcome {
                    Ok(quantity) => usage.records.push(UsageRecord {
                        account_id: account_id.to_owned(),
                        service_id: service_id.clone(),
                        quantity,
                    }),
                    Err(error) => failed.push((service_id.clone(), error)),
                }
            }
            usage
                .failed_accounts
                .extend(FailedAccount::of(account_id, failed));
        }
        usage.sort();
        usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_contract::ErrorClass;

    fn input(accounts: Option<&[&str]>, services: Option<&[&str]>) -> FetchUsageInput {
        let owned = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect();
        FetchUsageInput {
            credentials: Default::default(),
            as_of: "2026-03-01T00:00:00Z".to_owned(),
            account_ids: accounts.map(owned),
            service_ids: services.map(owned),
        }
    }

    const SERVICES: &[&str] = &["b", "a"];

    /// t2 and t1 listed (t1 twice: the last entry, 99, counts); t2's `b` cannot be read.
    fn build(input: &FetchUsageInput) -> Usage {
        let listed = [("t2", &20), ("t1", &10), ("t1", &99)];
        UsageBuilder::new(input, SERVICES).unwrap().build(
            listed,
            |id| format!("no account {id}"),
            |base: &u64, service| match (base, service) {
                (20, "b") => Err(PluginError::vendor("unreadable")),
                (base, "a") => Ok(*base),
                _ => Ok(0),
            },
        )
    }

    fn records(usage: &Usage) -> Vec<(&str, &str, u64)> {
        let records = usage.records.iter();
        records
            .map(|r| (r.account_id.as_str(), r.service_id.as_str(), r.quantity))
            .collect()
    }

    #[test]
    fn every_pair_of_every_listed_account_once_sorted_zeros_included() {
        let usage = build(&input(None, None));
        assert_eq!(usage.as_of, "2026-03-01T00:00:00Z");
        let covered = usage.check_coverage(&["t1", "t2"], &["a", "b"]);
        assert_eq!(covered.map(|c| (c.pairs, c.zeros)), Ok((4, 1)));
        assert_eq!(
            records(&usage),
            [("t1", "a", 99), ("t1", "b", 0), ("t2", "a", 20)]
        );
        let failed = &usage.failed_accounts[0];
        assert_eq!(usage.failed_accounts.len(), 1);
        assert_eq!(
            (failed.account_id.as_str(), failed.error.class),
            ("t2", ErrorClass::Vendor)
        );
        assert_eq!(failed.service_ids, ["b"]);
    }

    #[test]
    fn an_unknown_account_fails_every_pair_as_not_found_and_a_repeated_id_counts_once() {
        let usage = build(&input(Some(&["zz", "t1", "t1"]), Some(&["a"])));
        assert!(usage.check_coverage(&["zz", "t1"], &["a"]).is_ok());
        assert_eq!(records(&usage), [("t1", "a", 99)]);
        let failed = &usage.failed_accounts[0];
        assert_eq!(
            (failed.account_id.as_str(), failed.error.class),
            ("zz", ErrorClass::NotFound)
        );
        assert_eq!(failed.error.message, "no account zz");
        assert_eq!(failed.service_ids, ["a"]);
    }

    #[test]
    fn no_service_asked_for_gives_no_pairs() {
        let usage = build(&input(None, Some(&[])));
        assert!(usage.records.is_empty() && usage.failed_accounts.is_empty());
    }

    #[test]
    fn as_of_and_service_ids_are_checked_first_and_warnings_kept_sorted() {
        let mut bad = input(None, None);
        bad.as_of = "yesterday".to_owned();
        let error = UsageBuilder::new(&bad, SERVICES).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert_eq!(
            Err(error),
            bad.check_as_of(),
            "the contract's error as it is"
        );
        let error = UsageBuilder::new(&input(None, Some(&["a", "x"])), SERVICES).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("\"x\""), "{}", error.message);
        let mut builder =
            UsageBuilder::new(&input(None, Some(&["b", "a", "b"])), SERVICES).unwrap();
        assert_eq!(builder.service_ids(), ["a", "b"]);
        let warning = |account: &str| Warning {
            code: "w".to_owned(),
            message: "m".to_owned(),
            account_id: Some(account.to_owned()),
            service_id: None,
        };
        builder.warn([warning("t2"), warning("t1")]);
        let usage = builder.build([("t1", "x")], |_| String::new(), |_, _| Ok(1));
        let accounts: Vec<_> = usage
            .warnings
            .iter()
            .map(|w| w.account_id.as_deref())
            .collect();
        assert_eq!(accounts, [Some("t1"), Some("t2")]);
    }
}
