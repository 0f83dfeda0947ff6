//! A sync and the review a person approves, per PSA agreement line, as the host shows it.
//!
//! Usage is fetched for the mapped services of every account that is not excluded: mapped ones
//! to review, the others (new customers included) to show usage nobody bills. Mapped vendor accounts and
//! services are grouped by (PSA account, PSA product), so several services mapped to one
//! product add up. Each group is **new revenue** (vendor usage, no PSA line), **reconcile**
//! (quantities differ) or **no change**. A group with any pair the vendor could not read is
//! listed as failed, never as a count.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use plugin_contract::{
    Credentials, CredentialsInput, FetchUsageInput, PluginError, VendorPlugin, Warning,
};
use serde::Serialize;

use crate::mapping::{Mapping, State};
use crate::psa::PsaSnapshot;

/// What a person reviews after a sync.
#[derive(Debug, Serialize)]
pub struct Review {
    /// The instant counted.
    pub as_of: String,
    /// One line per (PSA account, PSA product) with a mapped vendor count, sorted.
    pub lines: Vec<ReviewLine>,
    /// Unmapped vendor accounts with usage of a mapped service.
    pub unmapped_with_usage: Vec<UnmappedUsage>,
    /// Mapped vendor accounts (or some of their services) the vendor could not count.
    pub failed: Vec<FailedCount>,
    /// The vendor's warnings.
    pub warnings: Vec<Warning>,
}

/// One PSA agreement line (or the line that would be new) and what the vendor counts.
#[derive(Debug, Serialize)]
pub struct ReviewLine {
    /// New revenue, reconcile or no change.
    pub kind: LineKind,
    /// The PSA account.
    pub psa_account_id: String,
    /// Its name in the PSA.
    pub psa_account_name: String,
    /// The PSA product.
    pub psa_product_id: String,
    /// The vendor accounts counted into this line, with their current names.
    pub vendor_accounts: Vec<String>,
    /// What the PSA bills now; absent for new revenue.
    pub psa_quantity: Option<u64>,
    /// What the vendor counts.
    pub vendor_quantity: u64,
    /// Vendor minus PSA.
    pub delta: i64,
}

/// The kind of a review line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Vendor usage with no PSA line.
    NewRevenue,
    /// The PSA and the vendor differ.
    Reconcile,
    /// They agree.
    NoChange,
}

/// Usage of an unmapped vendor account.
#[derive(Debug, Serialize)]
pub struct UnmappedUsage {
    /// The vendor account.
    pub vendor_account_id: String,
    /// Its current name.
    pub vendor_name: String,
    /// The service.
    pub service_id: String,
    /// The count.
    pub quantity: u64,
}

/// A mapped account whose count is missing; the host keeps its last good value.
#[derive(Debug, Serialize)]
pub struct FailedCount {
    /// The vendor account.
    pub vendor_account_id: String,
    /// Its name (from the vendor, or from the mapping file when the vendor no longer lists it).
    pub vendor_name: String,
    /// The services without a count.
    pub service_ids: Vec<String>,
    /// Why, as the plugin said.
    pub error: PluginError,
}

/// Why a sync could not run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The mapping has no mapped account or no mapped service.
    #[error("the mapping is not finished: map at least one account and one service first")]
    MappingNotFinished,
    /// A call failed as a whole.
    #[error("{call} failed ({}): {}", .error.class.as_str(), .error.message)]
    Call {
        call: &'static str,
        error: PluginError,
    },
}

/// Syncs usage as of `as_of` for `mapping` and builds the review against `psa`.
pub fn sync(
    plugin: &mut impl VendorPlugin,
    credentials: &Credentials,
    mapping: &Mapping,
    psa: &PsaSnapshot,
    as_of: &str,
) -> Result<Review, SyncError> {
    if !mapping.is_finished() {
        return Err(SyncError::MappingNotFinished);
    }
    let products: BTreeMap<&str, &str> = mapping
        .services
        .iter()
        .filter(|s| s.state == State::Mapped)
        .filter_map(|s| Some((s.service_id.as_str(), s.psa_product_id.as_deref()?)))
        .collect();
    let input = CredentialsInput {
        credentials: credentials.clone(),
    };
    let current = plugin
        .list_accounts(&input)
        .map_err(|error| SyncError::Call {
            call: "list_accounts",
            error,
        })?;
    // Mapped accounts (even ones the vendor no longer lists, to report them) and every other
    // account the vendor lists now, new ones included; never the excluded.
    let excluded: BTreeSet<&str> = mapping
        .accounts
        .iter()
        .filter(|a| a.state == State::Excluded)
        .map(|a| a.vendor_account_id.as_str())
        .collect();
    let wanted_accounts: Vec<String> = mapping
        .accounts
        .iter()
        .map(|a| a.vendor_account_id.as_str())
        .chain(current.accounts.iter().map(|a| a.id.as_str()))
        .filter(|id| !excluded.contains(id))
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let usage = plugin
        .fetch_usage(&FetchUsageInput {
            credentials: credentials.clone(),
            as_of: as_of.to_owned(),
            account_ids: Some(wanted_accounts),
            service_ids: Some(products.keys().map(|s| s.to_string()).collect()),
        })
        .map_err(|error| SyncError::Call {
            call: "fetch_usage",
            error,
        })?;

    let name_of = |vendor_id: &str| {
        current
            .accounts
            .iter()
            .find(|a| a.id == vendor_id)
            .map(|a| a.name.clone())
            .or_else(|| {
                let mapped = mapping
                    .accounts
                    .iter()
                    .find(|a| a.vendor_account_id == vendor_id)?;
                Some(format!(
                    "{} (no longer listed by the vendor)",
                    mapped.vendor_name
                ))
            })
            .unwrap_or_else(|| vendor_id.to_owned())
    };
    // A PSA line fed by a pair the vendor could not count shows no count at all: a partial sum
    // would look like a real quantity.
    let mut failed_groups: BTreeSet<(&str, &str)> = BTreeSet::new();
    for failed in &usage.failed_accounts {
        let Some(psa_account) = mapping.psa_account_of(&failed.account_id) else {
            continue;
        };
        for service in &failed.service_ids {
            if let Some(product) = products.get(service.as_str()) {
                failed_groups.insert((psa_account, product));
            }
        }
    }

    let mut groups: BTreeMap<(String, String), (u64, BTreeSet<String>)> = BTreeMap::new();
    let mut unmapped_with_usage = Vec::new();
    for record in &usage.records {
        let Some(product) = products.get(record.service_id.as_str()) else {
            continue;
        };
        match mapping.psa_account_of(&record.account_id) {
            Some(psa_account) if failed_groups.contains(&(psa_account, *product)) => {}
            Some(psa_account) => {
                let group = groups
                    .entry((psa_account.to_owned(), product.to_string()))
                    .or_default();
                group.0 += record.quantity;
                group.1.insert(format!(
                    "{} ({})",
                    name_of(&record.account_id),
                    record.account_id
                ));
            }
            None if record.quantity > 0 => unmapped_with_usage.push(UnmappedUsage {
                vendor_account_id: record.account_id.clone(),
                vendor_name: name_of(&record.account_id),
                service_id: record.service_id.clone(),
                quantity: record.quantity,
            }),
            None => {}
        }
    }
    let mut lines: Vec<ReviewLine> = groups
        .into_iter()
        .filter_map(
            |((psa_account_id, psa_product_id), (vendor_quantity, vendor_accounts))| {
                let psa_quantity = psa
                    .agreement_lines
                    .iter()
                    .filter(|l| l.account_id == psa_account_id && l.product_id == psa_product_id)
                    .map(|l| l.quantity)
                    .reduce(|a, b| a + b);
                let kind = match psa_quantity {
                    None if vendor_quantity == 0 => return None,
                    None => LineKind::NewRevenue,
                    Some(billed) if billed == vendor_quantity => LineKind::NoChange,
                    Some(_) => LineKind::Reconcile,
                };
                Some(ReviewLine {
                    kind,
                    psa_account_name: psa
                        .account(&psa_account_id)
                        .map_or_else(String::new, |a| a.name.clone()),
                    delta: vendor_quantity as i64 - psa_quantity.unwrap_or(0) as i64,
                    psa_account_id,
                    psa_product_id,
                    vendor_accounts: vendor_accounts.into_iter().collect(),
                    psa_quantity,
                    vendor_quantity,
                })
            },
        )
        .collect();
    lines.sort_by(|a, b| {
        (a.kind, &a.psa_account_name, &a.psa_product_id).cmp(&(
            b.kind,
            &b.psa_account_name,
            &b.psa_product_id,
        ))
    });
    let failed = usage
        .failed_accounts
        .iter()
        .filter(|f| mapping.psa_account_of(&f.account_id).is_some())
        .map(|f| FailedCount {
            vendor_account_id: f.account_id.clone(),
            vendor_name: name_of(&f.account_id),
            service_ids: f.service_ids.clone(),
            error: f.error.clone(),
        })
        .collect();
    Ok(Review {
        as_of: usage.as_of,
        lines,
        unmapped_with_usage,
        failed,
        warnings: usage.warnings,
    })
}

impl Review {
    /// Renders the review for a person.
    pub fn render(&self) -> String {
        let count = |kind| self.lines.iter().filter(|l| l.kind == kind).count();
        let mut out = format!(
            "Review of the sync as of {}: {} new revenue, {} reconcile, {} no change, {} failed\n",
            self.as_of,
            count(LineKind::NewRevenue),
            count(LineKind::Reconcile),
            count(LineKind::NoChange),
            self.failed.len()
        );
        for (kind, title) in [
            (
                LineKind::NewRevenue,
                "New revenue (vendor usage, no PSA line)",
            ),
            (LineKind::Reconcile, "Reconcile (quantities differ)"),
            (LineKind::NoChange, "No change"),
        ] {
            let rows: Vec<Vec<String>> = self
                .lines
                .iter()
                .filter(|l| l.kind == kind)
                .map(|l| {
                    vec![
                        format!("{} ({})", l.psa_account_name, l.psa_account_id),
                        l.psa_product_id.clone(),
                        l.psa_quantity.map_or("-".to_owned(), |q| q.to_string()),
                        l.vendor_quantity.to_string(),
                        if l.delta == 0 {
                            "0".to_owned()
                        } else {
                            format!("{:+}", l.delta)
                        },
                        l.vendor_accounts.join(", "),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                let _ = writeln!(out, "\n   {title}");
                out.push_str(&crate::seed::table(
                    &[
                        "PSA ACCOUNT",
                        "PRODUCT",
                        "PSA",
                        "VENDOR",
                        "DELTA",
                        "VENDOR ACCOUNTS",
                    ],
                    rows,
                ));
            }
        }
        if !self.unmapped_with_usage.is_empty() {
            let _ = writeln!(
                out,
                "\n   Unmapped vendor accounts with usage (billed to nobody)"
            );
            out.push_str(&crate::seed::table(
                &["VENDOR ACCOUNT", "SERVICE", "QUANTITY"],
                self.unmapped_with_usage.iter().map(|u| {
                    vec![
                        format!("{} ({})", u.vendor_name, u.vendor_account_id),
                        u.service_id.clone(),
                        u.quantity.to_string(),
                    ]
                }),
            ));
        }
        if !self.failed.is_empty() {
            let _ = writeln!(out, "\n   Failed (no count; keep the last good values)");
            for failed in &self.failed {
                let _ = writeln!(
                    out,
                    "   - {} ({}) {}: {} [{}]",
                    failed.vendor_name,
                    failed.vendor_account_id,
                    failed.error.class.as_str(),
                    failed.error.message,
                    failed.service_ids.join(", ")
                );
            }
        }
        crate::seed::render_warnings(&self.warnings, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{AccountMapping, Basis, ServiceMapping};
    use crate::psa::{AgreementLine, PsaAccount};
    use plugin_contract::{
        Account, AccountList, Authenticated, Description, ErrorClass, FailedAccount, ServiceList,
        Usage, UsageRecord,
    };

    /// A vendor with accounts a, b (both billed to PSA account P) and a new account n.
    struct Vendor {
        b_fails: bool,
    }

    impl VendorPlugin for Vendor {
        fn describe_credentials(
            &mut self,
            _: &CredentialsInput,
        ) -> Result<Description, PluginError> {
            unreachable!("not used by sync")
        }
        fn authenticate(&mut self, _: &CredentialsInput) -> Result<Authenticated, PluginError> {
            unreachable!("not used by sync")
        }
        fn list_accounts(&mut self, _: &CredentialsInput) -> Result<AccountList, PluginError> {
            let account = |id: &str| Account {
                id: id.into(),
                name: id.to_uppercase(),
                description: String::new(),
                status: "active".into(),
                domains: Vec::new(),
                psa_refs: Vec::new(),
            };
            Ok(AccountList {
                accounts: vec![account("a"), account("b"), account("n")],
                warnings: Vec::new(),
            })
        }
        fn list_services(&mut self, _: &CredentialsInput) -> Result<ServiceList, PluginError> {
            unreachable!("not used by sync")
        }
        fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
            assert_eq!(
                input.account_ids.as_deref(),
                Some(&["a".to_owned(), "b".to_owned(), "n".to_owned()][..])
            );
            let record = |account: &str, quantity| UsageRecord {
                account_id: account.into(),
                service_id: "s".into(),
                quantity,
            };
            let mut records = vec![record("a", 2), record("n", 5)];
            let mut failed_accounts = Vec::new();
            if self.b_fails {
                failed_accounts.push(FailedAccount {
                    account_id: "b".into(),
                    service_ids: vec!["s".into()],
                    error: PluginError::new(ErrorClass::Transient, "down"),
                    failures: Vec::new(),
                });
            } else {
                records.push(record("b", 3));
            }
            Ok(Usage {
                as_of: input.as_of.clone(),
                records,
                warnings: Vec::new(),
                failed_accounts,
            })
        }
    }

    fn mapping() -> Mapping {
        let account = |id: &str| AccountMapping {
            vendor_account_id: id.into(),
            vendor_name: id.to_uppercase(),
            state: State::Mapped,
            psa_account_id: Some("P".into()),
            basis: Basis::MappingFile,
            reason: String::new(),
            suggestions: Vec::new(),
        };
        Mapping {
            accounts: vec![account("a"), account("b")],
            services: vec![ServiceMapping {
                service_id: "s".into(),
                service_name: "S".into(),
                state: State::Mapped,
                psa_product_id: Some("PROD".into()),
                reason: String::new(),
            }],
        }
    }

    fn psa() -> PsaSnapshot {
        PsaSnapshot {
            source: String::new(),
            accounts: vec![PsaAccount {
                id: "P".into(),
                name: "Psa Co".into(),
            }],
            agreement_lines: vec![AgreementLine {
                account_id: "P".into(),
                product_id: "PROD".into(),
                product_name: "S".into(),
                quantity: 4,
            }],
        }
    }

    #[test]
    fn accounts_mapped_to_one_psa_account_add_up_and_new_accounts_show_as_unmapped_usage() {
        let review = sync(
            &mut Vendor { b_fails: false },
            &Credentials::default(),
            &mapping(),
            &psa(),
            "t",
        )
        .unwrap();
        assert_eq!(review.lines.len(), 1);
        let line = &review.lines[0];
        assert_eq!(
            (
                line.kind,
                line.psa_quantity,
                line.vendor_quantity,
                line.delta
            ),
            (LineKind::Reconcile, Some(4), 5, 1)
        );
        assert_eq!(review.unmapped_with_usage[0].vendor_account_id, "n");
    }

    #[test]
    fn a_line_fed_by_a_failed_count_shows_no_partial_sum() {
        let review = sync(
            &mut Vendor { b_fails: true },
            &Credentials::default(),
            &mapping(),
            &psa(),
            "t",
        )
        .unwrap();
        assert!(review.lines.is_empty(), "{:?}", review.lines);
        assert_eq!(review.failed[0].vendor_account_id, "b");
    }
}
