//! The MSP's steps on every recorded scenario, through the real plugin and the real HTTP path:
//! `manifest.json` → harness → wasm → HTTP → replay server on 127.0.0.1. One snapshot per step.

mod support;

use host_harness::flow::run_seed;
use host_harness::runtime::pool::ConnectionPool;
use insta::assert_snapshot;
use plugin_contract::VendorPlugin;
use support::{Scenario, AS_OF, SECRET_KEY};

// ---- happy path: ten customers, active and inactive, several platforms ----

#[test]
fn happy_path_1_describe_credentials_asks_for_a_secret_key_and_a_url() {
    let mut s = Scenario::start("happy-path");
    let result = s.plugin.describe_credentials(&Default::default());
    assert_snapshot!(s.step(result));
}

#[test]
fn happy_path_2_authenticate_says_how_many_customers_the_key_sees() {
    let mut s = Scenario::start("happy-path");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn happy_path_3_list_accounts_keeps_inactive_customers_and_psa_refs() {
    let mut s = Scenario::start("happy-path");
    let result = s.plugin.list_accounts(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn happy_path_3_list_services_needs_no_vendor_request() {
    let mut s = Scenario::start("happy-path");
    let result = s.plugin.list_services(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn happy_path_4_fetch_usage_counts_every_pair_with_explicit_zeros() {
    let mut s = Scenario::start("happy-path");
    let result = s.plugin.fetch_usage(&s.usage_input(None, None));
    assert_snapshot!(s.step(result));
}

#[test]
fn happy_path_4_fetch_usage_of_billable_users_costs_one_request() {
    let mut s = Scenario::start("happy-path");
    let result = s
        .plugin
        .fetch_usage(&s.usage_input(None, Some(&["billable-users"])));
    assert_snapshot!(s.step(result));
}

#[test]
fn happy_path_4_fetch_usage_of_chosen_accounts_asks_only_for_them() {
    let mut s = Scenario::start("happy-path");
    let accounts = [
        "Wa9yNeEnT3rPr1s3sXyZ",
        "No9rThW1nD4tRaD3rS5x",
        "gone-customer-id",
    ];
    let services = [
        "billable-users.slack",
        "billable-users",
        "billable-users.other",
    ];
    let result = s
        .plugin
        .fetch_usage(&s.usage_input(Some(&accounts), Some(&services)));
    assert_snapshot!(s.step(result));
}

#[test]
fn happy_path_4_fetch_usage_twice_gives_the_same_bytes() {
    let mut s = Scenario::start("happy-path");
    let first = serde_json::to_string(&s.plugin.fetch_usage(&s.usage_input(None, None)).unwrap());
    let second = serde_json::to_string(&s.plugin.fetch_usage(&s.usage_input(None, None)).unwrap());
    assert_eq!(first.unwrap(), second.unwrap());
}

#[test]
fn happy_path_4_fetch_usage_sharded_over_four_instances_equals_one_call() {
    let mut s = Scenario::start("happy-path");
    let single = s
        .plugin
        .fetch_usage(&s.usage_input(None, None))
        .expect("counts");
    let instances = (0..4)
        .map(|_| {
            support::compiled_plugin()
                .instantiate()
                .expect("instantiates")
        })
        .collect();
    let input = s.usage_input(None, None);
    let mut pool = ConnectionPool::new(instances, input.credentials.clone());
    let sharded = pool.fetch_usage(&input).expect("counts");
    assert_eq!(single, sharded);
}

#[test]
fn happy_path_seed_flow_uses_every_recorded_exchange() {
    let mut s = Scenario::start("happy-path");
    let report = run_seed(&mut s.plugin, &s.credentials, AS_OF, None);
    assert!(report.failure.is_none());
    let served = s.replay.finish().expect("the replay went as recorded");
    assert_eq!(
        served.len(),
        1 + 1 + 1 + 10,
        "authenticate, accounts, usage, users per customer"
    );
    assert!(!report.text.contains(SECRET_KEY));
}

// ---- an empty tenant ----

#[test]
fn empty_tenant_authenticate_succeeds_with_no_customers() {
    let mut s = Scenario::start("empty-tenant");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn empty_tenant_list_accounts_is_empty() {
    let mut s = Scenario::start("empty-tenant");
    let result = s.plugin.list_accounts(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn empty_tenant_fetch_usage_has_no_records_and_no_failures() {
    let mut s = Scenario::start("empty-tenant");
    let result = s.plugin.fetch_usage(&s.usage_input(None, None));
    assert_snapshot!(s.step(result));
}

// ---- one customer's users cannot be read ----

#[test]
fn one_customer_unreadable_fetch_usage_lists_it_as_failed_and_counts_the_rest() {
    let mut s = Scenario::start("one-customer-unreadable");
    let result = s.plugin.fetch_usage(&s.usage_input(None, None));
    assert_snapshot!(s.step(result));
}

// ---- the first request fails: every error class the MSP can meet at Authenticate ----

#[test]
fn bad_key_401_authenticate_says_the_key_was_rejected() {
    let mut s = Scenario::start("bad-key-401");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn bad_key_401_fetch_usage_fails_the_whole_sync() {
    let mut s = Scenario::start("bad-key-401");
    let result = s.plugin.fetch_usage(&s.usage_input(None, None));
    assert_snapshot!(s.step(result));
}

#[test]
fn no_api_access_403_authenticate_says_to_enable_the_api() {
    let mut s = Scenario::start("no-api-access-403");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn wrong_path_404_authenticate_says_to_check_the_url() {
    let mut s = Scenario::start("wrong-path-404");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn rate_limited_429_authenticate_says_when_to_retry() {
    let mut s = Scenario::start("rate-limited-429");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn one_customer_connection_broken_fetch_usage_fails_only_that_customers_platforms() {
    let mut s = Scenario::start("one-customer-connection-broken");
    let result = s.plugin.fetch_usage(&s.usage_input(None, None));
    assert_snapshot!(s.step(result));
}

#[test]
fn redirect_off_host_authenticate_is_a_config_error_and_the_key_stays_home() {
    let mut s = Scenario::start("redirect-off-host");
    let result = s.plugin.authenticate(&s.input());
    assert!(
        s.replay.report().unmatched.is_empty(),
        "the redirect was followed"
    );
    assert_snapshot!(s.step(result));
}

#[test]
fn unavailable_503_authenticate_is_transient() {
    let mut s = Scenario::start("unavailable-503");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn malformed_json_list_accounts_is_a_vendor_error() {
    let mut s = Scenario::start("malformed-json");
    let result = s.plugin.list_accounts(&s.input());
    assert_snapshot!(s.step(result));
}

#[test]
fn html_200_authenticate_says_the_url_is_not_the_api() {
    let mut s = Scenario::start("html-200");
    let result = s.plugin.authenticate(&s.input());
    assert_snapshot!(s.step(result));
}
