//! Tests of the runner's outputs and of the checks made in this folder's small files.

use plugin_contract::{PluginError, Usage};
use serde_json::{json, Value};

use super::coverage::COVERAGE;
use super::recorded::EVERY_EXCHANGE;
use super::runner::error_texts;
use super::unknown_account::UNKNOWN;
use super::*;
use crate::traffic::replay::ReplayReport;

/// Returns what `call` sent: `json`, an error when `failed`.
pub(super) fn output(call: &'static str, failed: bool, json: Value) -> Output {
    Output {
        call,
        failed,
        text: json.to_string(),
        raw: None,
    }
}

fn usage(quantity: Value) -> Value {
    json!({
        "as_of": AS_OF,
        "records": [{"account_id": "c1", "service_id": "users", "quantity": quantity}],
        "warnings": [],
        "failed_accounts": []
    })
}

fn credentials_schema() -> Value {
    json!({"type": "object", "required": ["api_key"], "properties": {
        "api_key": {"type": "string", "writeOnly": true},
        "api_url": {"type": "string", "format": "uri"}
    }})
}

fn schemas() -> OutputSchemas {
    OutputSchemas::compile(plugin_contract::INTERFACE_VERSION)
        .expect("the contract's schemas compile")
}

#[test]
fn a_module_importing_http_headers_fails_naming_the_import_and_the_sdk() {
    let wasm = crate::runtime::imports::module_importing(&[("extism:host/env", "http_headers")]);
    let check = check_imports(&wasm);
    assert!(!check.passed);
    assert!(
        check.detail.contains("extism:host/env::http_headers") && check.detail.contains("1.0.3"),
        "{}",
        check.detail
    );
    let portable =
        crate::runtime::imports::module_importing(&[("extism:host/env", "http_request")]);
    assert!(check_imports(&portable).passed);
}

#[test]
fn a_negative_quantity_is_reported_with_the_call_and_its_pointer() {
    let problems = schemas().problems(&output("fetch_usage", false, usage(json!(-1))));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("fetch_usage output at /records/0/quantity: -1 is less than"),
        "{problems:?}"
    );
    assert!(
        problems[0].ends_with("(fetch_usage.output.json)"),
        "{problems:?}"
    );
}

#[test]
fn an_error_of_an_unknown_class_without_a_message_is_reported_with_its_pointers() {
    let error = output("authenticate", true, json!({"class": "Auth"}));
    let problems = schemas().problems(&error);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("authenticate error at /class: ")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(
            |p| p.starts_with("authenticate error at the top level: ") && p.contains("message")
        ),
        "{problems:?}"
    );
}

#[test]
fn output_that_is_not_json_is_reported_as_such() {
    let broken = Output {
        call: "list_accounts",
        failed: false,
        text: "{\"accounts\": [".to_owned(),
        raw: None,
    };
    let problems = schemas().problems(&broken);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("list_accounts output is not JSON: "));
}

#[test]
fn valid_outputs_and_errors_pass_and_are_counted() {
    let outputs = [
        output("fetch_usage", false, usage(json!(0))),
        output(
            "authenticate",
            true,
            json!({"class": "auth", "message": "no"}),
        ),
        output("authenticate", false, json!({"detail": "4 customers"})),
    ];
    let check = check_contract(
        &schemas(),
        outputs.iter(),
        &credentials_schema(),
        &["api_key".to_owned()],
    );
    assert!(check.passed, "{}", check.detail);
    assert_eq!(
        check.detail,
        "3 outputs and errors valid; 2 credentials, 1 secret"
    );
}

#[test]
fn a_secret_looking_credential_that_is_not_write_only_fails_beside_a_schema_problem() {
    let outputs = [output("fetch_usage", false, usage(json!("7")))];
    let check = check_contract(&schemas(), outputs.iter(), &credentials_schema(), &[]);
    assert!(!check.passed);
    assert!(
        check
            .detail
            .contains("fetch_usage output at /records/0/quantity: "),
        "{}",
        check.detail
    );
    assert!(
        check
            .detail
            .contains("credential api_key looks secret but is not writeOnly"),
        "{}",
        check.detail
    );
}

#[test]
fn a_failed_check_lists_a_few_problems_and_counts_the_rest() {
    let records: Vec<Value> = (0..8)
        .map(|i| json!({"account_id": format!("c{i}"), "service_id": "u", "quantity": -1}))
        .collect();
    let usage = json!({"as_of": AS_OF, "records": records, "warnings": [], "failed_accounts": []});
    let outputs = [output("fetch_usage", false, usage)];
    let check = check_contract(
        &schemas(),
        outputs.iter(),
        &credentials_schema(),
        &["api_key".to_owned()],
    );
    assert!(!check.passed);
    assert!(check.detail.ends_with("; and 3 more"), "{}", check.detail);
}

#[test]
fn a_credentials_schema_that_requires_a_missing_property_fails() {
    let mut schema = credentials_schema();
    schema["required"] = json!(["api_key", "tenant"]);
    let check = check_contract(&schemas(), [].iter(), &schema, &["api_key".to_owned()]);
    assert_eq!(
        check.detail,
        "required credential \"tenant\" is not a property"
    );
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

fn usage_of(json: Value) -> Usage {
    serde_json::from_value(json).expect("a usage")
}

/// A run of accounts `c1`, `c2` and services `users`, `devices` (as listed) with `usage`.
fn run_with(accounts: &[&str], services: &[&str], usage: Value) -> Run {
    Run {
        outputs: Vec::new(),
        account_ids: ids(accounts),
        account_warnings: Vec::new(),
        service_ids: ids(services),
        usage: Ok(usage_of(usage)),
    }
}

fn record(account: &str, service: &str, quantity: u64) -> Value {
    json!({"account_id": account, "service_id": service, "quantity": quantity})
}

fn usage_with(records: Vec<Value>, failed: Vec<Value>) -> Value {
    json!({"as_of": AS_OF, "records": records, "warnings": [], "failed_accounts": failed})
}

fn not_found(account: &str, services: &[&str]) -> Value {
    json!({"account_id": account, "service_ids": services,
        "error": {"class": "not_found", "message": format!("no customer {account}")}})
}

fn replayed(unmatched: &[&str], unused: &[&str]) -> Replayed {
    Replayed {
        scenario: "happy-path".to_owned(),
        report: ReplayReport {
            served: Vec::new(),
            unmatched: ids(unmatched),
            unmatched_omitted: 0,
            unused: ids(unused),
            leaks: Vec::new(),
        },
        exchanges: 3,
        logs: Vec::new(),
        issued: Vec::new(),
        issuing: Vec::new(),
    }
}

#[test]
fn a_second_page_never_requested_fails_the_exchange_check_naming_it() {
    let check = check_every_exchange(&replayed(&[], &["GET /users?page=2"]));
    assert!(!check.passed);
    assert_eq!(check.name, EVERY_EXCHANGE);
    assert_eq!(
        check.detail,
        "1 of 3 exchanges of happy-path never requested (a page or an account skipped?): GET /users?page=2"
    );
    let check = check_every_exchange(&replayed(&[], &[]));
    assert!(check.passed);
    assert_eq!(check.detail, "3 exchanges, each requested");
}

#[test]
fn an_unrecorded_request_fails_the_recorded_requests_check_without_the_canary() {
    let with_key = format!(
        "GET /users?key={} (header authorization: expected \"Bearer <redacted>\", got a value without \"Bearer \")",
        plugin_contract::encoding::percent_encode(CANARY)
    );
    let mismatched = replayed(&[&with_key], &[]);
    let clean = replayed(&[], &[]);
    let check = check_recorded_only(&[&clean, &mismatched, &mismatched]);
    assert!(!check.passed);
    assert_eq!(check.name, RECORDED_ONLY);
    assert_eq!(
        check.detail,
        "no recorded exchange for happy-path: GET /users?key=<redacted> (header authorization: expected \"Bearer <redacted>\", got a value without \"Bearer \"); the replay answered HTTP 501"
    );
    assert!(check_recorded_only(&[&clean]).passed);
}

#[test]
fn records_in_reverse_order_fail_the_sort_check() {
    let usage = usage_with(
        vec![record("c2", "users", 1), record("c1", "users", 1)],
        vec![],
    );
    let check = check_sorted(&run_with(&["c1", "c2"], &["users"], usage));
    assert!(!check.passed);
    assert_eq!(
        check.detail,
        r#"fetch_usage records: ("c1", "users") comes after ("c2", "users")"#
    );
}

#[test]
fn accounts_and_services_out_of_order_fail_the_sort_check() {
    let usage = usage_with(vec![], vec![]);
    let check = check_sorted(&run_with(&["c2", "c1"], &["users", "devices"], usage));
    assert!(!check.passed);
    assert_eq!(
        check.detail,
        r#"list_accounts accounts: "c1" comes after "c2"; list_services services: "devices" comes after "users""#
    );
}

#[test]
fn failed_services_out_of_order_fail_the_sort_check() {
    let usage = usage_with(vec![], vec![not_found("c1", &["users", "devices"])]);
    let check = check_sorted(&run_with(&["c1"], &["devices", "users"], usage));
    assert!(!check.passed);
    assert!(
        check
            .detail
            .starts_with("fetch_usage failed_accounts of c1: \"devices\" comes after"),
        "{}",
        check.detail
    );
}

#[test]
fn sorted_output_passes_the_sort_check() {
    let usage = usage_with(
        vec![record("c1", "devices", 0), record("c1", "users", 2)],
        vec![not_found("c2", &["devices", "users"])],
    );
    let check = check_sorted(&run_with(&["c1", "c2"], &["devices", "users"], usage));
    assert!(check.passed, "{}", check.detail);
    assert_eq!(
        check.detail,
        "2 accounts, 2 services, 2 records, 1 failed accounts in order"
    );
}

#[test]
fn an_as_of_reformatted_or_made_up_fails_the_as_of_check() {
    let mut reformatted = usage_of(usage_with(vec![], vec![]));
    reformatted.as_of = "2026-01-01T00:00:00+00:00".to_owned();
    let exact = Ok(usage_of(usage_with(vec![], vec![])));
    let check = check_as_of(&[(AS_OF, &Ok(reformatted)), (PROBE_AS_OF, &exact)]);
    assert!(!check.passed);
    assert_eq!(
        check.detail,
        "asked as of 2026-01-01T00:00:00Z, fetch_usage returned as_of \"2026-01-01T00:00:00+00:00\"; asked as of 2026-02-15T12:30:00Z, fetch_usage returned as_of \"2026-01-01T00:00:00Z\""
    );
    let check = check_as_of(&[(AS_OF, &exact)]);
    assert!(check.passed, "{}", check.detail);
    let failed = Err(PluginError::auth("no"));
    assert!(!check_as_of(&[(AS_OF, &failed)]).passed);
}

#[test]
fn a_pair_reported_twice_or_missing_fails_the_coverage_check() {
    let twice = usage_with(
        vec![record("c1", "users", 1)],
        vec![not_found("c1", &["users"])],
    );
    let check = check_usage(&run_with(&["c1"], &["users"], twice));
    assert!(!check.passed);
    assert_eq!(check.name, COVERAGE);
    assert_eq!(check.detail, r#"("c1", "users") is reported twice"#);
    let missing = usage_with(vec![record("c1", "users", 1)], vec![]);
    let check = check_usage(&run_with(&["c1", "c2"], &["users"], missing));
    assert_eq!(check.detail, "1 of 2 pairs reported");
    let zeros = usage_with(vec![record("c1", "users", 0)], vec![]);
    assert!(check_usage(&run_with(&["c1"], &["users"], zeros)).passed);
}

#[test]
fn a_plan_without_accounts_or_expect_reads_as_before() {
    let plan: Plan =
        serde_json::from_value(json!({"valid": "a", "invalid_credentials": "b"})).unwrap();
    assert_eq!((plan.accounts, plan.expect.len()), (None, 0));
    let plan: Plan = serde_json::from_value(json!({"valid": "a", "invalid_credentials": "b",
        "accounts": 4, "expect": {"no-access-403": "permission"}}))
    .unwrap();
    assert_eq!(plan.accounts, Some(4));
    assert_eq!(plan.expect["no-access-403"], ErrorClass::Permission);
    let unknown = json!({"valid": "a", "invalid_credentials": "b", "expect": {"x": "Auth"}});
    assert!(serde_json::from_value::<Plan>(unknown).is_err());
}

#[test]
fn an_account_dropped_fails_the_account_count_check() {
    let run = run_with(&["c1", "c2"], &["users"], usage_with(vec![], vec![]));
    let check = check_account_count(3, &run);
    assert!(!check.passed);
    assert_eq!(check.name, ACCOUNT_COUNT);
    assert!(
        check
            .detail
            .starts_with("list_accounts gave 2 accounts where conformance.json says 3"),
        "{}",
        check.detail
    );
    assert!(check_account_count(2, &run).passed);
}

#[test]
fn a_scenario_failing_first_with_another_class_fails_the_expected_class_check() {
    let mut run = run_with(&[], &[], usage_with(vec![], vec![]));
    run.outputs = vec![
        output("describe_credentials", false, json!({})),
        output(
            "authenticate",
            true,
            json!({"class": "auth", "message": "no"}),
        ),
        output(
            "list_accounts",
            true,
            json!({"class": "permission", "message": "no"}),
        ),
    ];
    let check = check_expected_classes(&[("no-access-403", ErrorClass::Permission, &run)]);
    assert!(!check.passed);
    assert_eq!(check.name, EXPECTED_CLASSES);
    assert_eq!(
        check.detail,
        "no-access-403: authenticate failed with class auth, not permission"
    );
    let check = check_expected_classes(&[("bad-key-401", ErrorClass::Auth, &run)]);
    assert!(check.passed, "{}", check.detail);
    assert_eq!(
        check.detail,
        "bad-key-401: authenticate failed with class auth"
    );
}

#[test]
fn a_count_that_cannot_be_read_must_fail_its_pair_where_the_plan_expects_it() {
    let failed = json!({"account_id": "c2", "service_ids": ["users"],
        "error": {"class": "vendor", "message": "count is text"}});
    let unreadable = run_with(
        &["c1", "c2"],
        &["users"],
        usage_with(vec![record("c1", "users", 3)], vec![failed]),
    );
    let check = check_expected_classes(&[("one-unreadable", ErrorClass::Vendor, &unreadable)]);
    assert!(check.passed, "{}", check.detail);
    assert_eq!(
        check.detail,
        "one-unreadable: fetch_usage failed the pairs of c2 with class vendor"
    );
    let zero = run_with(
        &["c1", "c2"],
        &["users"],
        usage_with(
            vec![record("c1", "users", 3), record("c2", "users", 0)],
            vec![],
        ),
    );
    let check = check_expected_classes(&[("one-unreadable", ErrorClass::Vendor, &zero)]);
    assert!(!check.passed);
    assert!(
        check
            .detail
            .contains("every call succeeded and every pair was counted"),
        "{}",
        check.detail
    );
}

fn probe(usage: Value, unanswered: &[&str]) -> Probe {
    Probe {
        usage: Ok(usage_of(usage)),
        unanswered: ids(unanswered),
    }
}

#[test]
fn a_zero_record_for_an_unknown_account_fails_the_unknown_account_check() {
    let zero = usage_with(vec![record(UNKNOWN_ACCOUNT, "users", 0)], vec![]);
    let check = check_unknown_account(&probe(zero, &[]), &ids(&["users"]));
    assert!(!check.passed);
    assert_eq!(check.name, UNKNOWN);
    assert!(
        check.detail.contains(
            "gave a record (users, quantity 0): an account the vendor does not know became a count"
        ),
        "{}",
        check.detail
    );
}

#[test]
fn an_unknown_account_in_failed_accounts_as_not_found_passes() {
    let usage = usage_with(
        vec![],
        vec![not_found(UNKNOWN_ACCOUNT, &["devices", "users"])],
    );
    let check = check_unknown_account(&probe(usage, &[]), &ids(&["devices", "users"]));
    assert!(check.passed, "{}", check.detail);
    assert_eq!(
        check.detail,
        "2 pairs of conformance-unknown-account in failed_accounts as not_found"
    );
}

#[test]
fn an_unknown_account_whose_pairs_vanish_or_fall_short_fails() {
    let empty = usage_with(vec![], vec![]);
    let check = check_unknown_account(&probe(empty, &[]), &ids(&["users"]));
    assert!(!check.passed);
    assert!(
        check.detail.contains("its pairs vanished"),
        "{}",
        check.detail
    );
    let short = usage_with(vec![], vec![not_found(UNKNOWN_ACCOUNT, &["users"])]);
    let check = check_unknown_account(&probe(short, &[]), &ids(&["devices", "users"]));
    assert!(!check.passed);
    assert!(
        check.detail.ends_with("lacks the services devices"),
        "{}",
        check.detail
    );
}

#[test]
fn accounts_not_asked_for_fail_the_unknown_account_check() {
    let usage = usage_with(
        vec![record("c1", "users", 3)],
        vec![not_found(UNKNOWN_ACCOUNT, &["users"])],
    );
    let check = check_unknown_account(&probe(usage, &[]), &ids(&["users"]));
    assert!(!check.passed);
    assert!(
        check
            .detail
            .contains("reported c1, which was not asked for"),
        "{}",
        check.detail
    );
}

#[test]
fn another_class_for_an_unknown_account_passes_only_when_the_recording_cannot_answer() {
    let transient = || {
        usage_with(
            vec![],
            vec![
                json!({"account_id": UNKNOWN_ACCOUNT, "service_ids": ["users"],
                "error": {"class": "transient", "message": "HTTP 501"}}),
            ],
        )
    };
    let check = check_unknown_account(&probe(transient(), &[]), &ids(&["users"]));
    assert!(!check.passed);
    assert_eq!(
        check.detail,
        "conformance-unknown-account is in failed_accounts as transient, not not_found"
    );
    let asked = "GET /users?customerId=conformance-unknown-account";
    let check = check_unknown_account(&probe(transient(), &[asked]), &ids(&["users"]));
    assert!(check.passed, "{}", check.detail);
    assert!(check.detail.contains(asked), "{}", check.detail);
}

#[test]
fn a_failed_call_passes_the_unknown_account_check_only_naming_the_id() {
    let failure = |message: &str| Probe {
        usage: Err(PluginError::not_found(message)),
        unanswered: Vec::new(),
    };
    let named = failure("no customer conformance-unknown-account");
    assert!(check_unknown_account(&named, &ids(&["users"])).passed);
    let check = check_unknown_account(&failure("something broke"), &ids(&["users"]));
    assert!(!check.passed);
    assert_eq!(
        check.detail,
        "fetch_usage of conformance-unknown-account failed with class not_found without naming it"
    );
}

#[test]
fn an_error_echoing_the_canary_is_caught_as_the_plugin_sent_it() {
    let sent = PluginError::auth(format!(
        "the key {} was rejected",
        plugin_contract::encoding::percent_encode(CANARY)
    ));
    // What the harness typed the failure as carries no secret: the check must read the
    // plugin's own text.
    let typed = PluginError::auth("the key was rejected");
    let (text, raw) = error_texts(&typed, Some(sent.to_json()));
    assert_eq!((text.as_str(), raw), (sent.to_json().as_str(), None));
    let leaked = Output {
        call: "authenticate",
        failed: true,
        text,
        raw: None,
    };
    let fine = output("list_services", false, json!({"services": []}));
    let check = check_secrets(NO_SECRET, &[&fine, &leaked]);
    assert!(!check.passed);
    assert_eq!(
        check.detail,
        "output 2 of 2 (authenticate error) holds a secret credential's value in some form"
    );
    assert!(check_secrets(NO_SECRET, &[&fine]).passed);
}

#[test]
fn a_trap_whose_text_echoes_the_canary_is_caught_beside_its_typed_error() {
    let typed = PluginError::internal("authenticate stopped inside the plugin");
    let trap = format!(
        "panicked at src/lib.rs:1: bad key {}",
        plugin_contract::encoding::base64(CANARY.as_bytes())
    );
    let (text, raw) = error_texts(&typed, Some(trap.clone()));
    assert_eq!(text, typed.to_json());
    assert_eq!(raw.as_deref(), Some(trap.as_str()));
    let leaked = Output {
        call: "authenticate",
        failed: true,
        text,
        raw,
    };
    assert!(!check_secrets(NO_SECRET, &[&leaked]).passed);
}
