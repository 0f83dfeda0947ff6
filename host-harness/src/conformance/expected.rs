//! The checks only the plan asks for, of what a recording alone cannot tell: `list_accounts`
//! gives every account (`"accounts": n`), catching an author who drops inactive accounts or
//! skips a page; and each scenario of `"expect"` fails first with its class, catching a 403
//! read as `auth`, a 429 not read as `rate_limited`, or a count that cannot be read becoming 0.

use plugin_contract::{ErrorClass, PluginError};

use super::runner::Run;
use super::{fail, listed, pass, Check};

/// The name of the check of the plan's `accounts`, made only when the plan has it.
pub const ACCOUNT_COUNT: &str =
    "list_accounts gives every account of the valid scenario, inactive ones included";

/// The name of the check of the plan's `expect`, made only when the plan has it.
pub const EXPECTED_CLASSES: &str = "each scenario of expect fails first with its class";

/// Checks that `list_accounts` gave the plan's number of accounts on the valid scenario.
pub(super) fn check_account_count(expected: usize, run: &Run) -> Check {
    let listed = run.account_ids.len();
    if listed == expected {
        pass(
            ACCOUNT_COUNT,
            &format!("{listed} accounts, as the plan says"),
        )
    } else {
        fail(
            ACCOUNT_COUNT,
            format!("list_accounts gave {listed} accounts where conformance.json says {expected} (an inactive account dropped, or a page skipped?)"),
        )
    }
}

/// Says where a run failed first and with what class (`None`: its error is not the
/// contract's JSON); `None` when nothing failed.
pub(super) fn first_failure(run: &Run) -> Option<(String, Option<ErrorClass>)> {
    if let Some(output) = run.outputs.iter().find(|o| o.failed) {
        let class = serde_json::from_str::<PluginError>(&output.text)
            .ok()
            .map(|e| e.class);
        return Some((format!("{} failed", output.call), class));
    }
    let failed = run.usage.as_ref().ok()?.failed_accounts.first()?;
    Some((
        format!("fetch_usage failed the pairs of {}", failed.account_id),
        Some(failed.error.class),
    ))
}

/// Checks that each scenario of the plan's `expect` failed first with its class.
pub(super) fn check_expected_classes(runs: &[(&str, ErrorClass, &Run)]) -> Check {
    let mut problems: Vec<String> = Vec::new();
    let mut found: Vec<String> = Vec::new();
    for (scenario, expected, run) in runs {
        let expected = expected.as_str();
        match first_failure(run) {
            Some((what, Some(class))) if class.as_str() == expected => {
                found.push(format!("{scenario}: {what} with class {expected}"));
            }
            Some((what, Some(class))) => problems.push(format!(
                "{scenario}: {what} with class {}, not {expected}",
                class.as_str()
            )),
            Some((what, None)) => problems.push(format!(
                "{scenario}: {what} with an error that is not the contract's JSON, not {expected}"
            )),
            None => problems.push(format!(
                "{scenario}: every call succeeded and every pair was counted, where {expected} was expected"
            )),
        }
    }
    if problems.is_empty() {
        pass(EXPECTED_CLASSES, &found.join("; "))
    } else {
        fail(EXPECTED_CLASSES, listed(problems, "; "))
    }
}
