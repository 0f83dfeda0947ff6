//! Paged Backup: an example vendor plugin over HTTP, the template a new plugin author copies.
//!
//! Paged Backup is a fictional vendor that sells backup seats to MSPs, one tenant per customer,
//! and lists its tenants a page at a time. The plugin is real: it builds for
//! `wasm32-unknown-unknown`, passes `host-harness conformance` on its own fixtures, and is what
//! `README.md` ("Writing a vendor plugin") walks through. Why a second plugin beside SaaS
//! Alerts: that one carries a real vendor's quirks; this one has none, so what is left is what
//! every HTTP plugin does, and how little of that is not the vendor's own.
//!
//! - The five calls are [`PagedBackup`]'s [`VendorPlugin`] impl, exported by one line of
//!   `plugin_contract::export_plugin!`.
//! - [`tenants`] reads `GET /v1/tenants?page=N`, following `next_page`; the kit does everything
//!   generic there: the host's HTTP, a status's error class, a web page told from JSON, the
//!   list read entry by entry, the page's members, the tenants sorted with each id once.
//!   [`Config`] checks the URL credential with the kit too.
//! - `fetch_usage` counts one (tenant, service) pair; the kit's
//!   [`UsageBuilder`](vendor_kit::usage::UsageBuilder) checks the input and makes the `Usage`.
//! - Native unit tests make every call on [`vendor_kit::testing::FakeHttp`].
//!
//! Lines under `#[cfg(feature = "mutant-…")]` (and `cfg!(feature = "mutant-…")`) are deliberate
//! bugs, one per cargo feature: `tests/mutants.rs` builds each and shows that a conformance
//! check catches it (the table in `README.md`). A copy of this plugin deletes them.

use plugin_contract::{
    Account, AccountList, Authenticated, Credentials, CredentialsInput, Description,
    FetchUsageInput, PluginError, Service, ServiceList, Usage, Vendor, VendorPlugin,
    INTERFACE_VERSION,
};
use serde_json::{json, Value};
use vendor_kit::http::Http;
use vendor_kit::url;
use vendor_kit::usage::UsageBuilder;

mod mutants;
pub mod tenants;

#[cfg(all(target_arch = "wasm32", feature = "mutant-http-headers"))]
use mutants::PdkHttp as HostHttp;
#[cfg(all(
    target_arch = "wasm32",
    not(feature = "mutant-http-headers"),
    not(feature = "mutant-unredacted-exports")
))]
use vendor_kit::http::HostHttp;

#[cfg(all(target_arch = "wasm32", not(feature = "mutant-unredacted-exports")))]
plugin_contract::export_plugin!(PagedBackup::new(HostHttp));

/// The API address of every Paged Backup customer.
pub const DEFAULT_API_URL: &str = "https://api.paged-backup.example";

/// The one service: the backup seats a tenant uses.
pub const BACKUP_SEATS: &str = "backup-seats";

/// Where the MSP creates a token.
const TOKEN_HELP: &str = "Paged Backup console → Settings → API tokens";

/// The Paged Backup plugin over an HTTP transport.
pub struct PagedBackup<H: Http> {
    http: H,
}

impl<H: Http> PagedBackup<H> {
    /// Creates the plugin; every vendor request goes through `http`.
    pub fn new(http: H) -> Self {
        PagedBackup { http }
    }
}

impl<H: Http> VendorPlugin for PagedBackup<H> {
    fn describe_credentials(&mut self, _: &CredentialsInput) -> Result<Description, PluginError> {
        Ok(Description {
            interface_version: INTERFACE_VERSION.to_owned(),
            plugin_version: env!("CARGO_PKG_VERSION").to_owned(),
            vendor: Vendor {
                id: "paged-backup".to_owned(),
                name: "Paged Backup".to_owned(),
            },
            credentials_schema: credentials_schema(),
        })
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        let config = Config::from_credentials(&input.credentials)?;
        let listed = tenants::list(&mut self.http, &config)?.tenants;
        let active = listed.iter().filter(|t| t.status == "active").count();
        Ok(Authenticated {
            detail: format!(
                "Paged Backup at {} accepted the token; it sees {} tenants ({active} active).",
                url::host_of(&config.api_root),
                listed.len()
            ),
        })
    }

    fn list_accounts(&mut self, input: &CredentialsInput) -> Result<AccountList, PluginError> {
        let config = Config::from_credentials(&input.credentials)?;
        let listed = tenants::list(&mut self.http, &config)?;
        #[cfg(feature = "mutant-unstable-ids")]
        let listed = mutants::renumbered(listed, mutants::next_sync());
        let description = "Paged Backup tenant".to_owned();
        #[cfg(feature = "mutant-token-in-description")]
        let description = format!("{description} (token {})", config.token);
        let accounts: Vec<Account> = listed
            .tenants
            .into_iter()
            .map(|tenant| Account {
                id: tenant.id,
                name: tenant.name,
                description: description.clone(),
                status: tenant.status,
                domains: Vec::new(),
                psa_refs: Vec::new(),
            })
            .collect();
        #[cfg(feature = "mutant-accounts-reversed")]
        let accounts: Vec<Account> = accounts.into_iter().rev().collect();
        Ok(AccountList {
            accounts,
            warnings: listed.warnings,
        })
    }

    fn list_services(&mut self, _: &CredentialsInput) -> Result<ServiceList, PluginError> {
        Ok(ServiceList {
            services: vec![Service {
                id: BACKUP_SEATS.to_owned(),
                name: "Backup seats".to_owned(),
                description: "Seats a tenant uses, as Paged Backup's tenant list counts them."
                    .to_owned(),
                category: "backup".to_owned(),
                subcategory: "other".to_owned(),
                unit: "seat".to_owned(),
            }],
        })
    }

    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        // The kit checks as_of and service_ids before any request, and keeps the contract:
        // every requested pair once, an unlisted tenant `not_found` (never 0), all sorted.
        #[cfg(feature = "mutant-unknown-service-ignored")]
        let known = mutants::known_services_only(input);
        #[cfg(feature = "mutant-unknown-service-ignored")]
        let input = &known;
        #[cfg(feature = "mutant-as-of-unchecked")]
        let (asked, valid) = (input, mutants::with_valid_as_of(input));
        #[cfg(feature = "mutant-as-of-unchecked")]
        let input = &valid;
        let mut usage = UsageBuilder::new(input, &[BACKUP_SEATS])?;
        let config = Config::from_credentials(&input.credentials)?;
        let listed = tenants::list(&mut self.http, &config)?;
        #[cfg(feature = "mutant-unstable-ids")]
        let listed = mutants::renumbered(listed, mutants::this_sync());
        #[cfg(feature = "mutant-unknown-account-zero")]
        let listed = mutants::zero_for_unlisted(listed, input);
        usage.warn(listed.warnings);
        let tenants = listed.tenants.iter().map(|t| (t.id.as_str(), t));
        let unknown =
            |id: &str| format!("Paged Backup has no tenant {id:?} (deleted, or another MSP's).");
        let usage = usage.build(tenants, unknown, |tenant, _| {
            tenant.seats.clone().map_err(|problem| {
                let message = format!(
                    "Paged Backup sent no usable seat count for tenant {}: {problem}.",
                    tenant.id
                );
                PluginError::vendor(message)
            })
        });
        #[cfg(feature = "mutant-records-reversed")]
        let usage = mutants::records_reversed(usage);
        #[cfg(feature = "mutant-duplicate-record")]
        let usage = mutants::last_record_twice(usage);
        #[cfg(feature = "mutant-missing-pair")]
        let usage = mutants::last_record_dropped(usage);
        #[cfg(feature = "mutant-as-of-unchecked")]
        let usage = Usage {
            as_of: asked.as_of.clone(),
            ..usage
        };
        #[cfg(feature = "mutant-as-of-reformatted")]
        let usage = Usage {
            as_of: usage.as_of.replace('Z', "+00:00"),
            ..usage
        };
        Ok(usage)
    }
}

/// Returns the JSON Schema of the credentials form.
pub fn credentials_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["api_token"],
        "additionalProperties": false,
        "properties": {
            "api_token": {
                "type": "string",
                "title": "API token",
                "description": TOKEN_HELP,
                "writeOnly": !cfg!(feature = "mutant-token-not-write-only"),
                "minLength": 1
            },
            "api_url": {
                "type": "string",
                "title": "API URL",
                "description": "Paged Backup's API address; leave it as it is unless Paged Backup gave you another.",
                "format": "uri",
                "maxLength": url::MAX_URL_BYTES,
                "default": DEFAULT_API_URL
            }
        }
    })
}

/// Validated credentials, ready to call Paged Backup with (no `Debug`: it holds the token).
pub struct Config {
    /// The API address without a trailing slash, e.g. `https://api.paged-backup.example`.
    pub api_root: String,
    /// The token, sent in the `Authorization` header and nowhere else.
    pub token: String,
}

impl Config {
    /// Checks the MSP's credentials before any request; a blank `api_url` takes the default.
    pub fn from_credentials(credentials: &Credentials) -> Result<Config, PluginError> {
        let token = credentials.get("api_token").map(str::trim).unwrap_or("");
        if token.is_empty() {
            return Err(PluginError::config(format!(
                "api_token is missing: create one in {TOKEN_HELP}."
            )));
        }
        if !token.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
            return Err(PluginError::config(format!(
                "api_token holds a line break or a character an HTTP header cannot carry: paste it again from {TOKEN_HELP}."
            )));
        }
        let api_url = match credentials.get("api_url").map(str::trim) {
            Some(api_url) if !api_url.is_empty() => api_url,
            _ => DEFAULT_API_URL,
        };
        url::check(api_url).map_err(|e| PluginError::config(format!("api_url {e}.")))?;
        Ok(Config {
            api_root: api_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use plugin_contract::transport::TransportFailureKind;
    use plugin_contract::ErrorClass;
    use vendor_kit::testing::FakeHttp;

    use super::*;

    /// The API address the tests' credentials name.
    const API: &str = "https://backup.example";

    fn credentials() -> Credentials {
        [("api_token", "tok-123"), ("api_url", API)]
            .into_iter()
            .collect()
    }

    fn input() -> CredentialsInput {
        CredentialsInput::new(credentials())
    }

    fn usage_input(account_ids: Option<&[&str]>) -> FetchUsageInput {
        FetchUsageInput {
            credentials: credentials(),
            as_of: "2026-03-01T00:00:00Z".to_owned(),
            account_ids: account_ids.map(|ids| ids.iter().map(|id| (*id).to_owned()).collect()),
            service_ids: None,
        }
    }

    /// Two pages: t3 and t1, then t2 (inactive, no seats left).
    fn two_pages() -> FakeHttp {
        FakeHttp::at(API)
            .answer(
                "/v1/tenants?page=1",
                200,
                r#"{"tenants": [
                    {"id": "t3", "name": " Cedar Dental ", "status": "active", "seats": 12},
                    {"id": "t1", "name": "Alder LLP", "status": "ACTIVE", "seats": 25}
                ], "next_page": 2}"#,
            )
            .answer(
                "/v1/tenants?page=2",
                200,
                r#"{"tenants": [{"id": "t2", "name": "Birch Co", "status": "inactive", "seats": 0}], "next_page": null}"#,
            )
    }

    fn plugin(http: FakeHttp) -> PagedBackup<FakeHttp> {
        PagedBackup::new(http)
    }

    fn records(usage: &Usage) -> Vec<(&str, &str, u64)> {
        usage
            .records
            .iter()
            .map(|r| (r.account_id.as_str(), r.service_id.as_str(), r.quantity))
            .collect()
    }

    #[test]
    fn every_page_is_followed_and_tenants_come_back_sorted_inactive_ones_included() {
        let mut plugin = plugin(two_pages());
        let list = plugin.list_accounts(&input()).unwrap();
        let accounts: Vec<(&str, &str, &str)> = list
            .accounts
            .iter()
            .map(|a| (a.id.as_str(), a.name.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(
            accounts,
            [
                ("t1", "Alder LLP", "active"),
                ("t2", "Birch Co", "inactive"),
                ("t3", "Cedar Dental", "active")
            ]
        );
        assert!(list.warnings.is_empty());
        let urls: Vec<&str> = plugin.http.sent.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://backup.example/v1/tenants?page=1",
                "https://backup.example/v1/tenants?page=2"
            ]
        );
    }

    #[test]
    fn the_token_travels_as_a_bearer_header_and_nowhere_else() {
        let mut plugin = plugin(two_pages());
        let detail = plugin.authenticate(&input()).unwrap().detail;
        assert_eq!(
            detail,
            "Paged Backup at backup.example accepted the token; it sees 3 tenants (2 active)."
        );
        for sent in &plugin.http.sent {
            assert!(!sent.url.contains("tok-123"), "{}", sent.url);
            assert_eq!(
                sent.headers[0],
                ("authorization".to_owned(), "Bearer tok-123".to_owned())
            );
        }
    }

    #[test]
    fn usage_counts_seats_of_every_tenant_zeros_stated() {
        let usage = plugin(two_pages()).fetch_usage(&usage_input(None)).unwrap();
        assert_eq!(usage.as_of, "2026-03-01T00:00:00Z");
        assert_eq!(
            records(&usage),
            [
                ("t1", BACKUP_SEATS, 25),
                ("t2", BACKUP_SEATS, 0),
                ("t3", BACKUP_SEATS, 12)
            ]
        );
        assert!(usage.failed_accounts.is_empty() && usage.warnings.is_empty());
    }

    #[test]
    fn an_unknown_account_is_not_found_never_zero() {
        let usage = plugin(two_pages())
            .fetch_usage(&usage_input(Some(&["t1", "gone"])))
            .unwrap();
        assert_eq!(records(&usage), [("t1", BACKUP_SEATS, 25)]);
        let failed = &usage.failed_accounts[0];
        assert_eq!(
            (failed.account_id.as_str(), failed.error.class),
            ("gone", ErrorClass::NotFound)
        );
        assert_eq!(failed.service_ids, [BACKUP_SEATS]);
    }

    #[test]
    fn unreadable_seats_fail_their_pair_as_vendor_never_zero() {
        let http = FakeHttp::at(API).answer(
            "/v1/tenants?page=1",
            200,
            r#"{"tenants": [{"id": "t1", "seats": "unlimited"}, {"id": "t2", "seats": -1},
                {"id": "t3", "seats": 4}], "next_page": null}"#,
        );
        let usage = plugin(http).fetch_usage(&usage_input(None)).unwrap();
        assert_eq!(records(&usage), [("t3", BACKUP_SEATS, 4)]);
        let failed: Vec<(&str, ErrorClass)> = usage
            .failed_accounts
            .iter()
            .map(|f| (f.account_id.as_str(), f.error.class))
            .collect();
        assert_eq!(
            failed,
            [("t1", ErrorClass::Vendor), ("t2", ErrorClass::Vendor)]
        );
        assert_eq!(
            usage.failed_accounts[0].error.message,
            "Paged Backup sent no usable seat count for tenant t1: its seats are text, not a number."
        );
    }

    #[test]
    fn a_tenant_without_id_is_left_out_and_a_repeated_id_keeps_its_last_entry() {
        let http = FakeHttp::at(API).answer(
            "/v1/tenants?page=1",
            200,
            r#"{"tenants": [{"name": "No id", "seats": 1}, {"id": " ", "seats": 1},
                {"id": "t1", "name": "First", "seats": 1}, {"id": "t1", "name": "Again", "seats": 2},
                "not a tenant"], "next_page": null}"#,
        );
        let list = plugin(http).list_accounts(&input()).unwrap();
        assert_eq!(list.accounts.len(), 1);
        assert_eq!(
            (
                list.accounts[0].name.as_str(),
                list.accounts[0].status.as_str()
            ),
            ("Again", "unknown")
        );
        let codes: Vec<(&str, Option<&str>)> = list
            .warnings
            .iter()
            .map(|w| (w.code.as_str(), w.account_id.as_deref()))
            .collect();
        assert_eq!(
            codes,
            [
                ("tenant_without_id", None),
                ("duplicate_tenant_id", Some("t1"))
            ]
        );
        assert_eq!(
            list.warnings[0].message,
            "Paged Backup listed 3 tenants without a readable id; they are left out."
        );
    }

    #[test]
    fn a_rejected_token_is_auth_and_names_where_to_make_a_new_one() {
        let http = FakeHttp::at(API).answer("/v1/tenants?page=1", 401, "{}");
        let error = plugin(http).authenticate(&input()).unwrap_err();
        assert_eq!(
            (error.class, error.http_status),
            (ErrorClass::Auth, Some(401))
        );
        assert!(error.message.contains(TOKEN_HELP), "{}", error.message);
        assert!(!error.message.contains("tok-123"));
    }

    #[test]
    fn statuses_are_classed_by_the_kit_with_the_first_request_rule() {
        let first = |status: u16, body: &str| {
            let http = FakeHttp::at(API).answer("/v1/tenants?page=1", status, body);
            plugin(http).list_accounts(&input()).unwrap_err().class
        };
        assert_eq!(first(403, "{}"), ErrorClass::Permission);
        assert_eq!(first(429, "{}"), ErrorClass::RateLimited);
        assert_eq!(first(503, ""), ErrorClass::Transient);
        assert_eq!(first(404, "Not Found"), ErrorClass::Config);
        assert_eq!(first(200, "<!DOCTYPE html><html>"), ErrorClass::Config);
        let later = |status: u16, body: &str| {
            let http = two_pages().answer("/v1/tenants?page=2", status, body);
            plugin(http).list_accounts(&input()).unwrap_err().class
        };
        assert_eq!(later(404, "{}"), ErrorClass::NotFound);
        assert_eq!(later(200, "<html>"), ErrorClass::Vendor);
    }

    #[test]
    fn a_request_without_a_response_fails_with_the_class_of_its_failure() {
        let http = two_pages().fail("/v1/tenants?page=2", TransportFailureKind::Timeout);
        let error = plugin(http).fetch_usage(&usage_input(None)).unwrap_err();
        assert_eq!(error.class, ErrorClass::Transient);
    }

    #[test]
    fn a_page_that_is_not_the_expected_json_is_the_vendors_fault() {
        for (body, problem) in [
            (
                r#"[]"#,
                "the response is a list, not an object with tenants",
            ),
            (r#"{"next_page": null}"#, "it has no tenants"),
            (
                r#"{"tenants": {}, "next_page": null}"#,
                "the response is an object, not a list of tenants",
            ),
            (
                r#"{"tenants": [], "next_page": "2"}"#,
                "next_page is text, not a page number",
            ),
            (
                r#"{"tenants": [], "next_page": 1}"#,
                "next_page 1 does not come after page 1",
            ),
            ("", "the response is empty, not an object with tenants"),
        ] {
            let http = FakeHttp::at(API).answer("/v1/tenants?page=1", 200, body);
            let error = plugin(http).list_accounts(&input()).unwrap_err();
            assert_eq!(error.class, ErrorClass::Vendor, "{body}");
            assert!(error.message.contains(problem), "{body}: {}", error.message);
        }
    }

    #[test]
    fn credentials_are_checked_before_any_request() {
        let check = |token: &str, api_url: &str| {
            let credentials = [("api_token", token), ("api_url", api_url)]
                .into_iter()
                .collect();
            Config::from_credentials(&credentials).map(|c| c.api_root)
        };
        assert_eq!(check("t", "").unwrap(), DEFAULT_API_URL);
        assert_eq!(
            check("t", "https://x.example/").unwrap(),
            "https://x.example"
        );
        for (token, api_url, problem) in [
            (" ", API, "api_token is missing"),
            ("a\nb", API, "api_token holds a line break"),
            (
                "t",
                "http://backup.example",
                "api_url must start with https://",
            ),
        ] {
            let error = check(token, api_url).unwrap_err();
            assert_eq!(error.class, ErrorClass::Config);
            assert!(error.message.starts_with(problem), "{}", error.message);
        }
    }

    #[test]
    fn usage_input_is_checked_before_any_request() {
        let mut plugin = plugin(FakeHttp::at(API));
        let mut input = usage_input(None);
        input.as_of = "yesterday".to_owned();
        assert_eq!(
            plugin.fetch_usage(&input).unwrap_err().class,
            ErrorClass::Config
        );
        let mut input = usage_input(None);
        input.service_ids = Some(vec!["users".to_owned()]);
        assert_eq!(
            plugin.fetch_usage(&input).unwrap_err().class,
            ErrorClass::Config
        );
        assert!(plugin.http.sent.is_empty());
    }

    #[test]
    fn no_service_asked_for_gives_no_pairs() {
        let mut input = usage_input(None);
        input.service_ids = Some(Vec::new());
        let usage = plugin(two_pages()).fetch_usage(&input).unwrap();
        assert!(usage.records.is_empty() && usage.failed_accounts.is_empty());
    }

    #[test]
    fn the_token_is_the_one_secret_and_the_url_has_a_default() {
        let schema = credentials_schema();
        let secrets: Vec<&str> = plugin_contract::secret_fields(&schema).collect();
        assert_eq!(secrets, ["api_token"]);
        assert_eq!(schema["properties"]["api_url"]["default"], DEFAULT_API_URL);
    }

    #[test]
    fn one_service_counted_in_seats() {
        let services = plugin(FakeHttp::new()).list_services(&input()).unwrap();
        assert_eq!(services.services.len(), 1);
        assert_eq!(
            (
                services.services[0].id.as_str(),
                services.services[0].unit.as_str()
            ),
            (BACKUP_SEATS, "seat")
        );
    }
}
