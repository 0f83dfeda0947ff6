//! The unknown-account check: catches a plugin that turns an account its vendor does not know
//! into a count (a zero record) instead of `not_found`, drops its pairs, or reports accounts
//! not asked for (see the rules in [`super`]'s documentation).

use std::collections::BTreeSet;

use plugin_contract::ErrorClass;

use super::runner::Probe;
use super::{fail, listed, pass, Check, UNKNOWN_ACCOUNT};

/// The name of the unknown-account check.
pub const UNKNOWN: &str = "an unknown account is not_found, never a record";

/// Checks what `fetch_usage` of [`UNKNOWN_ACCOUNT`] alone gave: see the module's documentation.
pub(super) fn check_unknown_account(probe: &Probe, listed_services: &[String]) -> Check {
    let usage = match &probe.usage {
        Ok(usage) => usage,
        Err(error) if error.message.contains(UNKNOWN_ACCOUNT) => {
            return pass(
                UNKNOWN,
                &format!(
                    "fetch_usage of {UNKNOWN_ACCOUNT} failed with class {}, naming it",
                    error.class.as_str()
                ),
            )
        }
        Err(error) => {
            return fail(
                UNKNOWN,
                format!(
                    "fetch_usage of {UNKNOWN_ACCOUNT} failed with class {} without naming it",
                    error.class.as_str()
                ),
            )
        }
    };
    if let Some(record) = usage
        .records
        .iter()
        .find(|r| r.account_id == UNKNOWN_ACCOUNT)
    {
        return fail(
            UNKNOWN,
            format!(
                "fetch_usage of {UNKNOWN_ACCOUNT} gave a record ({}, quantity {}): an account the vendor does not know became a count",
                record.service_id, record.quantity
            ),
        );
    }
    let others: BTreeSet<&str> = usage
        .records
        .iter()
        .map(|r| r.account_id.as_str())
        .chain(usage.failed_accounts.iter().map(|f| f.account_id.as_str()))
        .filter(|id| *id != UNKNOWN_ACCOUNT)
        .collect();
    if !others.is_empty() {
        let others: Vec<&str> = others.into_iter().collect();
        return fail(
            UNKNOWN,
            format!(
                "fetch_usage of {UNKNOWN_ACCOUNT} alone reported {}, which was not asked for",
                others.join(", ")
            ),
        );
    }
    let Some(failed) = usage
        .failed_accounts
        .iter()
        .find(|f| f.account_id == UNKNOWN_ACCOUNT)
    else {
        return fail(
            UNKNOWN,
            format!("fetch_usage of {UNKNOWN_ACCOUNT} gave neither a record nor a failed account: its pairs vanished"),
        );
    };
    let missing: Vec<&str> = listed_services
        .iter()
        .filter(|s| !failed.service_ids.contains(s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return fail(
            UNKNOWN,
            format!(
                "failed_accounts of {UNKNOWN_ACCOUNT} lacks the services {}",
                missing.join(", ")
            ),
        );
    }
    let classes: BTreeSet<&str> = failed
        .service_ids
        .iter()
        .map(|s| failed.error_of(s).class)
        .chain(failed.service_ids.is_empty().then_some(failed.error.class))
        .filter(|class| *class != ErrorClass::NotFound)
        .map(ErrorClass::as_str)
        .collect();
    let pairs = failed.service_ids.len();
    if classes.is_empty() {
        return pass(
            UNKNOWN,
            &format!("{pairs} pairs of {UNKNOWN_ACCOUNT} in failed_accounts as not_found"),
        );
    }
    let classes: Vec<&str> = classes.into_iter().collect();
    if probe.unanswered.is_empty() {
        fail(
            UNKNOWN,
            format!(
                "{UNKNOWN_ACCOUNT} is in failed_accounts as {}, not not_found",
                classes.join(", ")
            ),
        )
    } else {
        pass(
            UNKNOWN,
            &format!(
                "{pairs} pairs of {UNKNOWN_ACCOUNT} in failed_accounts as {}: the plugin asked the vendor about it and the recording has no answer ({}), so not_found cannot be required",
                classes.join(", "),
                listed(probe.unanswered.clone(), ", ")
            ),
        )
    }
}
