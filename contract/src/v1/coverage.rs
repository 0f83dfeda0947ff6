//! The coverage rule of `fetch_usage`: every requested (account, service) pair appears exactly
//! once, as a record or among the `service_ids` of its account's entry in `failed_accounts`.

use std::collections::BTreeSet;
use std::fmt;

use super::Usage;

/// How a [`Usage`] that keeps the coverage rule covers the requested pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// The requested pairs, each a record or a failed service.
    pub pairs: usize,
    /// The records whose quantity is 0.
    pub zeros: usize,
}

/// How a [`Usage`] breaks the coverage rule; pairs are `(account id, service id)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoverageError {
    /// A record or failed service names an account or a service that was not requested.
    NotRequested {
        /// The pair named.
        pair: (String, String),
    },
    /// A pair appears twice: as two records, two failures, or one of each.
    Twice {
        /// The pair named twice.
        pair: (String, String),
    },
    /// Requested pairs appear nowhere.
    Missing {
        /// The requested pairs that do appear.
        reported: usize,
        /// The requested pairs.
        expected: usize,
        /// The first missing pair, in (account, service) order.
        first: (String, String),
    },
}

impl fmt::Display for CoverageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoverageError::NotRequested { pair } => {
                write!(
                    f,
                    "{pair:?} names an account or service that was not listed"
                )
            }
            CoverageError::Twice { pair } => write!(f, "{pair:?} is reported twice"),
            CoverageError::Missing {
                reported, expected, ..
            } => write!(f, "{reported} of {expected} pairs reported"),
        }
    }
}

impl std::error::Error for CoverageError {}

impl Usage {
    /// Checks that every pair of `account_ids` × `service_ids` appears exactly once, as a
    /// record or a failed service, and that no other pair appears; a repeated id counts once.
    ///
    /// Records are looked at first, then failed accounts, each in their order; the first pair
    /// that breaks the rule is the error.
    pub fn check_coverage(
        &self,
        account_ids: &[impl AsRef<str>],
        service_ids: &[impl AsRef<str>],
    ) -> Result<Coverage, CoverageError> {
        let accounts: BTreeSet<&str> = account_ids.iter().map(AsRef::as_ref).collect();
        let services: BTreeSet<&str> = service_ids.iter().map(AsRef::as_ref).collect();
        let records = self
            .records
            .iter()
            .map(|r| (r.account_id.as_str(), r.service_id.as_str()));
        let failed = self.failed_accounts.iter().flat_map(|f| {
            f.service_ids
                .iter()
                .map(|s| (f.account_id.as_str(), s.as_str()))
        });
        let owned = |(account, service): (&str, &str)| (account.to_owned(), service.to_owned());
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        for pair in records.chain(failed) {
            if !accounts.contains(pair.0) || !services.contains(pair.1) {
                return Err(CoverageError::NotRequested { pair: owned(pair) });
            }
            if !seen.insert(pair) {
                return Err(CoverageError::Twice { pair: owned(pair) });
            }
        }
        let expected = accounts.len() * services.len();
        let missing = accounts
            .iter()
            .flat_map(|a| services.iter().map(move |s| (*a, *s)))
            .find(|pair| !seen.contains(pair));
        if let Some(first) = missing {
            return Err(CoverageError::Missing {
                reported: seen.len(),
                expected,
                first: owned(first),
            });
        }
        let zeros = self.records.iter().filter(|r| r.quantity == 0).count();
        Ok(Coverage {
            pairs: expected,
            zeros,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FailedAccount, PluginError, UsageRecord};

    fn record(account: &str, service: &str, quantity: u64) -> UsageRecord {
        UsageRecord {
            account_id: account.to_owned(),
            service_id: service.to_owned(),
            quantity,
        }
    }

    fn failed(account: &str, services: &[&str]) -> FailedAccount {
        let error = PluginError::transient("HTTP 500");
        let failed = services.iter().map(|s| ((*s).to_owned(), error.clone()));
        FailedAccount::of(account, failed.collect()).expect("a failed service")
    }

    fn usage_of(records: Vec<UsageRecord>, failed_accounts: Vec<FailedAccount>) -> Usage {
        Usage {
            as_of: "2026-11-01T00:00:00Z".to_owned(),
            records,
            warnings: Vec::new(),
            failed_accounts,
        }
    }

    fn pair(account: &str, service: &str) -> (String, String) {
        (account.to_owned(), service.to_owned())
    }

    const ACCOUNTS: [&str; 2] = ["c1", "c2"];
    const SERVICES: [&str; 2] = ["a", "b"];

    #[test]
    fn every_pair_once_as_a_record_or_a_failure_is_covered() {
        let usage = usage_of(
            vec![
                record("c1", "a", 3),
                record("c1", "b", 0),
                record("c2", "a", 0),
            ],
            vec![failed("c2", &["b"])],
        );
        assert_eq!(
            usage.check_coverage(&ACCOUNTS, &SERVICES),
            Ok(Coverage { pairs: 4, zeros: 2 })
        );
        let repeated = ["c2", "c1", "c2"];
        assert_eq!(
            usage.check_coverage(&repeated, &SERVICES).map(|c| c.pairs),
            Ok(4)
        );
        let empty = usage_of(Vec::new(), Vec::new());
        let no_accounts: [&str; 0] = [];
        assert_eq!(
            empty.check_coverage(&no_accounts, &SERVICES),
            Ok(Coverage { pairs: 0, zeros: 0 })
        );
    }

    #[test]
    fn a_pair_not_requested_is_named() {
        let usage = usage_of(vec![record("c3", "a", 1)], Vec::new());
        let error = usage.check_coverage(&ACCOUNTS, &SERVICES).unwrap_err();
        assert_eq!(
            error,
            CoverageError::NotRequested {
                pair: pair("c3", "a")
            }
        );
        assert_eq!(
            error.to_string(),
            r#"("c3", "a") names an account or service that was not listed"#
        );
        let usage = usage_of(Vec::new(), vec![failed("c1", &["z"])]);
        let error = usage.check_coverage(&ACCOUNTS, &SERVICES).unwrap_err();
        assert_eq!(
            error,
            CoverageError::NotRequested {
                pair: pair("c1", "z")
            }
        );
    }

    #[test]
    fn a_pair_both_counted_and_failed_is_reported_twice() {
        let usage = usage_of(vec![record("c1", "b", 1)], vec![failed("c1", &["b"])]);
        let error = usage.check_coverage(&ACCOUNTS, &SERVICES).unwrap_err();
        assert_eq!(
            error,
            CoverageError::Twice {
                pair: pair("c1", "b")
            }
        );
        assert_eq!(error.to_string(), r#"("c1", "b") is reported twice"#);
        let usage = usage_of(vec![record("c2", "a", 1), record("c2", "a", 1)], Vec::new());
        assert!(matches!(
            usage.check_coverage(&ACCOUNTS, &SERVICES),
            Err(CoverageError::Twice { .. })
        ));
    }

    #[test]
    fn missing_pairs_are_counted_and_the_first_named() {
        let usage = usage_of(
            vec![record("c1", "a", 1), record("c2", "b", 1)],
            vec![failed("c2", &["a"])],
        );
        let error = usage.check_coverage(&ACCOUNTS, &SERVICES).unwrap_err();
        assert_eq!(
            error,
            CoverageError::Missing {
                reported: 3,
                expected: 4,
                first: pair("c1", "b"),
            }
        );
        assert_eq!(error.to_string(), "3 of 4 pairs reported");
        let as_error: &dyn std::error::Error = &error;
        assert!(as_error.source().is_none());
    }
}
