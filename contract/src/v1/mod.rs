//! Interface v1 (currently 1.1): the types every call's JSON is made of, and the rules that
//! come with them.
//!
//! Each major version of the interface is frozen in a module of its own, so that a later one
//! (a 2.0 beside it, say) has a place to go without touching this one. A minor adds only
//! optional fields and values, in place: 1.1's additions are marked "since 1.1". The crate
//! root re-exports this module because v1 is the current version.

#[cfg(feature = "schema")]
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

mod coverage;
mod error;
mod secret_fields;
pub mod transport;

pub use coverage::{Coverage, CoverageError};
pub use error::{ErrorClass, PluginError};
pub use secret_fields::{is_write_only, secret_fields};

/// The interface version this crate describes, `major.minor`.
///
/// A host speaks a plugin's interface when the majors are equal and the plugin's minor is not
/// newer than the host's: minors only add optional fields. [`Version`](crate::Version) keeps
/// that rule.
pub const INTERFACE_VERSION: &str = "1.1";

/// The largest call input a plugin accepts (100,000 account ids fit in a quarter of it).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// The largest quantity one usage record may carry: a count above it is the vendor's failure of
/// that pair, never a figure on an invoice.
///
/// Larger than any single account's count could be (the largest Microsoft 365 tenants have a few
/// hundred thousand users), and small enough that sums over 100,000 accounts stay far below
/// 2^53, where hosts that read JSON numbers as doubles start losing units. A host's approval
/// refuses a reviewed line above this bound times the pairs counted into it.
pub const MAX_PLAUSIBLE_QUANTITY: u64 = 10_000_000;

/// Names of the functions every plugin exports.
pub mod exports {
    /// Describes the vendor and the credentials the MSP must enter.
    pub const DESCRIBE_CREDENTIALS: &str = "describe_credentials";
    /// Checks the credentials with one cheap, real vendor request.
    pub const AUTHENTICATE: &str = "authenticate";
    /// Lists every vendor account (customer), inactive ones included.
    pub const LIST_ACCOUNTS: &str = "list_accounts";
    /// Lists the services (billable units) the plugin can count.
    pub const LIST_SERVICES: &str = "list_services";
    /// Counts usage per (account, service) as of a host-supplied instant.
    pub const FETCH_USAGE: &str = "fetch_usage";

    /// Lists the five exports in the order a host calls them during setup.
    pub const ALL: [&str; 5] = [
        DESCRIBE_CREDENTIALS,
        AUTHENTICATE,
        LIST_ACCOUNTS,
        LIST_SERVICES,
        FETCH_USAGE,
    ];
}

/// The five calls, as a Rust trait: the plugin implements it, the host calls through it.
pub trait VendorPlugin {
    /// Describes the vendor and the credentials the MSP must enter.
    fn describe_credentials(
        &mut self,
        input: &CredentialsInput,
    ) -> Result<Description, PluginError>;
    /// Checks the credentials with one cheap, real vendor request.
    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError>;
    /// Lists every vendor account (customer), inactive ones included, sorted by id.
    fn list_accounts(&mut self, input: &CredentialsInput) -> Result<AccountList, PluginError>;
    /// Lists the services the plugin can count, sorted by id.
    fn list_services(&mut self, input: &CredentialsInput) -> Result<ServiceList, PluginError>;
    /// Counts usage per requested (account, service) pair as of `input.as_of`.
    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError>;
}

/// The values the MSP entered, keyed as in the credentials schema.
///
/// `Debug` prints the keys only, so a stray `{:?}` cannot leak a secret.
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transparent))]
pub struct Credentials(
    // Sorted by key, each key once (of a key given twice in JSON, the last value counts): a
    // sorted list rather than a `BTreeMap`, whose code would add some 4 KB to every plugin's
    // wasm for a handful of entries.
    #[cfg_attr(feature = "schema", schemars(with = "BTreeMap<String, String>"))]
    Vec<(String, String)>,
);

impl Credentials {
    /// Returns the value entered for `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        let at = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(self.0[at].1.as_str())
    }

    /// Sets `key` to `value`, replacing what was there.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (key, value)),
        }
    }

    /// Iterates over the entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Credentials {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut credentials = Credentials::default();
        for (key, value) in iter {
            credentials.insert(key, value);
        }
        credentials
    }
}

impl Serialize for Credentials {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Credentials {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Credentials;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Credentials, A::Error> {
                let mut credentials = Credentials::default();
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    credentials.insert(key, value);
                }
                Ok(credentials)
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, _)| (k, "<redacted>")))
            .finish()
    }
}

/// A call's input: every input carries the MSP's credentials.
pub trait CallInput {
    /// Returns the credentials the call was made with.
    fn credentials(&self) -> &Credentials;
}

impl CallInput for CredentialsInput {
    fn credentials(&self) -> &Credentials {
        &self.credentials
    }
}

impl CallInput for FetchUsageInput {
    fn credentials(&self) -> &Credentials {
        &self.credentials
    }
}

/// Input of every call but `fetch_usage`: `{"credentials": {...}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CredentialsInput {
    /// The values the MSP entered.
    #[serde(default)]
    pub credentials: Credentials,
}

impl CredentialsInput {
    /// Creates the input of a call made with `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        CredentialsInput { credentials }
    }
}

impl From<Credentials> for CredentialsInput {
    fn from(credentials: Credentials) -> Self {
        CredentialsInput::new(credentials)
    }
}

/// What `describe_credentials` returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Description {
    /// The interface version the plugin implements, `major.minor`.
    pub interface_version: String,
    /// The plugin's own version (semver); a host checks it against the plugin's manifest.
    pub plugin_version: String,
    /// Who the plugin talks to.
    pub vendor: Vendor,
    /// A JSON Schema (draft 2020-12) object of string properties; secrets carry `writeOnly: true`,
    /// URLs `format: uri`, and a `default` is valid as it stands.
    #[cfg_attr(feature = "schema", schemars(extend(
        "type" = "object",
        "required" = ["type", "properties"],
        "properties" = {
            "type": {"const": "object"},
            "properties": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {
                        "type": {"const": "string"},
                        "default": {"type": "string"},
                        "format": {"type": "string"},
                        "writeOnly": {"type": "boolean"}
                    }
                }
            },
            "required": {"type": "array", "items": {"type": "string"}}
        }
    )))]
    pub credentials_schema: serde_json::Value,
}

impl Description {
    /// Lists the credentials the schema marks `writeOnly`: the secrets, whose values never
    /// leave the plugin (see [`secret_fields`]).
    pub fn secret_fields(&self) -> impl Iterator<Item = &str> {
        secret_fields(&self.credentials_schema)
    }
}

/// The vendor a plugin integrates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Vendor {
    /// A stable, lowercase identifier such as `saas-alerts`.
    pub id: String,
    /// The name shown to the MSP.
    pub name: String,
}

/// What `authenticate` returns when the credentials work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Authenticated {
    /// One sentence for the MSP, such as how many customers the key sees.
    pub detail: String,
}

/// What `list_accounts` returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountList {
    /// Every vendor account, inactive ones included, sorted by id.
    pub accounts: Vec<Account>,
    /// What the MSP should know about the list (an entry without an id, a duplicate id, a
    /// blank name), sorted like [`Usage::warnings`].
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// One vendor account: a customer of the MSP as the vendor knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    /// The vendor's stable id; hosts key mappings on it, never on the name.
    pub id: String,
    /// The vendor's display name, trimmed of surrounding white space and otherwise unchanged.
    pub name: String,
    /// A short description, such as the primary domain.
    pub description: String,
    /// The vendor's status, lowercase (`active`, `inactive`, …; `unknown` when none is given).
    pub status: String,
    /// Internet domains of the customer, lowercase and sorted.
    pub domains: Vec<String>,
    /// Links the vendor itself keeps to PSA records, sorted.
    pub psa_refs: Vec<PsaRef>,
}

/// A link from a vendor account to a record in a PSA.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PsaRef {
    /// The PSA, as the vendor names it (`autotaskpsa`, `connectwise`, …).
    pub system: String,
    /// The record's id in that PSA.
    pub id: String,
}

/// What `list_services` returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServiceList {
    /// Every service the plugin can count, sorted by id.
    pub services: Vec<Service>,
}

/// A countable, billable unit of a vendor (a SKU, a product, a kind of seat).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Service {
    /// A stable id, documented by the plugin; never derived from a display name.
    pub id: String,
    /// The name shown to the MSP.
    pub name: String,
    /// What is counted and from where.
    pub description: String,
    /// Gradient's category (`security`, `backup`, `productivity`, …).
    pub category: String,
    /// Gradient's subcategory, or `other`.
    pub subcategory: String,
    /// The unit counted, singular (`user`, `device`, …).
    pub unit: String,
}

/// Input of `fetch_usage`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FetchUsageInput {
    /// The values the MSP entered.
    #[serde(default)]
    pub credentials: Credentials,
    /// The instant the host asks about, RFC 3339 (the plugin has no clock).
    pub as_of: String,
    /// Accounts to count; all accounts when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
    /// Services to count; all services when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_ids: Option<Vec<String>>,
}

impl FetchUsageInput {
    /// Refuses, as a `config` error, an `as_of` that is not an RFC 3339 instant of the calendar.
    pub fn check_as_of(&self) -> Result<(), PluginError> {
        if crate::time::is_rfc3339(&self.as_of) {
            return Ok(());
        }
        let shown: String = self.as_of.chars().take(64).collect();
        Err(PluginError::config(format!(
            "as_of must be an RFC 3339 instant of the calendar such as 2026-11-01T00:00:00Z, not {shown:?}."
        )))
    }
}

/// What `fetch_usage` returns.
///
/// Every requested (account, service) pair appears exactly once: as a record, or among the
/// `service_ids` of its entry in `failed_accounts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Usage {
    /// The instant the host asked about, echoed.
    pub as_of: String,
    /// One count per readable pair, zeros included, sorted by (account, service).
    pub records: Vec<UsageRecord>,
    /// Things the MSP should look at that did not stop the counts, sorted by
    /// [`sort_warnings`].
    pub warnings: Vec<Warning>,
    /// Accounts (or some of their services) that could not be read, sorted by account.
    pub failed_accounts: Vec<FailedAccount>,
}

impl Usage {
    /// Puts records, warnings and failed accounts in the order the contract requires.
    pub fn sort(&mut self) {
        crate::order::sort(&mut self.records);
        sort_warnings(&mut self.warnings);
        crate::order::sort_by(&mut self.failed_accounts, FailedAccount::contract_order);
    }
}

/// The count of one service for one account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UsageRecord {
    /// The vendor account counted.
    pub account_id: String,
    /// The service counted.
    pub service_id: String,
    /// How many units, a whole number; 0 is a real count, not a missing one.
    pub quantity: u64,
}

/// Something worth a person's look that did not stop the counts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    /// A stable, snake_case code, e.g. `platform_sum_mismatch`.
    pub code: String,
    /// What happened, for a person.
    pub message: String,
    /// The account concerned, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The service concerned, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
}

impl Warning {
    /// Compares two warnings in the contract's order: by account, then service, code and
    /// message (absent account first); the one definition of that order.
    #[inline]
    pub fn contract_order(&self, other: &Warning) -> std::cmp::Ordering {
        (
            &self.account_id,
            &self.service_id,
            &self.code,
            &self.message,
        )
            .cmp(&(
                &other.account_id,
                &other.service_id,
                &other.code,
                &other.message,
            ))
    }
}

/// Sorts warnings by account, then service, code and message (absent account first).
pub fn sort_warnings(warnings: &mut [Warning]) {
    crate::order::sort_by(warnings, Warning::contract_order);
}

/// An account whose counts could not be read: the host keeps its last good values.
///
/// Each account appears at most once in [`Usage::failed_accounts`]. The error of one failed
/// pair is [`FailedAccount::error_of`] it: its entry in `failures` when there is one, else
/// `error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FailedAccount {
    /// The account that could not be read.
    pub account_id: String,
    /// The requested services that have no record for this account, sorted.
    pub service_ids: Vec<String>,
    /// Why; when the services failed for different reasons, the first retryable one (so that a
    /// 1.0 host, which reads only this field, still retries), else the first.
    pub error: PluginError,
    /// Since 1.1, present only when the services failed for different reasons: each group of
    /// `service_ids` with its error, sorted by their first service id; together they hold every
    /// id of `service_ids` once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<ServiceFailure>,
}

impl FailedAccount {
    /// Compares two failed accounts in the contract's order, by account id; the one
    /// definition of that order.
    #[inline]
    pub fn contract_order(&self, other: &FailedAccount) -> std::cmp::Ordering {
        self.account_id.cmp(&other.account_id)
    }

    /// Groups the failures of one account's services: `(service id, error)` in any order.
    pub fn of(account_id: &str, failed: Vec<(String, PluginError)>) -> Option<FailedAccount> {
        let mut failures: Vec<ServiceFailure> = Vec::new();
        let mut failed = failed;
        crate::order::sort_by(&mut failed, |a, b| a.0.cmp(&b.0));
        failed.dedup_by(|a, b| a.0 == b.0);
        for (service_id, error) in &failed {
            match failures.iter_mut().find(|f| &f.error == error) {
                Some(group) => group.service_ids.push(service_id.clone()),
                None => failures.push(ServiceFailure {
                    service_ids: vec![service_id.clone()],
                    error: error.clone(),
                }),
            }
        }
        let error = failures
            .iter()
            .find(|f| f.error.class.is_retryable())
            .or(failures.first())?
            .error
            .clone();
        if failures.len() == 1 {
            failures.clear();
        }
        Some(FailedAccount {
            account_id: account_id.to_owned(),
            service_ids: failed.into_iter().map(|(id, _)| id).collect(),
            error,
            failures,
        })
    }

    /// Groups this account's failed services by the error of each, in `service_ids` order;
    /// one group with `error` and no services when `service_ids` is empty.
    pub fn by_error(&self) -> Vec<(&PluginError, Vec<String>)> {
        let mut groups: Vec<(&PluginError, Vec<String>)> = Vec::new();
        for service_id in &self.service_ids {
            let error = self.error_of(service_id);
            match groups.iter_mut().find(|(e, _)| *e == error) {
                Some((_, services)) => services.push(service_id.clone()),
                None => groups.push((error, vec![service_id.clone()])),
            }
        }
        if groups.is_empty() {
            groups.push((&self.error, Vec::new()));
        }
        groups
    }

    /// Returns the error of one of this account's failed services.
    pub fn error_of(&self, service_id: &str) -> &PluginError {
        self.failures
            .iter()
            .find(|f| f.service_ids.iter().any(|s| s == service_id))
            .map_or(&self.error, |f| &f.error)
    }
}

/// Services of one account that failed for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServiceFailure {
    /// The services, sorted.
    pub service_ids: Vec<String>,
    /// Why they failed.
    pub error: PluginError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_debug_shows_keys_not_values() {
        let credentials: Credentials = [("api_key", "s3cret-value")].into_iter().collect();
        let printed = format!("{credentials:?}");
        assert!(printed.contains("api_key"));
        assert!(!printed.contains("s3cret-value"));
    }

    #[test]
    fn error_json_omits_absent_http_details() {
        let error = PluginError::auth("rejected").with_http_status(401);
        assert_eq!(
            error.to_json(),
            r#"{"class":"auth","message":"rejected","http_status":401}"#
        );
    }

    #[test]
    fn error_class_names_match_their_json() {
        for class in ErrorClass::ALL {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
    }

    #[test]
    fn failed_services_are_grouped_by_error_and_the_retryable_one_leads() {
        let vendor = PluginError::vendor("count is text");
        let transient = PluginError::transient("HTTP 500");
        let failed = FailedAccount::of(
            "c1",
            vec![
                ("b.slack".into(), transient.clone()),
                ("a".into(), vendor.clone()),
                ("b.dropbox".into(), transient.clone()),
            ],
        )
        .unwrap();
        assert_eq!(failed.service_ids, ["a", "b.dropbox", "b.slack"]);
        assert_eq!(failed.error, transient);
        assert_eq!(failed.error_of("a"), &vendor);
        assert_eq!(failed.error_of("b.slack"), &transient);
        assert_eq!(failed.failures.len(), 2);
        assert_eq!(failed.failures[0].service_ids, ["a"]);
    }

    #[test]
    fn one_reason_for_every_service_needs_no_groups() {
        let error = PluginError::not_found("gone");
        let failed =
            FailedAccount::of("c1", vec![("a".into(), error.clone()), ("b".into(), error)])
                .unwrap();
        assert!(failed.failures.is_empty());
        let json = serde_json::to_value(&failed).unwrap();
        assert!(json.get("failures").is_none(), "{json}");
        assert!(FailedAccount::of("c1", Vec::new()).is_none());
    }

    #[test]
    fn each_class_has_its_constructor() {
        let made = [
            PluginError::config("m"),
            PluginError::auth("m"),
            PluginError::permission("m"),
            PluginError::not_found("m"),
            PluginError::rate_limited("m"),
            PluginError::transient("m"),
            PluginError::vendor("m"),
            PluginError::internal("m"),
        ];
        for (error, class) in made.into_iter().zip(ErrorClass::ALL) {
            assert_eq!(error, PluginError::new(class, "m"));
        }
    }

    #[test]
    fn credentials_input_is_made_from_credentials() {
        let credentials: Credentials = [("api_key", "k")].into_iter().collect();
        let input = CredentialsInput::new(credentials.clone());
        assert_eq!(input.credentials, credentials);
        assert_eq!(CredentialsInput::from(credentials), input);
        assert_eq!(
            serde_json::to_string(&input).unwrap(),
            r#"{"credentials":{"api_key":"k"}}"#
        );
    }

    #[test]
    fn an_as_of_outside_the_calendar_is_a_config_error_quoting_it() {
        let mut input: FetchUsageInput =
            serde_json::from_str(r#"{"credentials":{},"as_of":"2026-11-01T00:00:00Z"}"#).unwrap();
        assert_eq!(input.check_as_of(), Ok(()));
        input.as_of = "2026-02-29T00:00:00Z".to_owned();
        let error = input.check_as_of().unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert_eq!(
            error.message,
            "as_of must be an RFC 3339 instant of the calendar such as 2026-11-01T00:00:00Z, not \"2026-02-29T00:00:00Z\"."
        );
        input.as_of = "x".repeat(100);
        let message = input.check_as_of().unwrap_err().message;
        assert!(
            message.contains(&format!("{:?}", "x".repeat(64))),
            "{message}"
        );
        assert!(!message.contains(&"x".repeat(65)), "{message}");
    }

    #[test]
    fn fetch_usage_input_takes_absent_filters_as_everything() {
        let input: FetchUsageInput =
            serde_json::from_str(r#"{"credentials":{},"as_of":"2026-11-01T00:00:00Z"}"#).unwrap();
        assert_eq!(input.account_ids, None);
        assert_eq!(input.service_ids, None);
    }
}
