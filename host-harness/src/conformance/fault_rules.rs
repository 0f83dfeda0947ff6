//! The contract's rules, checked on every derived fault scenario
//! ([`faults`](super::faults)) against the valid run:
//!
//! - [`FAULT_CLASSES`]: a call that requested the rewritten exchange fails with the class the
//!   answer says (`vendor_kit::status`: 401 `auth`, 403 `permission`, 404 `config` on a call's
//!   first request (to the URL credential the request went to: a token endpoint of its own is
//!   another than the API's) else `not_found`, 429 `rate_limited`, 5xx `transient`, a web page `config`
//!   on the first request else `vendor`, an empty body `vendor` (or `config` on the first
//!   request), a cut body `vendor` or `transient`, a broken connection `transient`), or, for
//!   `fetch_usage`, succeeds with the pairs that depended on it in `failed_accounts` with that
//!   class; a call that did not request it gives the valid run's output. Catches a 5xx or a
//!   403 typed `auth`, a web page on a later page read as an empty list, a fault ignored.
//! - [`FAULT_RETRY_AFTER`]: after a 429, `retry_after_s` is the host's: 7 when the vendor
//!   said `Retry-After: 7` (the host fills it in), none when it did not. Catches a plugin that
//!   forces a wait of its own, 0 say.
//! - [`FAULT_ISOLATION`]: every pair of the valid run is, in the variant's `fetch_usage`,
//!   the same record with the same quantity or in `failed_accounts`, never gone, never twice;
//!   a fault in one account's request (its id is a path segment or a query value) fails only
//!   that account's pairs, and the call as a whole only with a class that concerns the
//!   credentials or the tenant (`config`, `auth`, `permission`, `rate_limited`). Catches a zero
//!   for a failed count, one account failing all, a page whose tenants vanish.

use std::collections::{BTreeMap, BTreeSet};

use plugin_contract::{ErrorClass, Usage};

use super::faults::{Derived, Fault, Variant, FAULTS, FAULT_RETRY_AFTER_S};
use super::{fail, pass, Check};

/// The name of the check of classes under derived faults.
pub const FAULT_CLASSES: &str =
    "each derived fault fails the calls that met it with the class its answer says";
/// The name of the check of `retry_after_s` under derived 429s.
pub const FAULT_RETRY_AFTER: &str =
    "after a derived 429, retry_after_s is the vendor's Retry-After, never the plugin's own";
/// The name of the check that a derived fault fails only the pairs that depend on it.
pub const FAULT_ISOLATION: &str =
    "a derived fault fails only the pairs that met it: none vanish, none twice, none become a count";

/// How many examples each rule's problems show.
const EXAMPLES: usize = 3;

/// Problems found, by rule, with a count of what was checked.
#[derive(Default)]
struct Findings {
    /// Each rule's problems, in the order found.
    by_rule: BTreeMap<&'static str, Vec<String>>,
    checked: usize,
}

impl Findings {
    /// Notes a problem under `rule`.
    fn add(&mut self, rule: &'static str, problem: String) {
        self.by_rule.entry(rule).or_default().push(problem);
    }

    /// Makes the check: passed when nothing was found, else each rule's count and examples.
    fn check(self, name: &'static str, passed: String) -> Check {
        if self.by_rule.is_empty() {
            return pass(name, &passed);
        }
        let rules: Vec<String> = self
            .by_rule
            .into_iter()
            .map(|(rule, problems)| {
                let shown: Vec<&str> = problems.iter().take(EXAMPLES).map(String::as_str).collect();
                format!("{rule}: {} (e.g. {})", problems.len(), shown.join("; "))
            })
            .collect();
        fail(
            name,
            format!("{} checked; {}", self.checked, rules.join(" | ")),
        )
    }
}

/// Names a variant: the fault and the exchange it replaced.
fn named(derived: &Derived, variant: &Variant) -> String {
    format!(
        "{} for {}",
        variant.fault.name(),
        derived.requests[variant.exchange]
    )
}

/// Lists classes as `a or b`.
fn either(classes: &[ErrorClass]) -> String {
    let names: Vec<&str> = classes.iter().map(|c| c.as_str()).collect();
    names.join(" or ")
}

/// Returns the pairs of `usage` in `failed_accounts`, with their class, that were not failed
/// in `valid`.
fn newly_failed(usage: &Usage, valid: Option<&Usage>) -> Vec<(String, String, ErrorClass)> {
    let before: BTreeSet<(&str, &str)> = valid
        .into_iter()
        .flat_map(|u| &u.failed_accounts)
        .flat_map(|f| {
            f.service_ids
                .iter()
                .map(|s| (f.account_id.as_str(), s.as_str()))
        })
        .collect();
    usage
        .failed_accounts
        .iter()
        .flat_map(|f| {
            f.service_ids
                .iter()
                .map(move |s| (f.account_id.clone(), s.clone(), f.error_of(s).class))
        })
        .filter(|(a, s, _)| !before.contains(&(a.as_str(), s.as_str())))
        .collect()
}

/// Checks the class of every call that met a derived fault, and that the others kept the
/// valid run's output.
pub fn check_fault_classes(derived: &Derived) -> Check {
    let mut findings = Findings::default();
    let (mut met, mut unaffected) = (0, 0);
    for variant in &derived.variants {
        let name = named(derived, variant);
        for (call, valid) in variant.calls.iter().zip(&derived.valid) {
            findings.checked += 1;
            let export = call.output.call;
            if !call.requested(variant.exchange) {
                unaffected += 1;
                if call.output.text != valid.output.text
                    || call.output.failed != valid.output.failed
                {
                    findings.add(
                        "a call that never requested the fault changed its output",
                        format!("{name}: {export}"),
                    );
                }
                continue;
            }
            met += 1;
            let first = call.first_is(variant.exchange, &derived.urls);
            let classes = variant.fault.classes(first);
            let expected = either(classes);
            let which = if first { " (its first request)" } else { "" };
            match (&call.error, &call.usage) {
                (Some(error), _) if classes.contains(&error.class) => {}
                (Some(error), _) => findings.add(
                    "wrong class",
                    format!(
                        "{name}{which}: {export} failed with class {}, not {expected}",
                        error.class.as_str()
                    ),
                ),
                (None, Some(usage)) => {
                    let failed = newly_failed(usage, valid.usage.as_ref());
                    if failed.is_empty() {
                        findings.add(
                            "the fault ignored",
                            format!("{name}{which}: fetch_usage succeeded with no pair failed, where {expected} was due"),
                        );
                    }
                    for (account, service, class) in failed {
                        if !classes.contains(&class) {
                            findings.add(
                                "wrong class",
                                format!(
                                    "{name}{which}: fetch_usage failed ({account}, {service}) with class {}, not {expected}",
                                    class.as_str()
                                ),
                            );
                        }
                    }
                }
                (None, None) => findings.add(
                    "the fault ignored",
                    format!("{name}{which}: {export} succeeded, where {expected} was due"),
                ),
            }
        }
    }
    if met == 0 && !derived.variants.is_empty() {
        findings.add(
            "no call met a fault",
            format!(
                "{} variants, and no call requested the exchange each rewrote",
                derived.variants.len()
            ),
        );
    }
    let passed = format!(
        "{} variants ({} exchanges × {} faults{}): {met} calls met the fault and failed as its answer says, {unaffected} others kept the valid run's output",
        derived.variants.len(),
        derived.requests.len() - derived.skipped,
        FAULTS.len(),
        skipped(derived),
    );
    findings.check(FAULT_CLASSES, passed)
}

/// Says how many exchanges were left as they are, if any.
fn skipped(derived: &Derived) -> String {
    match derived.skipped {
        0 => String::new(),
        n => format!("; {n} exchanges not a success, left as recorded"),
    }
}

/// Checks `retry_after_s` of every call that met a derived 429.
pub fn check_fault_retry_after(derived: &Derived) -> Check {
    let mut findings = Findings::default();
    for variant in &derived.variants {
        let Fault::RateLimited { retry_after } = variant.fault else {
            continue;
        };
        let due = retry_after.then_some(FAULT_RETRY_AFTER_S);
        let name = named(derived, variant);
        for call in variant
            .calls
            .iter()
            .filter(|c| c.requested(variant.exchange))
        {
            let export = call.output.call;
            let mut judge = |what: String, found: Option<u64>, allowed: &[Option<u64>]| {
                findings.checked += 1;
                if !allowed.contains(&found) {
                    let found = found.map_or("none".to_owned(), |s| s.to_string());
                    let due = due.map_or("none".to_owned(), |s| s.to_string());
                    findings.add(
                        if retry_after {
                            "the vendor's wait not kept"
                        } else {
                            "a wait the vendor never asked for"
                        },
                        format!("{name}: {what} has retry_after_s {found}, not {due}"),
                    );
                }
            };
            match (&call.error, &call.usage) {
                (Some(error), _) if error.class == ErrorClass::RateLimited => {
                    judge(format!("{export}'s error"), error.retry_after_s, &[due]);
                }
                // The host fills in only the call's error: a pair's may have the wait or none.
                (None, Some(usage)) => {
                    for failed in &usage.failed_accounts {
                        for service in &failed.service_ids {
                            let error = failed.error_of(service);
                            if error.class == ErrorClass::RateLimited {
                                let what =
                                    format!("fetch_usage's ({}, {service})", failed.account_id);
                                judge(what, error.retry_after_s, &[None, due]);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let passed = format!(
        "{} rate_limited errors after a derived 429, each with the vendor's Retry-After or none",
        findings.checked
    );
    findings.check(FAULT_RETRY_AFTER, passed)
}

/// Checks that each variant's `fetch_usage` failed only the pairs that met the fault.
pub fn check_fault_isolation(derived: &Derived) -> Check {
    let mut findings = Findings::default();
    let Some(valid) = derived.valid.last().and_then(|c| c.usage.as_ref()) else {
        return fail(
            FAULT_ISOLATION,
            "fetch_usage failed on the valid scenario, so no fault could be told from it"
                .to_owned(),
        );
    };
    let accounts: BTreeSet<&str> = pairs(valid).into_iter().map(|(a, _)| a).collect();
    for variant in &derived.variants {
        let Some(call) = variant.calls.last() else {
            continue;
        };
        findings.checked += 1;
        let name = named(derived, variant);
        // The one account the faulty request was for, if it names exactly one.
        let named_accounts: Vec<&str> = derived.ids[variant.exchange]
            .iter()
            .map(String::as_str)
            .filter(|id| accounts.contains(id))
            .collect();
        let owner = match named_accounts.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        match (&call.error, &call.usage) {
            (Some(error), _) => {
                if let Some(owner) = owner.filter(|_| !whole_call_class(error.class)) {
                    findings.add(
                        "one account's fault failed the whole call",
                        format!("{name}: fetch_usage failed as a whole with class {}, for a request of {owner} alone", error.class.as_str()),
                    );
                }
            }
            (None, Some(usage)) => isolate(&mut findings, &name, valid, usage, owner),
            (None, None) => {}
        }
    }
    let passed = format!(
        "{} variants: every pair of the valid run kept its count or failed, once; a fault in one account's request failed that account alone",
        findings.checked
    );
    findings.check(FAULT_ISOLATION, passed)
}

/// Tells whether a call may fail as a whole with `class` for one account's request: the
/// class concerns the credentials or the tenant (`vendor_kit::status::stops_the_whole_call`).
fn whole_call_class(class: ErrorClass) -> bool {
    matches!(
        class,
        ErrorClass::Config | ErrorClass::Auth | ErrorClass::Permission | ErrorClass::RateLimited
    )
}

/// Returns every (account, service) pair of `usage`, records and failed ones, as often as
/// each appears.
fn pairs(usage: &Usage) -> Vec<(&str, &str)> {
    usage
        .records
        .iter()
        .map(|r| (r.account_id.as_str(), r.service_id.as_str()))
        .chain(usage.failed_accounts.iter().flat_map(|f| {
            f.service_ids
                .iter()
                .map(move |s| (f.account_id.as_str(), s.as_str()))
        }))
        .collect()
}

/// Compares a variant's usage with the valid one's, pair by pair.
fn isolate(findings: &mut Findings, name: &str, valid: &Usage, usage: &Usage, owner: Option<&str>) {
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for pair in pairs(usage) {
        *seen.entry(pair).or_default() += 1;
    }
    let counted: BTreeMap<(&str, &str), u64> = usage
        .records
        .iter()
        .map(|r| ((r.account_id.as_str(), r.service_id.as_str()), r.quantity))
        .collect();
    let valid_pairs: BTreeSet<(&str, &str)> = pairs(valid).into_iter().collect();
    for ((account, service), times) in &seen {
        if *times > 1 {
            findings.add(
                "a pair reported twice",
                format!("{name}: ({account}, {service}) {times} times"),
            );
        }
        if !valid_pairs.contains(&(account, service)) {
            findings.add(
                "a pair the valid run did not have",
                format!("{name}: ({account}, {service})"),
            );
        }
    }
    for (account, service) in &valid_pairs {
        if !seen.contains_key(&(account, service)) {
            findings.add(
                "a pair vanished",
                format!("{name}: ({account}, {service}) is neither a record nor failed"),
            );
        }
    }
    for record in &valid.records {
        let pair = (record.account_id.as_str(), record.service_id.as_str());
        if let Some(quantity) = counted.get(&pair) {
            if *quantity != record.quantity {
                findings.add(
                    "a count changed instead of failing",
                    format!(
                        "{name}: ({}, {}) counted {quantity}, {} in the valid run",
                        pair.0, pair.1, record.quantity
                    ),
                );
            }
        }
    }
    if let Some(owner) = owner {
        for (account, service, class) in newly_failed(usage, Some(valid)) {
            if account != owner {
                findings.add(
                    "another account's pairs failed",
                    format!("{name}: ({account}, {service}) failed with class {} for a request of {owner}", class.as_str()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plugin_contract::PluginError;
    use serde_json::json;

    use super::super::faults::Traced;
    use super::super::Output;
    use super::*;

    /// A call that succeeded with `text` (or `usage`), having requested `exchanges`.
    fn ok(call: &'static str, text: &str, exchanges: &[usize]) -> Traced {
        Traced {
            output: Output {
                call,
                failed: false,
                text: text.to_owned(),
                raw: None,
            },
            error: None,
            usage: None,
            exchanges: exchanges.iter().copied().map(Some).collect(),
        }
    }

    /// A call that failed with `error`, having requested `exchanges`.
    fn failed(call: &'static str, error: PluginError, exchanges: &[usize]) -> Traced {
        Traced {
            output: Output {
                call,
                failed: true,
                text: error.to_json(),
                raw: None,
            },
            error: Some(error),
            usage: None,
            exchanges: exchanges.iter().copied().map(Some).collect(),
        }
    }

    /// A `fetch_usage` that succeeded with `usage`, having requested `exchanges`.
    fn usage(usage: serde_json::Value, exchanges: &[usize]) -> Traced {
        let usage: Usage = serde_json::from_value(usage).expect("a usage");
        let mut call = ok(
            "fetch_usage",
            &serde_json::to_string(&usage).expect("JSON"),
            exchanges,
        );
        call.usage = Some(usage);
        call
    }

    /// Returns a usage of service `users` with `records` and `failed` (account, class) pairs.
    fn usage_of(records: &[(&str, u64)], failed: &[(&str, &str)]) -> serde_json::Value {
        let records: Vec<_> = records
            .iter()
            .map(|(a, q)| json!({"account_id": a, "service_id": "users", "quantity": q}))
            .collect();
        let failed: Vec<_> = failed
            .iter()
            .map(|(a, class)| {
                json!({"account_id": a, "service_ids": ["users"],
                "error": {"class": class, "message": "failed"}})
            })
            .collect();
        json!({"as_of": "2026-01-01T00:00:00Z", "records": records, "warnings": [], "failed_accounts": failed})
    }

    /// Two exchanges: the account list (0), then the users of c1 (1).
    fn derived(valid: Vec<Traced>, variants: Vec<Variant>) -> Derived {
        Derived {
            requests: vec![
                "GET /accounts".to_owned(),
                "GET /users?account=c1".to_owned(),
            ],
            ids: vec![
                vec!["accounts".to_owned()],
                vec!["users".to_owned(), "c1".to_owned()],
            ],
            urls: vec![0, 0],
            valid,
            variants,
            skipped: 0,
        }
    }

    /// Returns the variant of `exchange` with `fault`.
    fn variant(exchange: usize, fault: Fault, calls: Vec<Traced>) -> Variant {
        Variant {
            exchange,
            fault,
            calls,
        }
    }

    #[test]
    fn a_5xx_typed_auth_fails_the_class_check_naming_the_fault_and_the_call() {
        let valid = vec![ok("authenticate", "{}", &[0])];
        let auth = failed("authenticate", PluginError::auth("no"), &[0]);
        let check = check_fault_classes(&derived(
            valid,
            vec![variant(0, Fault::Status(500), vec![auth])],
        ));
        assert!(!check.passed);
        assert_eq!(check.name, FAULT_CLASSES);
        assert_eq!(
            check.detail,
            "1 checked; wrong class: 1 (e.g. HTTP 500 for GET /accounts (its first request): authenticate failed with class auth, not transient)"
        );
        let valid = vec![ok("authenticate", "{}", &[0])];
        let transient = failed("authenticate", PluginError::transient("down"), &[0]);
        let check = check_fault_classes(&derived(
            valid,
            vec![variant(0, Fault::Status(500), vec![transient])],
        ));
        assert!(check.passed, "{}", check.detail);
    }

    #[test]
    fn variants_that_no_call_met_fail_the_class_check() {
        let valid = vec![failed("authenticate", PluginError::config("no URL"), &[])];
        let unmet = failed("authenticate", PluginError::config("no URL"), &[]);
        let check = check_fault_classes(&derived(
            valid,
            vec![variant(0, Fault::Status(500), vec![unmet])],
        ));
        assert!(!check.passed);
        assert!(
            check.detail.contains("no call met a fault: 1"),
            "{}",
            check.detail
        );
    }

    #[test]
    fn a_404_is_config_on_the_first_request_and_not_found_on_a_later_one() {
        let valid = || vec![ok("fetch_usage", "{}", &[0, 1])];
        let later = |class| {
            vec![variant(
                1,
                Fault::Status(404),
                vec![failed("fetch_usage", PluginError::new(class, "x"), &[0, 1])],
            )]
        };
        assert!(check_fault_classes(&derived(valid(), later(ErrorClass::NotFound))).passed);
        assert!(!check_fault_classes(&derived(valid(), later(ErrorClass::Config))).passed);
        let first = |class| {
            vec![variant(
                0,
                Fault::Status(404),
                vec![failed("fetch_usage", PluginError::new(class, "x"), &[0])],
            )]
        };
        assert!(check_fault_classes(&derived(valid(), first(ErrorClass::Config))).passed);
        assert!(!check_fault_classes(&derived(valid(), first(ErrorClass::NotFound))).passed);
    }

    #[test]
    fn a_web_page_read_as_an_empty_list_fails_the_class_check_as_ignored() {
        let valid = vec![ok("list_accounts", "{\"accounts\": [1]}", &[0, 1])];
        let empty = ok("list_accounts", "{\"accounts\": []}", &[0, 1]);
        let check = check_fault_classes(&derived(
            valid,
            vec![variant(1, Fault::WebPage, vec![empty])],
        ));
        assert!(!check.passed);
        assert!(check.detail.contains("the fault ignored: 1 (e.g. a web page (200 text/html) for GET /users?account=c1: list_accounts succeeded, where vendor was due)"), "{}", check.detail);
    }

    #[test]
    fn a_call_that_never_met_the_fault_must_keep_its_output() {
        let valid = vec![ok("list_services", "{\"services\": [1]}", &[])];
        let changed = ok("list_services", "{\"services\": []}", &[]);
        let check = check_fault_classes(&derived(
            valid,
            vec![variant(1, Fault::NotHttp, vec![changed])],
        ));
        assert!(!check.passed);
        assert!(check.detail.contains("a call that never requested the fault changed its output: 1 (e.g. a broken connection for GET /users?account=c1: list_services)"), "{}", check.detail);
    }

    #[test]
    fn a_wait_forced_by_the_plugin_fails_the_retry_after_check() {
        let limited = |retry_after_s| {
            let mut error = PluginError::rate_limited("slow down");
            error.retry_after_s = retry_after_s;
            failed("authenticate", error, &[0])
        };
        let with = |retry_after_s| {
            let derived = derived(
                vec![ok("authenticate", "{}", &[0])],
                vec![
                    variant(
                        0,
                        Fault::RateLimited { retry_after: true },
                        vec![limited(retry_after_s)],
                    ),
                    variant(
                        0,
                        Fault::RateLimited { retry_after: false },
                        vec![limited(None)],
                    ),
                ],
            );
            check_fault_retry_after(&derived)
        };
        let check = with(Some(0));
        assert!(!check.passed);
        assert_eq!(check.name, FAULT_RETRY_AFTER);
        assert_eq!(
            check.detail,
            "2 checked; the vendor's wait not kept: 1 (e.g. HTTP 429 with Retry-After: 7 for GET /accounts: authenticate's error has retry_after_s 0, not 7)"
        );
        assert!(with(Some(7)).passed, "{}", with(Some(7)).detail);
        let derived = derived(
            vec![ok("authenticate", "{}", &[0])],
            vec![variant(
                0,
                Fault::RateLimited { retry_after: false },
                vec![limited(Some(0))],
            )],
        );
        let check = check_fault_retry_after(&derived);
        assert!(
            check
                .detail
                .contains("a wait the vendor never asked for: 1"),
            "{}",
            check.detail
        );
    }

    #[test]
    fn a_zero_for_a_failed_count_or_a_vanished_pair_fails_the_isolation_check() {
        let valid = || vec![usage(usage_of(&[("c1", 3), ("c2", 5)], &[]), &[0, 1])];
        let zero = usage(usage_of(&[("c1", 0), ("c2", 5)], &[]), &[0, 1]);
        let check = check_fault_isolation(&derived(
            valid(),
            vec![variant(1, Fault::CutBody, vec![zero])],
        ));
        assert!(!check.passed);
        assert_eq!(check.name, FAULT_ISOLATION);
        assert!(check.detail.contains("a count changed instead of failing: 1 (e.g. a cut JSON body (200) for GET /users?account=c1: (c1, users) counted 0, 3 in the valid run)"), "{}", check.detail);
        let vanished = usage(usage_of(&[("c2", 5)], &[]), &[0, 1]);
        let check = check_fault_isolation(&derived(
            valid(),
            vec![variant(1, Fault::CutBody, vec![vanished])],
        ));
        assert!(
            check.detail.contains("a pair vanished: 1"),
            "{}",
            check.detail
        );
        let twice = usage(
            usage_of(&[("c1", 3), ("c2", 5)], &[("c1", "vendor")]),
            &[0, 1],
        );
        let check = check_fault_isolation(&derived(
            valid(),
            vec![variant(1, Fault::CutBody, vec![twice])],
        ));
        assert!(
            check.detail.contains("a pair reported twice: 1"),
            "{}",
            check.detail
        );
        let isolated = usage(usage_of(&[("c2", 5)], &[("c1", "vendor")]), &[0, 1]);
        let check = check_fault_isolation(&derived(
            valid(),
            vec![variant(1, Fault::CutBody, vec![isolated])],
        ));
        assert!(check.passed, "{}", check.detail);
    }

    #[test]
    fn one_accounts_fault_failing_another_account_or_the_whole_call_fails_the_isolation_check() {
        let valid = || vec![usage(usage_of(&[("c1", 3), ("c2", 5)], &[]), &[0, 1])];
        let other = usage(usage_of(&[("c1", 3)], &[("c2", "transient")]), &[0, 1]);
        let check = check_fault_isolation(&derived(
            valid(),
            vec![variant(1, Fault::Status(500), vec![other])],
        ));
        assert!(!check.passed);
        assert!(check.detail.contains("another account's pairs failed: 1 (e.g. HTTP 500 for GET /users?account=c1: (c2, users) failed with class transient for a request of c1)"), "{}", check.detail);
        let whole = failed("fetch_usage", PluginError::transient("down"), &[0, 1]);
        let check = check_fault_isolation(&derived(
            valid(),
            vec![variant(1, Fault::Status(500), vec![whole])],
        ));
        assert!(
            check
                .detail
                .contains("one account's fault failed the whole call: 1"),
            "{}",
            check.detail
        );
        // The key rejected stops every account: the whole call may fail for it.
        let auth = failed("fetch_usage", PluginError::auth("no"), &[0, 1]);
        assert!(
            check_fault_isolation(&derived(
                valid(),
                vec![variant(1, Fault::Status(401), vec![auth])]
            ))
            .passed
        );
        // A fault in the account list is no one account's: the whole call may fail.
        let listing = failed("fetch_usage", PluginError::transient("down"), &[0]);
        assert!(
            check_fault_isolation(&derived(
                valid(),
                vec![variant(0, Fault::Status(500), vec![listing])]
            ))
            .passed
        );
    }
}
