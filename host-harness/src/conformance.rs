//! The contract checks every vendor plugin must pass, like a connector acceptance suite.
//!
//! The fixtures folder holds replay scenarios and a `conformance.json` naming two of them:
//! `{"valid": "<scenario whose credentials work>", "invalid_credentials": "<scenario whose
//! credentials the vendor rejects>"}`. Every secret credential (`writeOnly`) is replaced by a
//! canary value, and no output may contain it.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

use plugin_contract::{
    Credentials, CredentialsInput, ErrorClass, FetchUsageInput, PluginError, Secrets, VendorPlugin,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plugin::{CompiledVendorPlugin, HostedPlugin};
use crate::replay::{ReplayError, ReplayServer};

/// The value every secret credential gets during the checks: URL-encoding and base64 change
/// it, so a form that leaks is told from the raw value.
pub const CANARY: &str = "conformance canary/7f3a+9c2e=5b1d";

/// The instant usage is counted as of during the checks.
const AS_OF: &str = "2026-01-01T00:00:00Z";

/// `conformance.json`: which scenarios to use.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plan {
    valid: String,
    invalid_credentials: String,
}

/// One check and its outcome.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What is checked.
    pub name: &'static str,
    /// Whether the plugin passed.
    pub passed: bool,
    /// What was found, for a person.
    pub detail: String,
}

/// The outcome of every check.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
}

impl Report {
    /// Tells whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// Renders the report for a person.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for check in &self.checks {
            let mark = if check.passed { "PASS" } else { "FAIL" };
            let _ = writeln!(out, "{mark}  {}: {}", check.name, check.detail);
        }
        let failed = self.checks.iter().filter(|c| !c.passed).count();
        let _ = writeln!(out, "\n{} checks, {failed} failed", self.checks.len());
        out
    }
}

/// Why the checks could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// `conformance.json` is missing or malformed.
    #[error("cannot use {path}: {problem}")]
    Plan { path: String, problem: String },
    /// A scenario could not be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A fresh instance could not be made.
    #[error("the plugin could not be instantiated: {0}")]
    Instantiate(String),
}

/// Everything one run of the valid scenario produced.
#[derive(PartialEq)]
struct Run {
    outputs: Vec<String>,
    account_ids: Vec<String>,
    service_ids: Vec<String>,
    usage: Result<plugin_contract::Usage, PluginError>,
}

/// Runs every check of `compiled` on the scenarios in `fixtures`.
pub fn run_conformance(
    compiled: &CompiledVendorPlugin,
    fixtures: &Path,
) -> Result<Report, ConformanceError> {
    let plan_path = fixtures.join("conformance.json");
    let plan: Plan = std::fs::read_to_string(&plan_path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        .map_err(|problem| ConformanceError::Plan {
            path: plan_path.display().to_string(),
            problem,
        })?;
    let schema = &compiled.description().credentials_schema;
    let secrets = compiled.secret_fields().to_vec();
    let mut checks = vec![check_schema(schema, &secrets)];

    let rejected = run_scenario(
        compiled,
        &fixtures.join(&plan.invalid_credentials),
        &secrets,
        |plugin, credentials, _| {
            plugin.authenticate(&CredentialsInput {
                credentials: credentials.clone(),
            })
        },
    )?;
    checks.push(match rejected {
        Err(error) if error.class == ErrorClass::Auth => pass(
            "bad credentials give auth",
            "authenticate failed with class auth",
        ),
        Err(error) => fail(
            "bad credentials give auth",
            format!("authenticate failed with class {}", error.class.as_str()),
        ),
        Ok(_) => fail(
            "bad credentials give auth",
            "authenticate succeeded".to_owned(),
        ),
    });

    let valid = fixtures.join(&plan.valid);
    let first = run_scenario(compiled, &valid, &secrets, run_every_call)?;
    let second = run_scenario(compiled, &valid, &secrets, run_every_call)?;
    checks.push(check_ids(
        "account ids are unique and stable",
        &first.account_ids,
        &second.account_ids,
    ));
    checks.push(check_ids(
        "service ids are unique and stable",
        &first.service_ids,
        &second.service_ids,
    ));
    checks.push(check_usage(&first));
    checks.push(if first == second {
        pass(
            "the same fixtures give byte-identical output",
            "two runs matched",
        )
    } else {
        fail(
            "the same fixtures give byte-identical output",
            "two runs differed".to_owned(),
        )
    });
    checks.push(check_secrets(
        "no secret appears in any output or error",
        &first.outputs,
    ));
    let echoed = run_echoing(compiled, &valid, &secrets)?;
    checks.push(check_secrets(
        "no secret appears in any output or error when the vendor echoes it",
        &echoed.outputs,
    ));
    Ok(Report { checks })
}

/// Looks for every form of the canary (raw, trimmed, URL-encoded, base64, JSON-escaped) in
/// what the plugin itself returned: the harness removes nothing before this check.
fn check_secrets(name: &'static str, outputs: &[String]) -> Check {
    let canary = Secrets::new([CANARY]);
    match outputs.iter().position(|o| canary.found_in(o)) {
        Some(index) => fail(
            name,
            format!(
                "output {} of {} holds a secret credential's value in some form",
                index + 1,
                outputs.len()
            ),
        ),
        None => pass(name, &format!("{} outputs scanned", outputs.len())),
    }
}

/// Runs every call on `folder` served by a vendor that echoes the secret in every string.
fn run_echoing(
    compiled: &CompiledVendorPlugin,
    folder: &Path,
    secrets: &[String],
) -> Result<Run, ConformanceError> {
    let replay = ReplayServer::start_echoing(folder, Some(CANARY))?;
    let mut plugin = instance(compiled)?;
    let credentials = with_canary(replay.credentials(), secrets);
    Ok(run_every_call(&mut plugin, &credentials, &|text| text))
}

/// Returns `credentials` with every secret credential set to the canary.
fn with_canary(credentials: &Credentials, secrets: &[String]) -> Credentials {
    let mut credentials = credentials.clone();
    for field in secrets {
        if credentials.get(field).is_some_and(|v| !v.is_empty()) {
            credentials.insert(field.as_str(), CANARY);
        }
    }
    credentials
}

/// Makes an instance that returns the plugin's errors as they are, secrets included.
fn instance(compiled: &CompiledVendorPlugin) -> Result<HostedPlugin, ConformanceError> {
    compiled
        .instantiate()
        .map(HostedPlugin::without_redaction)
        .map_err(|e| ConformanceError::Instantiate(e.to_string()))
}

/// Replays `folder` to a fresh instance, with secret credentials set to the canary; the
/// replay server's address (it changes from run to run) reads `replay-server` in outputs.
fn run_scenario<T>(
    compiled: &CompiledVendorPlugin,
    folder: &Path,
    secrets: &[String],
    steps: impl FnOnce(&mut dyn VendorPlugin, &Credentials, &dyn Fn(String) -> String) -> T,
) -> Result<T, ConformanceError> {
    let replay = ReplayServer::start(folder)?;
    let credentials = with_canary(replay.credentials(), secrets);
    let mut plugin = instance(compiled)?;
    let address = replay.base_url().trim_start_matches("http://").to_owned();
    let outcome = steps(&mut plugin, &credentials, &|text: String| {
        text.replace(&address, "replay-server")
    });
    replay.check_unmatched()?;
    Ok(outcome)
}

fn run_every_call(
    plugin: &mut dyn VendorPlugin,
    credentials: &Credentials,
    normalize: &dyn Fn(String) -> String,
) -> Run {
    let input = CredentialsInput {
        credentials: credentials.clone(),
    };
    let mut outputs = Vec::new();
    let mut record = |json: Result<String, serde_json::Error>| {
        outputs.push(normalize(
            json.unwrap_or_else(|e| format!("unencodable: {e}")),
        ));
    };
    let authenticated = plugin.authenticate(&input);
    record(serde_json::to_string(&authenticated));
    let accounts = plugin.list_accounts(&input);
    record(serde_json::to_string(&accounts));
    let services = plugin.list_services(&input);
    record(serde_json::to_string(&services));
    let usage = plugin.fetch_usage(&FetchUsageInput {
        credentials: credentials.clone(),
        as_of: AS_OF.to_owned(),
        account_ids: None,
        service_ids: None,
    });
    record(serde_json::to_string(&usage));
    Run {
        outputs,
        account_ids: accounts
            .map(|l| l.accounts.into_iter().map(|a| a.id).collect())
            .unwrap_or_default(),
        service_ids: services
            .map(|l| l.services.into_iter().map(|s| s.id).collect())
            .unwrap_or_default(),
        usage,
    }
}

fn properties(schema: &Value) -> impl Iterator<Item = (&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn check_schema(schema: &Value, secrets: &[String]) -> Check {
    const NAME: &str = "the credentials schema is a JSON Schema object with secrets marked";
    let mut problems = Vec::new();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        problems.push("type is not \"object\"".to_owned());
    }
    let names: BTreeSet<&str> = properties(schema).map(|(n, _)| n.as_str()).collect();
    if names.is_empty() {
        problems.push("no properties".to_owned());
    }
    for (name, property) in properties(schema) {
        if property.get("type").and_then(Value::as_str) != Some("string") {
            problems.push(format!("{name} is not of type string"));
        }
        if let Some(default) = property.get("default") {
            if !default.is_string() {
                problems.push(format!("{name}'s default is not a string"));
            }
        }
        let looks_secret = ["key", "token", "secret", "password"]
            .iter()
            .any(|w| name.to_ascii_lowercase().contains(w));
        if looks_secret && !secrets.contains(name) {
            problems.push(format!("{name} looks secret but is not writeOnly"));
        }
    }
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !required.as_str().is_some_and(|r| names.contains(r)) {
            problems.push(format!("required {required} is not a property"));
        }
    }
    if problems.is_empty() {
        pass(
            NAME,
            &format!("{} properties, {} secret", names.len(), secrets.len()),
        )
    } else {
        fail(NAME, problems.join("; "))
    }
}

fn check_ids(name: &'static str, first: &[String], second: &[String]) -> Check {
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

fn check_usage(run: &Run) -> Check {
    const NAME: &str = "usage covers every listed pair once, zeros stated";
    let usage = match &run.usage {
        Ok(usage) => usage,
        Err(error) => return fail(NAME, format!("fetch_usage failed: {error}")),
    };
    let mut seen = BTreeSet::new();
    let pairs = usage
        .records
        .iter()
        .map(|r| (r.account_id.clone(), r.service_id.clone()))
        .chain(usage.failed_accounts.iter().flat_map(|f| {
            f.service_ids
                .iter()
                .map(|s| (f.account_id.clone(), s.clone()))
        }));
    for pair in pairs {
        if !run.account_ids.contains(&pair.0) || !run.service_ids.contains(&pair.1) {
            return fail(
                NAME,
                format!("{pair:?} names an account or service that was not listed"),
            );
        }
        if !seen.insert(pair.clone()) {
            return fail(NAME, format!("{pair:?} is reported twice"));
        }
    }
    let expected = run.account_ids.len() * run.service_ids.len();
    if seen.len() == expected {
        let zeros = usage.records.iter().filter(|r| r.quantity == 0).count();
        pass(NAME, &format!("{expected} pairs, {zeros} explicit zeros"))
    } else {
        fail(NAME, format!("{} of {expected} pairs reported", seen.len()))
    }
}

fn pass(name: &'static str, detail: &str) -> Check {
    Check {
        name,
        passed: true,
        detail: detail.to_owned(),
    }
}

fn fail(name: &'static str, detail: String) -> Check {
    Check {
        name,
        passed: false,
        detail,
    }
}
