//! The order check: catches a plugin that returns accounts, services, records, failed accounts
//! or warnings in the vendor's order (or any other) instead of the contract's. The order is
//! the contract's own, not restated here: ids and records by their `Ord` (what the contract's
//! `Usage::sort` sorts records by), warnings by [`Warning::contract_order`] (what
//! `sort_warnings` sorts by) and failed accounts by [`FailedAccount::contract_order`].

use std::cmp::Ordering;
use std::fmt::{Debug, Write};

use plugin_contract::{FailedAccount, Warning};

use super::runner::Run;
use super::{fail, listed, pass, Check};

/// The name of the order check.
pub const SORTED: &str = "accounts, services and usage are sorted as the contract says";

/// Names the first place where `items` are out of order by `compare`, each item shown by
/// `shown`.
pub(super) fn first_disorder<T, K: Debug>(
    items: &[T],
    compare: impl Fn(&T, &T) -> Ordering,
    shown: impl Fn(&T) -> K,
) -> Option<String> {
    items.windows(2).find_map(|pair| {
        let (a, b) = (&pair[0], &pair[1]);
        (compare(a, b) == Ordering::Greater)
            .then(|| format!("{:?} comes after {:?}", shown(b), shown(a)))
    })
}

/// Checks the order the contract requires: accounts and services by id, records by (account,
/// service), failed accounts by account and their services by id, and warnings by (account,
/// service, code, message).
pub(super) fn check_sorted(run: &Run) -> Check {
    let mut problems: Vec<String> = Vec::new();
    let mut report = |what: &str, disorder: Option<String>| {
        if let Some(disorder) = disorder {
            problems.push(format!("{what}: {disorder}"));
        }
    };
    let warning = |w: &Warning| {
        (
            w.account_id.clone(),
            w.service_id.clone(),
            w.code.clone(),
            w.message.clone(),
        )
    };
    let id = |id: &String| id.clone();
    report(
        "list_accounts accounts",
        first_disorder(&run.account_ids, Ord::cmp, id),
    );
    report(
        "list_accounts warnings",
        first_disorder(&run.account_warnings, Warning::contract_order, warning),
    );
    report(
        "list_services services",
        first_disorder(&run.service_ids, Ord::cmp, id),
    );
    let mut counted = format!(
        "{} accounts, {} services",
        run.account_ids.len(),
        run.service_ids.len()
    );
    if let Ok(usage) = &run.usage {
        report(
            "fetch_usage records",
            first_disorder(&usage.records, Ord::cmp, |r| {
                (r.account_id.clone(), r.service_id.clone())
            }),
        );
        report(
            "fetch_usage failed_accounts",
            first_disorder(&usage.failed_accounts, FailedAccount::contract_order, |f| {
                f.account_id.clone()
            }),
        );
        for failed in &usage.failed_accounts {
            report(
                &format!("fetch_usage failed_accounts of {}", failed.account_id),
                first_disorder(&failed.service_ids, Ord::cmp, id),
            );
        }
        report(
            "fetch_usage warnings",
            first_disorder(&usage.warnings, Warning::contract_order, warning),
        );
        let _ = write!(
            counted,
            ", {} records, {} failed accounts",
            usage.records.len(),
            usage.failed_accounts.len()
        );
    }
    if problems.is_empty() {
        pass(SORTED, &format!("{counted} in order"))
    } else {
        fail(SORTED, listed(problems, "; "))
    }
}
