//! The five calls on a fake Tally Cloud.

use plugin_contract::transport::TransportFailureKind;
use plugin_contract::{ErrorClass, FetchUsageInput, PluginError, Usage};
use vendor_kit::testing::FakeHttp;

use super::*;

/// The addresses the tests' credentials name.
const API: &str = "https://tally.example";
const TOKEN: &str = "https://login.tally.example/oauth/token";

fn credentials() -> Credentials {
    [
        ("client_id", "app-1"),
        ("client_secret", "s3cret-value"),
        ("api_url", API),
        ("token_url", TOKEN),
    ]
    .into_iter()
    .collect()
}

fn input() -> CredentialsInput {
    CredentialsInput::new(credentials())
}

fn usage_input(as_of: &str, account_ids: Option<&[&str]>) -> FetchUsageInput {
    FetchUsageInput {
        credentials: credentials(),
        as_of: as_of.to_owned(),
        account_ids: account_ids.map(|ids| ids.iter().map(|id| (*id).to_owned()).collect()),
        service_ids: None,
    }
}

fn page(content: &str, number: u32, total: u32) -> String {
    format!(
        r#"{{"content": [{content}], "page": {{"size": 200, "number": {number}, "totalPages": {total}}}}}"#
    )
}

fn subscriptions(company: &str) -> String {
    format!("/v1/subscriptions?page=0&size=200&companyId={company}")
}

/// A token, two pages of companies (c2 inactive), two products, and the subscriptions of c1
/// and c3 (c2 has none).
fn tally() -> FakeHttp {
    vendor_kit::oauth::forget_token();
    FakeHttp::at(API)
        .answer(
            "/v1/companies?page=0&size=200",
            200,
            page(r#"{"id": "c3", "name": " Cedar Dental ", "status": "Active"}, {"id": "c1", "name": "Alder LLP", "status": "Active"}"#, 0, 2),
        )
        .answer(
            "/v1/companies?page=1&size=200",
            200,
            page(r#"{"id": "c2", "name": "Birch Co", "status": "Inactive"}"#, 1, 2),
        )
        .answer(
            "/v1/products?page=0&size=200",
            200,
            page(r#"{"id": "p-m365", "name": "Microsoft 365 Business", "vendorName": "Microsoft", "unitOfMeasure": "User"}, {"id": "p-av", "name": "Antivirus"}"#, 0, 1),
        )
        .answer(
            &subscriptions("c1"),
            200,
            page(r#"{"productId": "p-m365", "quantity": 20, "status": "Active"}, {"productId": "p-m365", "quantity": 5, "status": "Active"}, {"productId": "p-av", "quantity": 9, "status": "Cancelled"}"#, 0, 1),
        )
        .answer(&subscriptions("c2"), 200, page("", 0, 1))
        .answer(
            &subscriptions("c3"),
            200,
            page(r#"{"productId": "p-av", "quantity": 12, "status": "Active"}"#, 0, 1),
        )
}

fn plugin() -> TallyCloud<FakeHttp> {
    let http = tally();
    let http = token_endpoint(
        http,
        200,
        r#"{"access_token": "tok-1", "token_type": "Bearer", "expires_in": 86400}"#,
    );
    TallyCloud::new(http)
}

/// Answers the token endpoint with `status` and `body`.
fn token_endpoint(http: FakeHttp, status: u16, body: &str) -> FakeHttp {
    http.answer_to("POST", TOKEN, status, body)
}

fn records(usage: &Usage) -> Vec<(&str, &str, u64)> {
    usage
        .records
        .iter()
        .map(|r| (r.account_id.as_str(), r.service_id.as_str(), r.quantity))
        .collect()
}

fn failed(usage: &Usage) -> Vec<(&str, ErrorClass)> {
    usage
        .failed_accounts
        .iter()
        .map(|f| (f.account_id.as_str(), f.error.class))
        .collect()
}

#[test]
fn the_client_is_posted_once_and_its_token_is_the_bearer_of_every_request() {
    let mut plugin = plugin();
    plugin.authenticate(&input()).unwrap();
    plugin.list_accounts(&input()).unwrap();
    let tokens = plugin.http.sent.iter().filter(|s| s.url == TOKEN).count();
    assert_eq!(tokens, 1, "one token for both calls of the instance");
    let form = String::from_utf8_lossy(&plugin.http.sent[0].body).into_owned();
    assert_eq!(
        form,
        "grant_type=client_credentials&client_id=app-1&client_secret=s3cret-value&audience=api%3A%2F%2Ftally-cloud"
    );
    for sent in plugin.http.sent.iter().filter(|s| s.url != TOKEN) {
        assert_eq!(
            sent.header("authorization"),
            Some("Bearer tok-1"),
            "{}",
            sent.url
        );
        assert!(!sent.url.contains("tok-1") && !sent.url.contains("s3cret"));
    }
}

#[test]
fn every_page_of_companies_is_followed_and_they_come_back_sorted_inactive_ones_included() {
    let list = plugin().list_accounts(&input()).unwrap();
    let accounts: Vec<(&str, &str, &str)> = list
        .accounts
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str(), a.status.as_str()))
        .collect();
    assert_eq!(
        accounts,
        [
            ("c1", "Alder LLP", "active"),
            ("c2", "Birch Co", "inactive"),
            ("c3", "Cedar Dental", "active")
        ]
    );
}

#[test]
fn a_company_listed_twice_keeps_its_last_entry_and_is_warned_about() {
    let http = tally().answer(
        "/v1/companies?page=1&size=200",
        200,
        page(r#"{"id": "c2", "name": "Birch Co", "status": "Inactive"}, {"id": "c1", "name": "Alder LLP (renamed)", "status": "Active"}"#, 1, 2),
    );
    let http = token_endpoint(
        http,
        200,
        r#"{"access_token": "tok-1", "token_type": "Bearer", "expires_in": 86400}"#,
    );
    let list = TallyCloud::new(http).list_accounts(&input()).unwrap();
    let names: Vec<&str> = list.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Alder LLP (renamed)", "Birch Co", "Cedar Dental"]);
    let warned: Vec<(&str, Option<&str>)> = list
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.account_id.as_deref()))
        .collect();
    assert_eq!(warned, [("duplicate_company_id", Some("c1"))]);
}

#[test]
fn products_are_the_services_by_id() {
    let services = plugin().list_services(&input()).unwrap().services;
    let ids: Vec<(&str, &str, &str)> = services
        .iter()
        .map(|s| (s.id.as_str(), s.subcategory.as_str(), s.unit.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("p-av", "other", "license"),
            ("p-m365", "Microsoft", "user")
        ]
    );
}

#[test]
fn usage_sums_the_active_subscriptions_of_each_company_zeros_stated() {
    let usage = plugin()
        .fetch_usage(&usage_input("2026-03-01T00:00:00Z", None))
        .unwrap();
    assert_eq!(
        records(&usage),
        [
            ("c1", "p-av", 0),
            ("c1", "p-m365", 25),
            ("c2", "p-av", 0),
            ("c2", "p-m365", 0),
            ("c3", "p-av", 12),
            ("c3", "p-m365", 0)
        ]
    );
    assert_eq!(usage.as_of, "2026-03-01T00:00:00Z");
}

#[test]
fn one_companys_failure_fails_its_pairs_only_never_a_zero() {
    let http = plugin().http.answer(&subscriptions("c3"), 503, "");
    let usage = TallyCloud::new(http)
        .fetch_usage(&usage_input("2026-03-01T00:00:00Z", None))
        .unwrap();
    assert_eq!(failed(&usage), [("c3", ErrorClass::Transient)]);
    assert!(records(&usage)
        .iter()
        .all(|(account, _, _)| *account != "c3"));
    assert_eq!(records(&usage).len(), 4);

    let http = plugin()
        .http
        .fail(&subscriptions("c1"), TransportFailureKind::Timeout);
    let usage = TallyCloud::new(http)
        .fetch_usage(&usage_input("2026-03-01T00:00:00Z", None))
        .unwrap();
    assert_eq!(failed(&usage), [("c1", ErrorClass::Transient)]);

    let http = plugin().http.answer(
        &subscriptions("c1"),
        200,
        page(
            r#"{"productId": "p-av", "quantity": -1, "status": "Active"}"#,
            0,
            1,
        ),
    );
    let usage = TallyCloud::new(http)
        .fetch_usage(&usage_input("2026-03-01T00:00:00Z", None))
        .unwrap();
    assert_eq!(failed(&usage), [("c1", ErrorClass::Vendor)]);
}

#[test]
fn a_failure_of_the_credentials_fails_the_whole_call() {
    for (status, class) in [
        (401, ErrorClass::Auth),
        (403, ErrorClass::Permission),
        (429, ErrorClass::RateLimited),
    ] {
        let http = plugin().http.answer(&subscriptions("c1"), status, "{}");
        let error = TallyCloud::new(http)
            .fetch_usage(&usage_input("2026-03-01T00:00:00Z", None))
            .unwrap_err();
        assert_eq!((error.class, error.http_status), (class, Some(status)));
        assert_eq!(error.retry_after_s, None, "the host fills in Retry-After");
    }
}

#[test]
fn an_unknown_company_is_not_found_and_asked_for_nothing() {
    let mut plugin = plugin();
    let usage = plugin
        .fetch_usage(&usage_input("2026-03-01T00:00:00Z", Some(&["gone"])))
        .unwrap();
    assert!(usage.records.is_empty());
    assert_eq!(failed(&usage), [("gone", ErrorClass::NotFound)]);
    assert!(plugin
        .http
        .sent
        .iter()
        .all(|s| !s.url.contains("subscriptions")));
}

#[test]
fn an_as_of_that_is_not_an_instant_or_an_unknown_service_is_config_before_any_request() {
    let mut plugin = plugin();
    let error = plugin
        .fetch_usage(&usage_input("yesterday", None))
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Config);
    assert!(plugin.http.sent.is_empty());
    let input = FetchUsageInput {
        service_ids: Some(vec!["p-none".to_owned()]),
        ..usage_input("2026-03-01T00:00:00Z", None)
    };
    assert_eq!(
        plugin.fetch_usage(&input).unwrap_err().class,
        ErrorClass::Config
    );
}

#[test]
fn refused_client_credentials_are_auth_and_never_quote_the_secret() {
    let http = token_endpoint(tally(), 401, r#"{"error": "invalid_client"}"#);
    let error: PluginError = TallyCloud::new(http).authenticate(&input()).unwrap_err();
    assert_eq!(
        (error.class, error.http_status),
        (ErrorClass::Auth, Some(401))
    );
    assert!(error.message.contains("Client Secret"), "{}", error.message);
    assert!(!error.message.contains("s3cret"));
    let http = token_endpoint(tally(), 400, r#"{"error": "unauthorized_client"}"#);
    assert_eq!(
        TallyCloud::new(http)
            .authenticate(&input())
            .unwrap_err()
            .class,
        ErrorClass::Permission
    );
}

#[test]
fn a_wrong_api_url_shows_on_the_first_api_request_as_config() {
    let http = plugin()
        .http
        .answer("/v1/companies?page=0&size=200", 404, "Not Found");
    assert_eq!(
        TallyCloud::new(http)
            .list_accounts(&input())
            .unwrap_err()
            .class,
        ErrorClass::Config
    );
    let http = plugin()
        .http
        .answer("/v1/companies?page=1&size=200", 404, "{}");
    assert_eq!(
        TallyCloud::new(http)
            .list_accounts(&input())
            .unwrap_err()
            .class,
        ErrorClass::NotFound
    );
}

#[test]
fn credentials_are_checked_before_any_request() {
    let mut plugin = plugin();
    for (field, value) in [
        ("client_id", ""),
        ("client_secret", " "),
        ("client_secret", "a\nb"),
        ("api_url", "http://tally.example"),
        ("token_url", "https://u:p@login.example/t"),
    ] {
        let mut credentials = credentials();
        credentials.insert(field, value);
        let error = plugin
            .authenticate(&CredentialsInput::new(credentials))
            .unwrap_err();
        assert_eq!(error.class, ErrorClass::Config, "{field}={value:?}");
        assert!(error.message.contains(field), "{}", error.message);
    }
    assert!(plugin.http.sent.is_empty());
}
