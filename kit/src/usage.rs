//! The bookkeeping of `fetch_usage`: what was asked for, one outcome per (account, service)
//! pair, and a [`Usage`] the contract accepts.
//!
//! A plugin says how to count one pair of an account its vendor lists
//! ([`UsageBuilder::build`]), or one account with a request of its own
//! ([`UsageBuilder::count_accounts`], with warnings about the account and a failure that ends
//! the call); [`UsageBuilder`] does the rest: it checks `as_of` and `service_ids` before any
//! request, takes every account when `account_ids` is absent, gives each requested pair exactly
//! once (a record, zeros included, or a failed service of its account, grouped with
//! [`FailedAccount::of`]), fails every pair of an account the vendor does not list as
//! `not_found` (never a count of 0), echoes `as_of`, and sorts everything as the contract says.
//!
//! Sorted vectors rather than B-tree maps, and `#[inline]` on the helpers of [`AccountUsage`]:
//! a size-budgeted plugin pays for the kit's code only where it calls it.

use plugin_contract::{FailedAccount, FetchUsageInput, PluginError, Usage, UsageRecord, Warning};

use crate::status;

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
    /// The account ids asked for, sorted, each once; `None`: every listed account.
    account_ids: Option<Vec<String>>,
    /// The service ids asked for, sorted, each once.
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
        let requested = sorted_unique(match &input.service_ids {
            Some(ids) => ids.iter().map(String::as_str).collect(),
            None => services.to_vec(),
        });
        let unknown: Vec<&str> = requested
            .iter()
            .copied()
            .filter(|id| !services.contains(id))
            .collect();
        if !unknown.is_empty() {
            return Err(PluginError::config(format!(
                "service_ids names services this plugin does not have: {}. list_services gives the valid ids.",
                unknown.join(", ")
            )));
        }
        let owned = |ids: Vec<&str>| ids.into_iter().map(str::to_owned).collect();
        Ok(UsageBuilder {
            as_of: input.as_of.clone(),
            account_ids: (input.account_ids.as_ref())
                .map(|ids| owned(sorted_unique(ids.iter().map(String::as_str).collect()))),
            service_ids: owned(requested),
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
    /// `unknown(account_id)`. No pair's failure ends the call; see
    /// [`count_accounts`](Self::count_accounts) for counts made an account at a time.
    pub fn build<'a, T: ?Sized + 'a>(
        self,
        accounts: impl IntoIterator<Item = (&'a str, &'a T)>,
        unknown: impl Fn(&str) -> String,
        mut count: impl FnMut(&T, &str) -> Result<u64, PluginError>,
    ) -> Usage {
        let counted = self.count_accounts(accounts, unknown, |account, usage| {
            for service_id in usage.service_ids() {
                match count(account, service_id) {
                    Ok(quantity) => usage.record(service_id, quantity),
                    Err(error) => usage.fail([service_id.as_str()], error),
                }
            }
            Ok(())
        });
        // Only `count`'s own errors end a call, and this one returns none.
        counted.unwrap_or_else(|_| unreachable!("no pair's failure ends the call"))
    }

    /// Counts the requested services an account at a time and returns the sorted usage, or
    /// the error that ends the call.
    ///
    /// `accounts` are as for [`build`](Self::build). `count(account, usage)` counts one listed,
    /// requested account into `usage` ([`AccountUsage`]): a quantity or a failure for each
    /// service asked for, and warnings about the account. When it returns an error, the error
    /// ends the whole call if its class says the call cannot go on
    /// ([`status::stops_the_whole_call`](crate::status::stops_the_whole_call): the credentials,
    /// the permission, the rate limit); any other error fails the account's services not yet
    /// given, and the other accounts are counted. A service `count` gave nothing for fails as
    /// `internal` (a plugin bug, never a 0); of a service given twice, the first outcome
    /// counts. An account asked for but not listed fails all its pairs as `not_found`, with
    /// the message `unknown(account_id)`.
    pub fn count_accounts<'a, T: ?Sized + 'a>(
        self,
        accounts: impl IntoIterator<Item = (&'a str, &'a T)>,
        unknown: impl Fn(&str) -> String,
        mut count: impl FnMut(&T, &mut AccountUsage<'_>) -> Result<(), PluginError>,
    ) -> Result<Usage, PluginError> {
        // Sorted by id, stably, then the last of each id kept.
        let mut listed: Vec<(&str, &T)> = accounts.into_iter().collect();
        plugin_contract::order::sort_by(&mut listed, |a, b| a.0.cmp(b.0));
        listed.dedup_by(|later, earlier| {
            let repeated = later.0 == earlier.0;
            if repeated {
                std::mem::swap(later, earlier);
            }
            repeated
        });
        let account_ids: Vec<&str> = match &self.account_ids {
            Some(ids) => ids.iter().map(String::as_str).collect(),
            None => listed.iter().map(|(id, _)| *id).collect(),
        };
        let mut usage = Usage {
            as_of: self.as_of,
            records: Vec::new(),
            warnings: self.warnings,
            failed_accounts: Vec::new(),
        };
        // Both lists are sorted: the account asked for next is most often the next one listed,
        // found by one comparison from where the last one was instead of a search (whose string
        // comparisons took a tenth of a sync of every account in the SaaS Alerts plugin's wasm).
        let mut from = 0;
        for account_id in account_ids {
            let rest = listed.get(from..).unwrap_or_default();
            let found = match rest.first() {
                Some((next, _)) if *next == account_id => Ok(0),
                _ => rest.binary_search_by(|(id, _)| (*id).cmp(account_id)),
            };
            let mut account = AccountUsage {
                account_id,
                service_ids: &self.service_ids,
                outcomes: vec![None; self.service_ids.len()],
                warnings: Vec::new(),
            };
            let counted = match found {
                Ok(at) => {
                    from += at + 1;
                    count(rest[at].1, &mut account)
                }
                Err(_) => Err(PluginError::not_found(unknown(account_id))),
            };
            if let Err(error) = counted {
                if status::stops_the_whole_call(error.class) {
                    return Err(error);
                }
                account.fail_the_rest(&error);
            }
            account.finish(&mut usage);
        }
        usage.sort();
        Ok(usage)
    }
}

/// Returns `ids` sorted, each once.
#[inline]
fn sorted_unique(mut ids: Vec<&str>) -> Vec<&str> {
    plugin_contract::order::sort(&mut ids);
    ids.dedup();
    ids
}

/// One account of a `fetch_usage` as a plugin counts it in
/// [`UsageBuilder::count_accounts`]: an outcome per service asked for, and warnings.
#[derive(Debug)]
pub struct AccountUsage<'b> {
    account_id: &'b str,
    service_ids: &'b [String],
    /// Each service's outcome, in the order of `service_ids`; `None` until given.
    outcomes: Vec<Option<Result<u64, PluginError>>>,
    warnings: Vec<Warning>,
}

impl<'b> AccountUsage<'b> {
    /// Returns the account's id.
    #[inline]
    pub fn account_id(&self) -> &'b str {
        self.account_id
    }

    /// Returns the service ids asked for, sorted, each once.
    #[inline]
    pub fn service_ids(&self) -> &'b [String] {
        self.service_ids
    }

    /// Records the count of `service_id` (0 included); a service not asked for is ignored.
    #[inline]
    pub fn record(&mut self, service_id: &str, quantity: u64) {
        self.give(service_id, Ok(quantity));
    }

    /// Fails `service_ids` with `error`: they get no count, and the host keeps their last good
    /// values.
    #[inline]
    pub fn fail<'s>(&mut self, service_ids: impl IntoIterator<Item = &'s str>, error: PluginError) {
        for service_id in service_ids {
            self.give(service_id, Err(error.clone()));
        }
    }

    /// Adds a warning of `code` and `message` about the account.
    #[inline]
    pub fn warn(&mut self, code: &str, message: String) {
        self.warnings.push(Warning {
            code: code.to_owned(),
            message,
            account_id: Some(self.account_id.to_owned()),
            service_id: None,
        });
    }

    /// Gives `service_id` its outcome, unless it has one or was not asked for.
    #[inline]
    fn give(&mut self, service_id: &str, outcome: Result<u64, PluginError>) {
        if let Ok(at) = self
            .service_ids
            .binary_search_by(|id| id.as_str().cmp(service_id))
        {
            self.outcomes[at].get_or_insert(outcome);
        }
    }

    /// Fails every service without an outcome with `error`.
    #[inline]
    fn fail_the_rest(&mut self, error: &PluginError) {
        for outcome in self.outcomes.iter_mut().filter(|o| o.is_none()) {
            *outcome = Some(Err(error.clone()));
        }
    }

    /// Adds the account's records, failures and warnings to `usage`.
    #[inline]
    fn finish(self, usage: &mut Usage) {
        let mut failed = Vec::new();
        for (service_id, outcome) in self.service_ids.iter().zip(self.outcomes) {
            let outcome = outcome.unwrap_or_else(|| {
                Err(PluginError::internal(format!(
                    "the plugin counted nothing for service {service_id:?} of account {:?}",
                    self.account_id
                )))
            });
            match outcome {
                Ok(quantity) => usage.records.push(UsageRecord {
                    account_id: self.account_id.to_owned(),
                    service_id: service_id.clone(),
                    quantity,
                }),
                Err(error) => failed.push((service_id.clone(), error)),
            }
        }
        usage
            .failed_accounts
            .extend(FailedAccount::of(self.account_id, failed));
        usage.warnings.extend(self.warnings);
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
        assert_eq!(
            error.message,
            "service_ids names services this plugin does not have: x. list_services gives the valid ids."
        );
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

    #[test]
    fn an_account_at_a_time_gives_each_pair_once_with_its_warnings() {
        let listed = [("t1", &1u64), ("t2", &2), ("t3", &3)];
        let usage = UsageBuilder::new(&input(None, None), SERVICES)
            .unwrap()
            .count_accounts(
                listed,
                |_| String::new(),
                |n: &u64, usage| {
                    match n {
                        1 => {
                            usage.record("a", 5);
                            usage.record("a", 6);
                            usage.record("not-asked", 7);
                            usage.warn("odd", format!("{} looks odd", usage.account_id()));
                            usage.fail(["b"], PluginError::vendor("unreadable"));
                        }
                        2 => {
                            usage.record("b", 0);
                            return Err(PluginError::transient("HTTP 503"));
                        }
                        _ => usage.record("b", 3),
                    }
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(
            records(&usage),
            [("t1", "a", 5), ("t2", "b", 0), ("t3", "b", 3)]
        );
        let failed: Vec<(&str, &[String], ErrorClass)> = usage
            .failed_accounts
            .iter()
            .map(|f| (f.account_id.as_str(), &f.service_ids[..], f.error.class))
            .collect();
        assert_eq!(
            failed,
            [
                ("t1", &["b".to_owned()][..], ErrorClass::Vendor),
                ("t2", &["a".to_owned()][..], ErrorClass::Transient),
                ("t3", &["a".to_owned()][..], ErrorClass::Internal),
            ]
        );
        assert_eq!(usage.warnings.len(), 1);
        assert_eq!(
            (
                usage.warnings[0].account_id.as_deref(),
                &usage.warnings[0].message[..]
            ),
            (Some("t1"), "t1 looks odd")
        );
    }

    #[test]
    fn accounts_asked_in_order_are_found_whether_next_further_on_or_missing() {
        let listed = [("d", &4u64), ("b", &2), ("a", &1), ("c", &3)];
        let asked = ["a", "a0", "c", "d", "e"];
        let usage = UsageBuilder::new(&input(Some(&asked), Some(&["a"])), SERVICES)
            .unwrap()
            .count_accounts(
                listed,
                |id| format!("no {id}"),
                |n: &u64, usage| {
                    usage.record("a", *n);
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(
            records(&usage),
            [("a", "a", 1), ("c", "a", 3), ("d", "a", 4)]
        );
        let missing: Vec<&str> = usage
            .failed_accounts
            .iter()
            .map(|f| f.error.message.as_str())
            .collect();
        assert_eq!(missing, ["no a0", "no e"]);
    }

    #[test]
    fn an_error_about_the_credentials_or_the_tenant_ends_the_call() {
        for error in [
            PluginError::auth("key revoked"),
            PluginError::permission("API off"),
            PluginError::rate_limited("slow down"),
        ] {
            let ended = UsageBuilder::new(&input(None, None), SERVICES)
                .unwrap()
                .count_accounts([("t1", &())], |_| String::new(), |_, _| Err(error.clone()));
            assert_eq!(ended, Err(error));
        }
    }
}
