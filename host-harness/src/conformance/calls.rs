//! The checks of what the five calls returned on the scenarios an author recorded: the
//! accounts the plan counts, the class each expected failure has, ids unique and stable, the
//! contract's order, `as_of` echoed, every pair once, and an unknown account `not_found`.

use std::collections::BTreeSet;
use std::fmt::Write;

use plugin_contract::{ErrorClass, PluginError, Usage, Warning};

use super::*;

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

/// Names the first place where `items` are out of order by `key`.
pub(super) fn first_disorder<T, K: Ord + std::fmt::Debug>(
    items: &[T],
    key: impl Fn(&T) -> K,
) -> Option<String> {
    items.windows(2).find_map(|pair| {
        let (a, b) = (key(&pair[0]), key(&pair[1]));
        (a > b).then(|| format!("{b:?} comes after {a:?}"))
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
    let warning_key = |w: &Warning| {
        (
            w.account_id.clone(),
            w.service_id.clone(),
            w.code.clone(),
            w.message.clone(),
        )
    };
    report(
        "list_accounts accounts",
        first_disorder(&run.account_ids, Clone::clone),
    );
    report(
        "list_accounts warnings",
        first_disorder(&run.account_warnings, warning_key),
    );
    report(
        "list_services services",
        first_disorder(&run.service_ids, Clone::clone),
    );
    let mut counted = format!(
        "{} accounts, {} services",
        run.account_ids.len(),
        run.service_ids.len()
    );
    if let Ok(usage) = &run.usage {
        report(
            "fetch_usage records",
            first_disorder(&usage.records, |r| {
                (r.account_id.clone(), r.service_id.clone())
            }),
        );
        report(
            "fetch_usage failed_accounts",
            first_disorder(&usage.failed_accounts, |f| f.account_id.clone()),
        );
        for failed in &usage.failed_accounts {
            report(
                &format!("fetch_usage failed_accounts of {}", failed.account_id),
                first_disorder(&failed.service_ids, Clone::clone),
            );
        }
        report(
            "fetch_usage warnings",
            first_disorder(&usage.warnings, warning_key),
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

/// Checks that each `fetch_usage` that succeeded returned the `as_of` it was asked, byte for
/// byte.
pub(super) fn check_as_of(calls: &[(&str, &Result<Usage, PluginError>)]) -> Check {
    let mut problems: Vec<String> = Vec::new();
    let mut echoed: Vec<&str> = Vec::new();
    for (asked, usage) in calls {
        let Ok(usage) = usage else { continue };
        if usage.as_of == *asked {
            echoed.push(asked);
        } else {
            problems.push(format!(
                "asked as of {asked}, fetch_usage returned as_of {:?}",
                usage.as_of
            ));
        }
    }
    if !problems.is_empty() {
        fail(AS_OF_ECHOED, problems.join("; "))
    } else if echoed.is_empty() {
        fail(
            AS_OF_ECHOED,
            "fetch_usage never succeeded, so nothing was echoed".to_owned(),
        )
    } else {
        pass(AS_OF_ECHOED, &format!("{} echoed", echoed.join(" and ")))
    }
}

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

pub(super) fn check_ids(name: &'static str, first: &[String], second: &[String]) -> Check {
    let unique: BTreeSet<&String> = first.iter().collect();
    if first.is_empty() {
        fail(name, "the valid scenario listed none".to_owned())
    } else if unique.len() != first.len() {
        fail(name, "an id appears twice".to_owned())
    } else if first.iter().any(|id| id.trim().is_empty()) {
        fail(name, "an id is blank".to_owned())
    } else if first != second {
        fail(name, "two runs listed different ids".to_owned())
    } else {
        pass(name, &format!("{} ids", first.len()))
    }
}

/// Checks that usage has every listed (account, service) pair exactly once, as a record or in
/// `failed_accounts` ([`Usage::check_coverage`](plugin_contract::Usage::check_coverage)).
pub(super) fn check_usage(run: &Run) -> Check {
    let usage = match &run.usage {
        Ok(usage) => usage,
        Err(error) => return fail(COVERAGE, format!("fetch_usage failed: {error}")),
    };
    match usage.check_coverage(&run.account_ids, &run.service_ids) {
        Ok(coverage) => pass(
            COVERAGE,
            &format!(
                "{} pairs, {} explicit zeros",
                coverage.pairs, coverage.zeros
            ),
        ),
        Err(broken) => fail(COVERAGE, broken.to_string()),
    }
}
