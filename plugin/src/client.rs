//! The SaaS Alerts endpoints the plugin calls, and how their answers are classified.
//!
//! Two endpoints carry everything billing needs: `GET /reports/customers` (every customer with
//! its `billingUsers.count`, one request for the whole tenant) and
//! `GET /reports/users?customerId=…` (one customer's accounts with their `isBillable` flag).

use plugin_contract::transport::TransportFailure;
use plugin_contract::{ErrorClass, PluginError};
use vendor_kit::entries::{self, Broken, List};
use vendor_kit::http::{Http, HttpResponse};
use vendor_kit::page;
use vendor_kit::status::{self, Request};

use crate::credentials::{Config, API_KEY_HELP, DEFAULT_API_URL};
use crate::model::{read_customers, read_users, CustomerList, User, MAX_CUSTOMERS};

/// A SaaS Alerts API client over the host's HTTP.
pub struct Client<'a, H: Http> {
    http: &'a mut H,
    config: &'a Config,
}

/// Why a SaaS Alerts request gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request never got a response.
    #[error("{endpoint}: no response ({})", .failure.message)]
    Transport {
        endpoint: String,
        failure: TransportFailure,
    },
    /// The server answered with a status that is not 200.
    #[error("{endpoint}: HTTP {status}")]
    Status { endpoint: String, status: u16 },
    /// The server answered 200 with a web page instead of JSON.
    #[error("{endpoint}: HTTP 200 with a web page instead of JSON")]
    WebPage { endpoint: String },
    /// The body is not the JSON expected.
    #[error("{endpoint}: {problem}")]
    Unreadable { endpoint: String, problem: String },
}

impl<'a, H: Http> Client<'a, H> {
    /// Creates a client that sends requests through `http` with `config`'s key.
    pub fn new(http: &'a mut H, config: &'a Config) -> Self {
        Client { http, config }
    }

    /// Lists every customer of the partner (`GET /reports/customers`, not paginated).
    pub fn customers(&mut self) -> Result<CustomerList, ApiError> {
        let path = "/reports/customers";
        let list = self.get_list(path, "a list of customers", read_customers)?;
        if list.beyond_cap {
            return Err(ApiError::Unreadable {
                endpoint: format!("GET {path}"),
                problem: format!("it lists more than {MAX_CUSTOMERS} customers, the most the plugin reads from one response so that a call stays within the manifest's memory_max_pages"),
            });
        }
        Ok(list)
    }

    /// Lists the user accounts of one customer (`GET /reports/users?customerId=…`).
    pub fn users(&mut self, customer_id: &str) -> Result<Vec<User>, ApiError> {
        let path = format!(
            "/reports/users?customerId={}",
            vendor_kit::percent_encode(customer_id)
        );
        self.get_list(&path, "a list of users", read_users)
    }

    /// GETs `path` and reads the list it answers with `read`, entry by entry.
    fn get_list<T>(
        &mut self,
        path: &str,
        expected: &str,
        read: fn(List<'_>) -> Result<T, Broken>,
    ) -> Result<T, ApiError> {
        let (endpoint, response) = self.get(path)?;
        let body = list_body(&endpoint, &response)?;
        entries::read_list(body, expected, read).map_err(|e| unreadable(endpoint, &e))
    }

    /// GETs `path` with the key; returns the endpoint as messages name it, and the response.
    /// Apart from [`Client::get_list`], so that each kind of list costs the wasm only its
    /// reader.
    fn get(&mut self, path: &str) -> Result<(String, HttpResponse), ApiError> {
        let endpoint = format!("GET {path}");
        let url = format!("{}{path}", self.config.api_root);
        let headers = [
            ("api_key", self.config.api_key.as_str()),
            ("accept", "application/json"),
        ];
        match self.http.get(&url, &headers) {
            Ok(response) => Ok((endpoint, response)),
            Err(e) => Err(ApiError::Transport {
                endpoint,
                failure: e.0,
            }),
        }
    }
}

/// Returns the body of a response that may hold a list: a 200 that is no web page.
///
/// Only the list's own structure can make the whole response unreadable (see
/// [`entries::read_list`]); what is wrong inside one entry is for the reader to report about
/// that entry. The plugin reads no header, not even the type: a web page is told by its first
/// character.
fn list_body<'r>(endpoint: &str, response: &'r HttpResponse) -> Result<&'r [u8], ApiError> {
    if response.status != 200 {
        return Err(ApiError::Status {
            endpoint: endpoint.to_owned(),
            status: response.status,
        });
    }
    if page::is_web_page(&response.body) {
        return Err(ApiError::WebPage {
            endpoint: endpoint.to_owned(),
        });
    }
    Ok(&response.body)
}

/// Returns the error of a response whose list cannot be read.
fn unreadable(endpoint: String, error: &entries::NotAList) -> ApiError {
    ApiError::Unreadable {
        endpoint,
        problem: error.to_string(),
    }
}

impl ApiError {
    /// Returns the failure's error class on `request` of a call (see [`vendor_kit::status`]).
    pub fn class(&self, request: Request) -> ErrorClass {
        match self {
            ApiError::Transport { failure, .. } => failure.kind.class(),
            ApiError::Status { status, .. } => status::class_of(*status, request),
            ApiError::WebPage { .. } => status::web_page_class(request),
            ApiError::Unreadable { .. } => ErrorClass::Vendor,
        }
    }

    /// Turns the failure of the first request of a call into the error the MSP sees.
    ///
    /// The first request is where a wrong URL shows: there a redirect, a 404 or a web page
    /// means the URL points somewhere other than the SaaS Alerts API, so all are `config` errors.
    pub fn into_first_request_error(self, api_root: &str) -> PluginError {
        let class = self.class(Request::First);
        let check_url = format!(
            "Check the API URL (the default is {DEFAULT_API_URL}); requests went to {api_root}."
        );
        match self {
            ApiError::Status { endpoint, status } if class == ErrorClass::Config => {
                let answered = if (300..=399).contains(&status) {
                    format!("answered with a redirect (HTTP {status}), which is not followed so that the key stays with this host")
                } else {
                    format!("answered HTTP {status}")
                };
                PluginError::new(
                    class,
                    format!("There is no SaaS Alerts API here: {endpoint} {answered}. {check_url}"),
                )
                .with_http_status(status)
            }
            ApiError::WebPage { endpoint } if class == ErrorClass::Config => PluginError::new(
                class,
                format!("There is no SaaS Alerts API here: {endpoint} answered with a web page, not JSON. {check_url}"),
            )
            .with_http_status(200),
            other => other.into_plugin_error(),
        }
    }

    /// Turns the failure into the typed error of the contract.
    pub fn into_plugin_error(self) -> PluginError {
        let class = self.class(Request::Later);
        match self {
            ApiError::Transport { endpoint, failure } => {
                let advice = match class {
                    ErrorClass::Transient => " Try again later.",
                    ErrorClass::Config => " Check the API URL, or add its host to the manifest's allowed_hosts.",
                    _ => "",
                };
                PluginError::new(
                    class,
                    format!("SaaS Alerts could not be reached ({endpoint}): {}.{advice}", failure.message.trim_end_matches('.')),
                )
            }
            ApiError::Status { endpoint, status } => {
                let advice = match class {
                    ErrorClass::Auth => format!("SaaS Alerts rejected the API key. Copy it again from {API_KEY_HELP}."),
                    ErrorClass::Permission => "SaaS Alerts refused this key access to the API. If the key was copied whole, ask SaaS Alerts support to enable the REST API for your partner account.".to_owned(),
                    ErrorClass::NotFound => "SaaS Alerts does not know what was asked for.".to_owned(),
                    ErrorClass::RateLimited => "SaaS Alerts is rate limiting this key; try again later.".to_owned(),
                    ErrorClass::Transient => "SaaS Alerts is failing or unavailable; try again later.".to_owned(),
                    _ if (300..=399).contains(&status) => "SaaS Alerts redirected the request; redirects are not followed, so that the key stays with this host.".to_owned(),
                    _ => "SaaS Alerts answered with an unexpected status.".to_owned(),
                };
                // `retry_after_s` is the host's to fill in: it saw the `Retry-After` header.
                PluginError::new(class, format!("{advice} ({endpoint} answered HTTP {status}.)"))
                    .with_http_status(status)
            }
            ApiError::WebPage { endpoint } => PluginError::new(
                class,
                format!("SaaS Alerts answered {endpoint} with a web page instead of JSON."),
            )
            .with_http_status(200),
            ApiError::Unreadable { endpoint, problem } => PluginError::new(
                class,
                format!("SaaS Alerts answered {endpoint} with something the plugin cannot read: {problem}."),
            )
            .with_http_status(200),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fake_saas_alerts;
    use plugin_contract::transport::TransportFailureKind;

    fn config() -> Config {
        Config {
            api_key: "key-123".into(),
            api_root: "https://sa.example/reportApi/api/v1".into(),
        }
    }

    #[test]
    fn requests_carry_the_key_in_the_api_key_header() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, "[]");
        let config = config();
        Client::new(&mut http, &config).customers().unwrap();
        let sent = &http.sent[0];
        assert_eq!(
            sent.url,
            "https://sa.example/reportApi/api/v1/reports/customers"
        );
        assert!(sent.headers.contains(&("api_key".into(), "key-123".into())));
    }

    #[test]
    fn customer_ids_are_percent_encoded_in_the_query() {
        let mut http = fake_saas_alerts().answer("/reports/users?customerId=a%26b%20c", 200, "[]");
        let config = config();
        Client::new(&mut http, &config).users("a&b c").unwrap();
    }

    #[test]
    fn statuses_map_to_error_classes() {
        for (status, class) in [
            (401, ErrorClass::Auth),
            (403, ErrorClass::Permission),
            (404, ErrorClass::NotFound),
            (429, ErrorClass::RateLimited),
            (500, ErrorClass::Transient),
            (503, ErrorClass::Transient),
            (418, ErrorClass::Vendor),
        ] {
            let mut http = fake_saas_alerts().answer("/reports/customers", status, "{}");
            let config = config();
            let error = Client::new(&mut http, &config).customers().unwrap_err();
            let error = error.into_plugin_error();
            assert_eq!((error.class, error.http_status), (class, Some(status)));
        }
    }

    #[test]
    fn a_429_is_rate_limited_and_leaves_the_wait_to_the_host() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 429, "{}");
        let config = config();
        let error = Client::new(&mut http, &config).customers().unwrap_err();
        let error = error.into_plugin_error();
        assert_eq!(
            (error.class, error.http_status, error.retry_after_s),
            (ErrorClass::RateLimited, Some(429), None)
        );
    }

    #[test]
    fn a_web_page_on_the_first_request_points_at_the_url() {
        let mut http =
            fake_saas_alerts().answer("/reports/customers", 200, "<!DOCTYPE html><p>Hi</p>");
        let config = config();
        let error = Client::new(&mut http, &config).customers().unwrap_err();
        let error = error.into_first_request_error(&config.api_root);
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("Check the API URL"));
    }

    #[test]
    fn malformed_json_is_a_vendor_error() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, r#"[{"id":"a","na"#);
        let config = config();
        let error = Client::new(&mut http, &config).customers().unwrap_err();
        let error = error.into_first_request_error(&config.api_root);
        assert_eq!(error.class, ErrorClass::Vendor);
        assert!(
            error.message.contains("not valid JSON"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_object_instead_of_a_list_is_a_vendor_error() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, r#"{"id":"a"}"#);
        let config = config();
        let error = Client::new(&mut http, &config).customers().unwrap_err();
        assert!(error
            .into_plugin_error()
            .message
            .contains("not a list of customers"));
    }

    #[test]
    fn empty_and_non_utf8_bodies_are_vendor_errors() {
        for body in [&b""[..], b"  \n", b"[\xff\xfe]", b"\xff[]", b"\xef\xbb\xbf"] {
            let mut http = fake_saas_alerts().answer("/reports/customers", 200, body);
            let config = config();
            let error = Client::new(&mut http, &config).customers().unwrap_err();
            assert_eq!(
                error.into_plugin_error().class,
                ErrorClass::Vendor,
                "{body:?}"
            );
        }
    }

    #[test]
    fn non_utf8_text_inside_an_entry_is_that_entrys_problem() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, b"[\"\xff\"]");
        let config = config();
        let list = Client::new(&mut http, &config).customers().unwrap();
        assert_eq!(
            list.problems,
            ["entry 0: text instead of a customer object"]
        );
    }

    #[test]
    fn a_broken_list_structure_is_a_vendor_error_naming_where() {
        for (body, at) in [
            (&br#"[{"id":"a"} {"id":"b"}]"#[..], "column 13"),
            (br#"[{"id":"a"},{"id":"b"}] x"#, "column 25"),
            (br#"[{"id":"a"},,{"id":"b"}]"#, "column 13"),
            (br#"[{"id":"a"},{"id":"b"#, "column 20"),
        ] {
            let mut http = fake_saas_alerts().answer("/reports/customers", 200, body);
            let config = config();
            let error = Client::new(&mut http, &config).customers().unwrap_err();
            let message = error.into_plugin_error().message;
            assert!(message.contains("not valid JSON"), "{message}");
            assert!(message.contains(at), "{message}");
        }
    }

    #[test]
    fn other_json_than_a_list_is_named() {
        for (body, kind) in [
            (&b"\"x\""[..], "text"),
            (b" null ", "null"),
            (b"\xef\xbb\xbf 12", "a number"),
            (br#"{"a": 1e309, "b": [[[[[]]]]]}"#, "an object"),
        ] {
            let mut http = fake_saas_alerts().answer("/reports/users?customerId=c", 200, body);
            let config = config();
            let error = Client::new(&mut http, &config).users("c").unwrap_err();
            let message = error.into_plugin_error().message;
            assert!(
                message.contains(&format!("is {kind}, not a list of users")),
                "{message}"
            );
        }
    }

    #[test]
    fn a_web_page_after_a_byte_order_mark_is_still_a_web_page() {
        let mut http =
            fake_saas_alerts().answer("/reports/customers", 200, b"\xef\xbb\xbf\n<html>");
        let config = config();
        let error = Client::new(&mut http, &config).customers().unwrap_err();
        assert!(matches!(error, ApiError::WebPage { .. }), "{error:?}");
    }

    #[test]
    fn a_byte_order_mark_is_harmless() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 200, b"\xef\xbb\xbf[]");
        let config = config();
        assert!(Client::new(&mut http, &config).customers().is_ok());
    }

    #[test]
    fn a_redirect_is_never_followed_and_says_so() {
        let mut http = fake_saas_alerts().answer("/reports/customers", 302, "");
        let config = config();
        let error = Client::new(&mut http, &config).customers().unwrap_err();
        let error = error.into_first_request_error(&config.api_root);
        assert_eq!(
            (error.class, error.http_status),
            (ErrorClass::Config, Some(302))
        );
        assert!(
            error.message.contains("redirect (HTTP 302)"),
            "{}",
            error.message
        );
        assert_eq!(http.sent.len(), 1);
    }

    #[test]
    fn transport_failures_take_the_class_of_their_kind_and_say_what_to_do() {
        for (kind, class, advice) in [
            (
                TransportFailureKind::Connection,
                ErrorClass::Transient,
                "Try again later.",
            ),
            (
                TransportFailureKind::Timeout,
                ErrorClass::Transient,
                "Try again later.",
            ),
            (
                TransportFailureKind::HostNotAllowed,
                ErrorClass::Config,
                "allowed_hosts",
            ),
            (
                TransportFailureKind::TooLarge,
                ErrorClass::Vendor,
                "too big",
            ),
        ] {
            let failure = ApiError::Transport {
                endpoint: "GET /x".into(),
                failure: TransportFailure {
                    kind,
                    message: "too big.".into(),
                },
            };
            let error = failure.into_plugin_error();
            let stops = status::stops_the_whole_call(error.class);
            assert_eq!(error.class, class, "{kind:?}");
            assert!(error.message.contains(advice), "{}", error.message);
            assert!(!error.message.contains(".."), "{}", error.message);
            assert_eq!(stops, kind == TransportFailureKind::HostNotAllowed);
        }
    }

    #[test]
    fn a_redirect_after_the_first_request_is_a_vendor_error() {
        let error = ApiError::Status {
            endpoint: "GET /x".into(),
            status: 307,
        }
        .into_plugin_error();
        assert_eq!(
            (error.class, error.http_status),
            (ErrorClass::Vendor, Some(307))
        );
        assert!(error.message.contains("not followed"), "{}", error.message);
    }

    #[test]
    fn only_key_and_tenant_failures_stop_the_whole_call() {
        let stops = |code| {
            let error = ApiError::Status {
                endpoint: "GET /x".into(),
                status: code,
            };
            status::stops_the_whole_call(error.into_plugin_error().class)
        };
        assert!(stops(401));
        assert!(stops(429));
        assert!(!stops(500));
        assert!(!stops(404));
    }

    /// The whole plugin over one customers body (and user lists), as a host would call it.
    mod end_to_end {
        use plugin_contract::{
            AccountList, Credentials, CredentialsInput, FetchUsageInput, Usage, VendorPlugin,
        };

        use crate::model::MAX_CUSTOMERS;
        use crate::testing::{fake_saas_alerts, FakeHttp};
        use crate::SaasAlerts;

        fn credentials() -> Credentials {
            [("api_key", "k"), ("api_url", "https://sa.example")]
                .into_iter()
                .collect()
        }

        fn accounts(customers: &[u8]) -> AccountList {
            let http = fake_saas_alerts().answer("/reports/customers", 200, customers);
            let input = CredentialsInput::new(credentials());
            SaasAlerts::new(http).list_accounts(&input).unwrap()
        }

        fn usage(http: FakeHttp, accounts: Option<&[&str]>, services: Option<&[&str]>) -> Usage {
            let input = FetchUsageInput {
                credentials: credentials(),
                as_of: "2026-11-01T00:00:00Z".into(),
                account_ids: accounts.map(|ids| ids.iter().map(|s| s.to_string()).collect()),
                service_ids: services.map(|ids| ids.iter().map(|s| s.to_string()).collect()),
            };
            SaasAlerts::new(http).fetch_usage(&input).unwrap()
        }

        fn billable_users(customers: &[u8]) -> Usage {
            let http = fake_saas_alerts().answer("/reports/customers", 200, customers);
            usage(http, None, Some(&["billable-users"]))
        }

        fn ids_and_names(list: &AccountList) -> Vec<(&str, &str)> {
            list.accounts
                .iter()
                .map(|a| (a.id.as_str(), a.name.as_str()))
                .collect()
        }

        fn counted(usage: &Usage) -> Vec<(&str, u64)> {
            usage
                .records
                .iter()
                .map(|r| (r.account_id.as_str(), r.quantity))
                .collect()
        }

        /// Customers `a`, `b` and `c` with counts 1, 2, 3, `b`'s entry carrying `odd` as its name.
        fn with_odd_name(odd: &[u8]) -> Vec<u8> {
            let mut body =
                br#"[{"id":"a","name":"A","billingUsers":{"count":1}},{"id":"b","name":"#.to_vec();
            body.extend_from_slice(odd);
            body.extend_from_slice(
                br#","billingUsers":{"count":2}},{"id":"c","name":"C","billingUsers":{"count":3}}]"#,
            );
            body
        }

        #[test]
        fn a_number_out_of_range_in_one_customer_leaves_the_others_readable() {
            let body = br#"[{"id":"a","name":"A","billingUsers":{"count":1}},
                {"id":"b","name":"B","products":[{"name":"Microsoft","score":1e309}],"billingUsers":{"count":2}},
                {"id":"c","name":"C","billingUsers":{"count":1e309}}]"#;
            let list = accounts(body);
            assert_eq!(ids_and_names(&list), [("a", "A"), ("b", "B"), ("c", "C")]);
            assert!(list.warnings.is_empty(), "{:?}", list.warnings);
            let usage = billable_users(body);
            assert_eq!(counted(&usage), [("a", 1), ("b", 2)]);
            let failed = &usage.failed_accounts;
            assert_eq!(failed.len(), 1);
            assert_eq!(
                (failed[0].account_id.as_str(), failed[0].error.class),
                ("c", plugin_contract::ErrorClass::Vendor)
            );
            assert!(
                failed[0]
                    .error
                    .message
                    .contains("billingUsers.count cannot be read: number out of range"),
                "{}",
                failed[0].error.message
            );
        }

        #[test]
        fn invalid_utf8_in_one_name_leaves_the_others_readable() {
            let body = with_odd_name(b"\"Caf\xe9 \xff\xfe\"");
            let list = accounts(&body);
            assert_eq!(
                ids_and_names(&list),
                [
                    ("a", "A"),
                    ("b", "(unnamed SaaS Alerts customer b)"),
                    ("c", "C")
                ]
            );
            let codes: Vec<_> = list.warnings.iter().map(|w| w.code.as_str()).collect();
            assert_eq!(codes, ["customer_without_name"]);
            assert_eq!(
                counted(&billable_users(&body)),
                [("a", 1), ("b", 2), ("c", 3)]
            );
        }

        #[test]
        fn a_100000_deep_name_leaves_the_others_readable() {
            for deep in [
                format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
                format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000)),
            ] {
                let body = with_odd_name(deep.as_bytes());
                let list = accounts(&body);
                assert_eq!(
                    ids_and_names(&list),
                    [
                        ("a", "A"),
                        ("b", "(unnamed SaaS Alerts customer b)"),
                        ("c", "C")
                    ]
                );
                assert_eq!(
                    counted(&billable_users(&body)),
                    [("a", 1), ("b", 2), ("c", 3)]
                );
            }
        }

        #[test]
        fn a_duplicate_count_with_different_values_fails_that_pair() {
            let body = br#"[{"id":"a","billingUsers":{"count":3,"count":4}},
                {"id":"b","billingUsers":{"count":5},"billingUsers":{"count":6}},
                {"id":"c","billingUsers":{"count":7,"count":7}}]"#;
            let usage = billable_users(body);
            assert_eq!(counted(&usage), [("c", 7)]);
            let failed: Vec<_> = usage
                .failed_accounts
                .iter()
                .map(|f| {
                    (
                        f.account_id.as_str(),
                        f.error.class,
                        f.error.message.as_str(),
                    )
                })
                .collect();
            assert_eq!(failed.len(), 2);
            assert_eq!(
                (failed[0].0, failed[0].1),
                ("a", plugin_contract::ErrorClass::Vendor)
            );
            assert!(
                failed[0]
                    .2
                    .contains("billingUsers.count appears twice with different values"),
                "{}",
                failed[0].2
            );
            assert_eq!(
                (failed[1].0, failed[1].1),
                ("b", plugin_contract::ErrorClass::Vendor)
            );
            assert!(
                failed[1]
                    .2
                    .contains("billingUsers appears twice with different values"),
                "{}",
                failed[1].2
            );
        }

        #[test]
        fn a_count_above_the_plausibility_bound_is_refused_naming_it() {
            let body = br#"[{"id":"a","billingUsers":{"count":18446744073709551615}},
                {"id":"b","billingUsers":{"count":10000000}}]"#;
            let usage = billable_users(body);
            assert_eq!(counted(&usage), [("b", 10_000_000)]);
            let failed = &usage.failed_accounts[0];
            assert_eq!(
                (failed.account_id.as_str(), failed.error.class),
                ("a", plugin_contract::ErrorClass::Vendor)
            );
            assert!(
                failed.error.message.contains("billingUsers.count is 18446744073709551615, above the 10,000,000 users the plugin accepts as plausible"),
                "{}",
                failed.error.message
            );
        }

        #[test]
        fn more_customers_than_the_cap_is_a_vendor_error_naming_it() {
            let entry = r#"{"id":"c","billingUsers":{"count":1}}"#;
            let at_cap = format!("[{}]", vec![entry; MAX_CUSTOMERS].join(","));
            let at_cap = accounts(at_cap.as_bytes());
            assert_eq!(at_cap.accounts.len(), 1, "one id, listed 250,000 times");
            let over = format!("[{}]", vec![entry; MAX_CUSTOMERS + 1].join(","));
            let http = fake_saas_alerts().answer("/reports/customers", 200, over.as_bytes());
            let input = CredentialsInput::new(credentials());
            let error = SaasAlerts::new(http).list_accounts(&input).unwrap_err();
            assert_eq!(error.class, plugin_contract::ErrorClass::Vendor);
            assert!(
                error.message.contains("more than 250000 customers"),
                "{}",
                error.message
            );
        }

        #[test]
        fn vendor_ids_are_kept_exactly_as_sent() {
            let body = br#"[{"id":" a b ","billingUsers":{"count":1}},{"id":42,"billingUsers":{"count":2}},
                {"id":"x\t","billingUsers":{"count":3}},{"id":"  ","billingUsers":{"count":4}}]"#;
            let list = accounts(body);
            let ids: Vec<_> = list.accounts.iter().map(|a| a.id.as_str()).collect();
            assert_eq!(ids, [" a b ", "42", "x\t"]);
            let codes: Vec<_> = list
                .warnings
                .iter()
                .map(|w| w.code.as_str())
                .filter(|c| *c == "unusable_customer")
                .collect();
            assert_eq!(codes, ["unusable_customer"], "the blank id");

            let users = br#"[{"isBillable":true,"product":{"type":"ms"}},{"isBillable":false}]"#;
            let http = fake_saas_alerts()
                .answer("/reports/customers", 200, body)
                .answer("/reports/users?customerId=%20a%20b%20", 200, users)
                .answer("/reports/users?customerId=x%09", 200, users);
            let usage = usage(
                http,
                Some(&[" a b ", "x\t"]),
                Some(&["billable-users.microsoft-365"]),
            );
            assert!(
                usage.failed_accounts.is_empty(),
                "{:?}",
                usage.failed_accounts
            );
            assert_eq!(counted(&usage), [(" a b ", 1), ("x\t", 1)]);
        }

        #[test]
        fn an_entry_broken_inside_a_well_formed_list_is_one_unusable_customer() {
            let list = accounts(br#"[{"id":"a"},{"id" 5},{"id":"c"}]"#);
            let ids: Vec<_> = list.accounts.iter().map(|a| a.id.as_str()).collect();
            assert_eq!(ids, ["a", "c"]);
            let unusable: Vec<_> = list
                .warnings
                .iter()
                .filter(|w| w.code == "unusable_customer")
                .collect();
            assert_eq!(unusable.len(), 1);
            assert!(
                unusable[0].message.contains("entry 1:"),
                "{}",
                unusable[0].message
            );
        }

        #[test]
        fn an_unreadable_user_is_a_user_without_a_flag() {
            let users = b"[{\"isBillable\":true,\"product\":{\"type\":\"ms\"},\"name\":\"\xff\"},{\"isBillable\":1e309},{\"isBillable\" true},{\"isBillable\":true,\"isBillable\":false}]";
            let http = fake_saas_alerts()
                .answer(
                    "/reports/customers",
                    200,
                    br#"[{"id":"c1","billingUsers":{"count":1}}]"#,
                )
                .answer("/reports/users?customerId=c1", 200, users);
            let usage = usage(http, None, Some(&["billable-users.microsoft-365"]));
            assert_eq!(counted(&usage), [("c1", 1)]);
            let codes: Vec<_> = usage
                .warnings
                .iter()
                .map(|w| (w.code.as_str(), w.message.as_str()))
                .collect();
            assert_eq!(codes.len(), 1);
            assert_eq!(codes[0].0, "billable_flag_missing");
            assert!(codes[0].1.starts_with("3 users"), "{}", codes[0].1);
        }
    }
}
