//! Billable user counts per customer: the numbers an MSP's invoice depends on.
//!
//! `billable-users` comes from the customer list alone, so it costs one request for the whole
//! tenant. The per-platform services need one `/reports/users` request per customer, made only
//! when one of them is asked for. A count that cannot be read is never reported as 0: its
//! (account, service) pairs go to `failed_accounts` with the reason. The bookkeeping (every
//! requested pair once, an unlisted customer `not_found`, a failure that concerns the key or the
//! tenant ending the call, the contract's order) is the kit's `UsageBuilder::count_accounts`,
//! as in every plugin here; this module says how one customer is counted.

use plugin_contract::{FetchUsageInput, PluginError, Usage};
use vendor_kit::http::Http;
use vendor_kit::usage::{AccountUsage, UsageBuilder};

use crate::accounts::Tenant;
use crate::client::Client;
use crate::credentials::Config;
use crate::model::{Customer, User};
use crate::services::{Platform, BILLABLE_USERS};

/// Counts the requested services for the requested accounts as of `input.as_of`.
pub fn fetch_usage<H: Http>(http: &mut H, input: &FetchUsageInput) -> Result<Usage, PluginError> {
    let config = Config::from_credentials(&input.credentials)?;
    // The kit's builder checks as_of and service_ids before any request, then keeps the
    // contract: every requested pair once, an unlisted customer `not_found` (never 0), a
    // failure that concerns the key or the tenant ending the call, all sorted.
    let services: Vec<&str> = std::iter::once(BILLABLE_USERS)
        .chain(Platform::ALL.iter().map(|p| p.service_id()))
        .collect();
    let mut builder = UsageBuilder::new(input, &services)?;
    if let Some(ids) = &input.account_ids {
        check_account_ids(ids)?;
    }
    let wanted = Wanted::of(builder.service_ids());
    let mut client = Client::new(http, &config);
    let customers = client
        .customers()
        .map_err(|e| e.into_first_request_error(&config.api_root))?;

    let mut tenant = Tenant::of(&customers);
    builder.warn(std::mem::take(&mut tenant.warnings));
    let customers = tenant.customers().iter().map(|c| (c.id.as_str(), *c));
    builder.count_accounts(customers, unknown, |customer, usage| {
        count(&mut client, &wanted, customer, usage)
    })
}

/// Returns why an account asked for is not counted: SaaS Alerts does not list it.
fn unknown(account_id: &str) -> String {
    format!(
        "SaaS Alerts has no customer with id {account_id:?} (deleted, or never this partner's)."
    )
}

/// Counts the wanted services of `customer` into `usage`: billable users from the customer
/// list, the platforms from one `/reports/users` request, made only when one is wanted.
fn count<H: Http>(
    client: &mut Client<'_, H>,
    wanted: &Wanted,
    customer: &Customer,
    usage: &mut AccountUsage<'_>,
) -> Result<(), PluginError> {
    let billable = &customer.billable_count;
    if wanted.billable_users {
        match billable {
            Ok(quantity) => usage.record(BILLABLE_USERS, *quantity),
            Err(problem) => usage.fail(
                [BILLABLE_USERS],
                PluginError::vendor(format!(
                    "SaaS Alerts sent no usable billable count for customer {}: {problem}.",
                    customer.id
                )),
            ),
        }
    }
    if wanted.platforms.is_empty() {
        return Ok(());
    }
    // A failure fails the platforms of this customer only, unless it concerns the key or the
    // tenant: then the builder ends the call.
    let users = client
        .users(&customer.id)
        .map_err(|e| e.into_plugin_error())?;
    let tally = Tally::of(&users);
    for platform in &wanted.platforms {
        usage.record(
            platform.service_id(),
            tally.per_platform[*platform as usize],
        );
    }
    if let Ok(count) = billable {
        if tally.billable != *count {
            usage.warn(
                "platform_sum_mismatch",
                format!("Users flagged isBillable add up to {} but billingUsers.count is {count}; the invoice follows billingUsers.count.", tally.billable),
            );
        }
    }
    if tally.unflagged > 0 {
        usage.warn(
            "billable_flag_missing",
            format!(
                "{} users have no isBillable flag and were not counted on any platform.",
                tally.unflagged
            ),
        );
    }
    Ok(())
}

/// The most account ids one call takes; it bounds the memory a call's input and output need.
pub const MAX_ACCOUNT_IDS: usize = 100_000;

/// Refuses more account ids than one call takes, before any request.
///
/// Any id is accepted otherwise, whatever its characters or length (the call's input size is
/// bounded by the guest glue): an id the plugin listed always comes back usable, and one that
/// SaaS Alerts does not know is reported in `failed_accounts` as `not_found`, so one deleted
/// customer never stops a sync.
fn check_account_ids(ids: &[String]) -> Result<(), PluginError> {
    if ids.len() > MAX_ACCOUNT_IDS {
        return Err(PluginError::config(format!(
            "account_ids lists {} ids; one call takes at most {MAX_ACCOUNT_IDS}.",
            ids.len()
        )));
    }
    Ok(())
}

/// The services asked for, split by where their counts come from.
struct Wanted {
    billable_users: bool,
    platforms: Vec<Platform>,
}

impl Wanted {
    /// Splits `service_ids` (known ones, sorted) by where their counts come from.
    fn of(service_ids: &[String]) -> Wanted {
        Wanted {
            billable_users: service_ids.iter().any(|id| id == BILLABLE_USERS),
            platforms: service_ids
                .iter()
                .filter_map(|id| Platform::from_service_id(id))
                .collect(),
        }
    }
}

/// Billable users of one customer, per platform.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    /// Indexed by [`Platform`] (in the order of [`Platform::ALL`]).
    per_platform: [u64; Platform::ALL.len()],
    billable: u64,
    unflagged: u64,
}

impl Tally {
    fn of(users: &[User]) -> Tally {
        let mut tally = Tally::default();
        for user in users {
            match user.is_billable {
                Some(true) => {
                    tally.per_platform[user.platform as usize] += 1;
                    tally.billable += 1;
                }
                Some(false) => {}
                None => tally.unflagged += 1,
            }
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fake_saas_alerts;
    use plugin_contract::{Credentials, ErrorClass};

    const CUSTOMERS: &str = r#"[
        {"id":"c2","name":"Two","billingUsers":{"count":2}},
        {"id":"c1","name":"One","billingUsers":{"count":3}},
        {"id":"c3","name":"Three","status":"inactive","billingUsers":{"count":0}}
    ]"#;
    const USERS_C1: &str = r#"[
        {"isBillable":true,"product":{"type":"ms"}},
        {"isBillable":true,"product":{"type":"ms"}},
        {"isBillable":true,"product":{"name":"Google Workspace"}},
        {"isBillable":false,"product":{"type":"ms"}}
    ]"#;

    fn input(accounts: Option<&[&str]>, services: Option<&[&str]>) -> FetchUsageInput {
        let credentials: Credentials = [("api_key", "k"), ("api_url", "https://sa.example")]
            .into_iter()
            .collect();
        FetchUsageInput {
            credentials,
            as_of: "2026-11-01T00:00:00Z".into(),
            account_ids: accounts.map(|ids| ids.iter().map(|s| s.to_string()).collect()),
            service_ids: services.map(|ids| ids.iter().map(|s| s.to_string()).collect()),
        }
    }

    fn records(usage: &Usage) -> Vec<(&str, &str, u64)> {
        usage
            .records
            .iter()
            .map(|r| (r.account_id.as_str(), r.service_id.as_str(), r.quantity))
            .collect()
    }

    #[test]
    fn billable_users_alone_costs_one_request_for_every_customer() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, CUSTOMERS);
        let usage = fetch_usage(&mut http, &input(None, Some(&["billable-users"]))).unwrap();
        assert_eq!(http.sent.len(), 1);
        assert_eq!(
            records(&usage),
            [
                ("c1", "billable-users", 3),
                ("c2", "billable-users", 2),
                ("c3", "billable-users", 0)
            ]
        );
    }

    #[test]
    fn platform_services_state_zeros_explicitly() {
        let mut http = fake_saas_alerts()
            .answer("/reports/customers", 200, CUSTOMERS)
            .answer("/reports/users?customerId=c1", 200, USERS_C1);
        let services = [
            "billable-users.google-workspace",
            "billable-users.microsoft-365",
            "billable-users.slack",
        ];
        let usage = fetch_usage(&mut http, &input(Some(&["c1"]), Some(&services))).unwrap();
        assert_eq!(
            records(&usage),
            [
                ("c1", "billable-users.google-workspace", 1),
                ("c1", "billable-users.microsoft-365", 2),
                ("c1", "billable-users.slack", 0)
            ]
        );
        assert!(usage.warnings.is_empty(), "{:?}", usage.warnings);
    }

    #[test]
    fn disagreeing_platform_sum_is_a_warning_not_a_correction() {
        let mut http = fake_saas_alerts()
            .answer("/reports/customers", 200, CUSTOMERS)
            .answer("/reports/users?customerId=c2", 200, USERS_C1);
        let usage = fetch_usage(&mut http, &input(Some(&["c2"]), None)).unwrap();
        assert!(records(&usage).contains(&("c2", "billable-users", 2)));
        assert_eq!(usage.warnings[0].code, "platform_sum_mismatch");
    }

    #[test]
    fn unreadable_users_fail_that_account_only() {
        let mut http = fake_saas_alerts()
            .answer("/reports/customers", 200, CUSTOMERS)
            .answer("/reports/users?customerId=c1", 200, USERS_C1)
            .answer("/reports/users?customerId=c2", 500, "oops")
            .answer("/reports/users?customerId=c3", 200, "[]");
        let usage = fetch_usage(&mut http, &input(None, None)).unwrap();
        let failed = &usage.failed_accounts;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].account_id, "c2");
        assert_eq!(failed[0].error.class, ErrorClass::Transient);
        assert_eq!(failed[0].service_ids.len(), Platform::ALL.len());
        assert!(records(&usage).contains(&("c2", "billable-users", 2)));
        assert!(!usage
            .records
            .iter()
            .any(|r| r.account_id == "c2" && r.service_id != "billable-users"));
        assert!(records(&usage).contains(&("c3", "billable-users.microsoft-365", 0)));
    }

    #[test]
    fn a_web_page_for_one_customers_users_is_a_vendor_failure_of_that_account() {
        let mut http = fake_saas_alerts()
            .answer("/reports/customers", 200, CUSTOMERS)
            .answer(
                "/reports/users?customerId=c1",
                200,
                "<html>maintenance</html>",
            );
        let usage = fetch_usage(&mut http, &input(Some(&["c1"]), None)).unwrap();
        assert_eq!(usage.failed_accounts[0].error.class, ErrorClass::Vendor);
        assert_eq!(records(&usage), [("c1", "billable-users", 3)]);
    }

    #[test]
    fn every_requested_pair_is_a_record_or_a_failure() {
        let mut http = fake_saas_alerts()
            .answer("/reports/customers", 200, CUSTOMERS)
            .answer("/reports/users?customerId=c1", 200, USERS_C1)
            .answer("/reports/users?customerId=c2", 404, "{}");
        let accounts = ["c1", "c2", "gone"];
        let usage = fetch_usage(&mut http, &input(Some(&accounts), None)).unwrap();
        let services: Vec<String> = crate::services::catalog()
            .into_iter()
            .map(|s| s.id)
            .collect();
        let coverage = usage.check_coverage(&accounts, &services);
        assert_eq!(coverage.map(|c| c.pairs), Ok(3 * services.len()));
    }

    #[test]
    fn an_unknown_account_is_reported_not_zeroed() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, CUSTOMERS);
        let usage = fetch_usage(
            &mut http,
            &input(Some(&["gone"]), Some(&["billable-users"])),
        )
        .unwrap();
        assert!(usage.records.is_empty());
        assert_eq!(usage.failed_accounts[0].error.class, ErrorClass::NotFound);
    }

    #[test]
    fn a_missing_billing_count_fails_that_service_not_the_call() {
        let mut http = fake_saas_alerts().answer(
            "/reports/customers",
            200,
            r#"[{"id":"c1"},{"id":"c2","billingUsers":{"count":4}}]"#,
        );
        let usage = fetch_usage(&mut http, &input(None, Some(&["billable-users"]))).unwrap();
        assert_eq!(records(&usage), [("c2", "billable-users", 4)]);
        assert_eq!(usage.failed_accounts[0].account_id, "c1");
        assert_eq!(usage.failed_accounts[0].error.class, ErrorClass::Vendor);
    }

    #[test]
    fn one_error_per_account_no_longer_hides_retryable_pairs() {
        let mut http = fake_saas_alerts()
            .answer(
                "/reports/customers",
                200,
                r#"[{"id":"c1","billingUsers":{"count":"abc"}}]"#,
            )
            .answer("/reports/users?customerId=c1", 500, "oops");
        let usage = fetch_usage(&mut http, &input(None, None)).unwrap();
        let failed = &usage.failed_accounts[0];
        assert_eq!(failed.service_ids.len(), 7);
        assert_eq!(failed.error_of("billable-users").class, ErrorClass::Vendor);
        for platform in Platform::ALL {
            assert_eq!(
                failed.error_of(platform.service_id()).class,
                ErrorClass::Transient
            );
        }
        assert_eq!(
            failed.error.class,
            ErrorClass::Transient,
            "a 1.0 host retries"
        );
        assert_eq!(failed.failures.len(), 2);
    }

    #[test]
    fn a_rejected_key_mid_sync_fails_the_whole_call() {
        let mut http = fake_saas_alerts()
            .answer("/reports/customers", 200, CUSTOMERS)
            .answer("/reports/users?customerId=c1", 401, "{}");
        let error = fetch_usage(&mut http, &input(Some(&["c1"]), None)).unwrap_err();
        assert_eq!(error.class, ErrorClass::Auth);
    }

    #[test]
    fn unknown_service_ids_are_config_errors_before_any_request() {
        let mut http = fake_saas_alerts();
        let error =
            fetch_usage(&mut http, &input(None, Some(&["billable-users", "seats"]))).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("seats"));
        assert!(http.sent.is_empty());
    }

    #[test]
    fn ids_the_vendor_listed_are_accepted_back() {
        let long = "x".repeat(200);
        let customers = format!(
            r#"[{{"id":"a b","billingUsers":{{"count":1}}}},{{"id":"t\tab","billingUsers":{{"count":2}}}},{{"id":"{long}","billingUsers":{{"count":3}}}}]"#
        );
        let ids = ["a b", "t\tab", long.as_str(), ""];
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, &customers);
        let usage = fetch_usage(&mut http, &input(Some(&ids), Some(&["billable-users"]))).unwrap();
        let counted: Vec<u64> = usage.records.iter().map(|r| r.quantity).collect();
        assert_eq!(counted, [1, 2, 3]);
        assert_eq!(usage.failed_accounts.len(), 1, "the empty id is not found");
        assert_eq!(usage.failed_accounts[0].error.class, ErrorClass::NotFound);
    }

    #[test]
    fn exactly_as_many_account_ids_as_one_call_takes_are_counted() {
        let ids: Vec<String> = (0..MAX_ACCOUNT_IDS).map(|i| i.to_string()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, CUSTOMERS);
        let usage = fetch_usage(&mut http, &input(Some(&ids), Some(&["billable-users"]))).unwrap();
        assert_eq!(
            usage.failed_accounts.len(),
            MAX_ACCOUNT_IDS,
            "none is known"
        );
    }

    #[test]
    fn more_account_ids_than_one_call_takes_is_a_config_error_before_any_request() {
        let ids: Vec<String> = (0..=MAX_ACCOUNT_IDS).map(|i| i.to_string()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut http = fake_saas_alerts();
        let error = fetch_usage(&mut http, &input(Some(&ids), None)).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("100000"), "{}", error.message);
        assert!(http.sent.is_empty());
    }

    #[test]
    fn users_without_a_billable_flag_are_not_counted_and_are_warned_about() {
        let users: Vec<User> = serde_json::from_str(
            r#"[{"isBillable":true,"product":"ms"},{"product":"ms"},{"isBillable":null}]"#,
        )
        .unwrap();
        let tally = Tally::of(&users);
        assert_eq!((tally.billable, tally.unflagged), (1, 2));
    }

    #[test]
    fn an_as_of_outside_the_calendar_is_a_config_error() {
        for bad in ["2026-13-45T99:99:99Z", "2026-02-29T00:00:00Z", "yesterday"] {
            let mut http = fake_saas_alerts();
            let mut input = input(None, None);
            input.as_of = bad.into();
            let error = fetch_usage(&mut http, &input).unwrap_err();
            assert_eq!(error.class, ErrorClass::Config, "{bad}");
            assert!(error.message.contains("as_of"), "{}", error.message);
            assert!(http.sent.is_empty());
        }
    }
}
