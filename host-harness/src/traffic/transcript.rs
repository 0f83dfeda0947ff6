//! The cross-host transcript: one scenario's five calls, in a form any host can reproduce.
//!
//! Host teams load plugins through the Extism SDK of their own stack. To show that such a host
//! gets what this harness gets, both run the same calls on the same replayed scenario and
//! compare transcripts. The calls, on one instance and in this order: `describe_credentials`,
//! `authenticate`, `list_accounts`, `list_services` with `{"credentials"}`, then `fetch_usage`
//! with `{"credentials", "as_of"}` for every account and service. Each becomes `{"ok": output}`
//! or `{"error": {class, http_status?, retry_after_s?}}`.
//!
//! Only what a host may word differently is left out: the `message` of an error, whose text
//! may come from the host's own HTTP (a refused connection is worded by each runtime). The
//! class, the status and the vendor's wait must match, and so must every byte of every output,
//! except the replay server's address: each run gets its own port, so every `host:port` of the
//! server in any string reads [`SERVER_PLACEHOLDER`].
//!
//! [`Transcript`] is the same document as types, from which `schemas/transcript.json` is
//! generated; [`replayed`] runs the transcript of a recorded scenario, as `host-harness
//! transcript --replay` prints it and as a release bundle ships it beside each scenario.

use std::path::Path;

use plugin_contract::{
    exports, AccountList, Authenticated, Credentials, CredentialsInput, Description, ErrorClass,
    FetchUsageInput, PluginError, ServiceList, UsageRecord, VendorPlugin, Warning,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::runtime::plugin::{LoadError, PluginModule};
use crate::traffic::replay::{ReplayError, ReplayServer};

/// What the replay server's `host:port` reads in a transcript.
pub const SERVER_PLACEHOLDER: &str = "{server}";

/// The instant `fetch_usage` counts as of in the transcripts a release bundle ships.
pub const SCENARIO_AS_OF: &str = "2026-11-01T00:00:00Z";

/// A transcript as types: what [`transcript`] returns, keyed by export name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// `describe_credentials` with `{"credentials"}`.
    pub describe_credentials: Entry<Description>,
    /// `authenticate` with `{"credentials"}`.
    pub authenticate: Entry<Authenticated>,
    /// `list_accounts` with `{"credentials"}`.
    pub list_accounts: Entry<AccountList>,
    /// `list_services` with `{"credentials"}`.
    pub list_services: Entry<ServiceList>,
    /// `fetch_usage` with `{"credentials", "as_of"}`: every account and service.
    pub fetch_usage: Entry<TranscriptUsage>,
}

/// One call of a transcript: its output, or its error as compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(rename = "Entry_{T}")]
pub enum Entry<T> {
    /// The call's output, exactly (the replay server's `host:port` written `{server}`).
    Ok(T),
    /// The call's error without its `message`.
    Error(ComparedError),
}

/// An error as a transcript compares it: its class, status and wait, not its words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComparedError {
    /// The error's class.
    pub class: ErrorClass,
    /// The vendor's HTTP status, when the error has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The wait, when the error has one (the host fills it in from `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

/// `fetch_usage`'s output in a transcript: the contract's `Usage`, each failed account's
/// errors without their `message`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptUsage {
    /// The instant asked about, echoed.
    pub as_of: String,
    /// One count per readable pair.
    pub records: Vec<UsageRecord>,
    /// What the MSP should look at.
    pub warnings: Vec<Warning>,
    /// The accounts (or services) that could not be read.
    pub failed_accounts: Vec<TranscriptFailedAccount>,
}

/// A failed account in a transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptFailedAccount {
    /// The account.
    pub account_id: String,
    /// Its services without a record.
    pub service_ids: Vec<String>,
    /// Why, without the message.
    pub error: ComparedError,
    /// Each group of services with its error, when they failed for different reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<TranscriptServiceFailure>,
}

/// A group of a failed account's services with their error, in a transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptServiceFailure {
    /// The services.
    pub service_ids: Vec<String>,
    /// Why, without the message.
    pub error: ComparedError,
}

/// Why a scenario's transcript could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReplayedError {
    /// The scenario could not be served, or the plugin sent a request it does not record.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The plugin could not be instantiated.
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// Runs the transcript of `module`'s plugin (compiled for the replay:
/// [`replay_only`](crate::traffic::replay::replay_only)) on the recorded `scenario`, as
/// `host-harness transcript --replay` prints it: the scenario's credentials, the server's
/// address written [`SERVER_PLACEHOLDER`], and every secret the call knew (a secret credential,
/// a token the vendor issued) written `<redacted>` wherever an output holds one. Fails when
/// the plugin sent a request the scenario does not record.
pub fn replayed(
    module: &PluginModule,
    scenario: &Path,
    as_of: &str,
) -> Result<Value, ReplayedError> {
    let replay = ReplayServer::start(scenario)?;
    let credentials = replay.credentials().clone();
    replay.check_credentials(&credentials, &module.description().credentials_schema)?;
    let given = module.secrets(&credentials);
    if !given.is_empty() {
        replay.expect_secrets(given);
    }
    let mut plugin = module.instantiate()?;
    let calls = transcript(&mut plugin, &credentials, as_of, Some(replay.base_url()));
    replay.check_unmatched()?;
    let secret_values: Vec<String> = module
        .secret_fields()
        .iter()
        .filter_map(|field| credentials.get(field))
        .map(str::to_owned)
        .collect();
    let secrets = plugin.issued().with(&secret_values);
    let text = secrets.redact_json(&calls.to_string());
    Ok(serde_json::from_str(&text).unwrap_or(calls))
}

/// Runs the five calls on `plugin` and returns the transcript, keyed by export name;
/// `server_url` is the replay server's base URL, if there is one.
pub fn transcript(
    plugin: &mut impl VendorPlugin,
    credentials: &Credentials,
    as_of: &str,
    server_url: Option<&str>,
) -> Value {
    let input = CredentialsInput::new(credentials.clone());
    let usage_input = FetchUsageInput {
        credentials: credentials.clone(),
        as_of: as_of.to_owned(),
        account_ids: None,
        service_ids: None,
    };
    let mut entries = Map::new();
    entries.insert(
        exports::DESCRIBE_CREDENTIALS.into(),
        entry(plugin.describe_credentials(&input)),
    );
    entries.insert(
        exports::AUTHENTICATE.into(),
        entry(plugin.authenticate(&input)),
    );
    entries.insert(
        exports::LIST_ACCOUNTS.into(),
        entry(plugin.list_accounts(&input)),
    );
    entries.insert(
        exports::LIST_SERVICES.into(),
        entry(plugin.list_services(&input)),
    );
    let mut usage = entry(plugin.fetch_usage(&usage_input));
    if let Some(output) = usage.get_mut("ok") {
        without_failure_messages(output);
    }
    entries.insert(exports::FETCH_USAGE.into(), usage);
    let mut transcript = Value::Object(entries);
    if let Some(authority) = server_url.and_then(|url| url.split("://").nth(1)) {
        replace_in_strings(&mut transcript, authority, SERVER_PLACEHOLDER);
    }
    transcript
}

/// Replaces `from` with `to` in every string (not key) of `value`.
fn replace_in_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) if text.contains(from) => *text = text.replace(from, to),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_in_strings(item, from, to)),
        Value::Object(members) => members
            .values_mut()
            .for_each(|member| replace_in_strings(member, from, to)),
        _ => {}
    }
}

/// Returns an error as the transcript compares it: its class, status and wait.
pub fn normalized_error(error: &PluginError) -> Value {
    let compared = ComparedError {
        class: error.class,
        http_status: error.http_status,
        retry_after_s: error.retry_after_s,
    };
    serde_json::to_value(compared).unwrap_or(Value::Null)
}

fn entry<T: Serialize>(result: Result<T, PluginError>) -> Value {
    match result {
        Ok(output) => json!({ "ok": serde_json::to_value(output).unwrap_or(Value::Null) }),
        Err(error) => json!({ "error": normalized_error(&error) }),
    }
}

/// Removes the messages of a usage output's failed accounts, keeping their classes.
fn without_failure_messages(usage: &mut Value) {
    let Some(failed) = usage
        .get_mut("failed_accounts")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for account in failed {
        if let Some(error) = account.get_mut("error").and_then(Value::as_object_mut) {
            error.remove("message");
        }
        for failure in account
            .get_mut("failures")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(error) = failure.get_mut("error").and_then(Value::as_object_mut) {
                error.remove("message");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_keeps_its_class_status_and_wait_but_not_its_words() {
        let mut error = PluginError::rate_limited("slow down").with_http_status(429);
        error.retry_after_s = Some(17);
        assert_eq!(
            normalized_error(&error),
            json!({"class": "rate_limited", "http_status": 429, "retry_after_s": 17})
        );
        let bare = PluginError::transient("connection refused");
        assert_eq!(normalized_error(&bare), json!({"class": "transient"}));
    }

    #[test]
    fn the_servers_address_reads_the_same_in_every_run() {
        let mut value = json!({"ok": {"detail": "SaaS Alerts at 127.0.0.1:39179 accepted the key", "n": [1, "127.0.0.1:39179"]}});
        replace_in_strings(&mut value, "127.0.0.1:39179", SERVER_PLACEHOLDER);
        assert_eq!(
            value,
            json!({"ok": {"detail": "SaaS Alerts at {server} accepted the key", "n": [1, "{server}"]}})
        );
    }

    #[test]
    fn failed_accounts_lose_their_messages_and_keep_everything_else() {
        let mut usage = json!({
            "as_of": "2026-11-01T00:00:00Z",
            "records": [],
            "failed_accounts": [{
                "account_id": "a",
                "service_ids": ["s", "t"],
                "error": {"class": "transient", "message": "refused"},
                "failures": [{"service_ids": ["s"], "error": {"class": "transient", "message": "x"}}]
            }]
        });
        without_failure_messages(&mut usage);
        assert_eq!(
            usage["failed_accounts"][0],
            json!({
                "account_id": "a",
                "service_ids": ["s", "t"],
                "error": {"class": "transient"},
                "failures": [{"service_ids": ["s"], "error": {"class": "transient"}}]
            })
        );
    }
}
