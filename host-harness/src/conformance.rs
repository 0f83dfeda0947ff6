//! The contract checks every vendor plugin must pass, like a connector acceptance suite.
//!
//! The fixtures folder holds replay scenarios and a `conformance.json` naming two of them:
//! `{"valid": "<scenario whose credentials work>", "invalid_credentials": "<scenario whose
//! credentials the vendor rejects>"}`. Every secret credential (`writeOnly`) is replaced by a
//! canary value, and no output may contain it.
//!
//! Every output and error a plugin returns is validated, as the plugin sent it, against the
//! contract's JSON Schemas ([`schemas`](crate::schemas)); a problem names the call, the JSON
//! pointer and what is wrong. What a schema cannot say is checked beside it: a credential that
//! looks secret is `writeOnly`, a required credential is a property, ids are unique and stable,
//! usage covers every pair once, output is deterministic, no secret leaks, and the module
//! imports only what every stock Extism SDK provides ([`imports`](crate::imports)).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use plugin_contract::{
    exports, AccountList, Authenticated, CallInput, Credentials, CredentialsInput, Description,
    ErrorClass, FetchUsageInput, PluginError, Secrets, ServiceList, Usage,
};
use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use crate::imports::unportable_imports;
use crate::plugin::{CompiledVendorPlugin, HostedPlugin};
use crate::replay::{ReplayError, ReplayServer};
use crate::schemas;

/// The value every secret credential gets during the checks: URL-encoding and base64 change
/// it, so a form that leaks is told from the raw value.
pub const CANARY: &str = "conformance canary/7f3a+9c2e=5b1d";

/// The instant usage is counted as of during the checks.
const AS_OF: &str = "2026-01-01T00:00:00Z";

/// The most schema problems a failed check lists.
const MAX_LISTED_PROBLEMS: usize = 5;

/// `conformance.json`: which scenarios of the fixtures folder to use.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Plan {
    /// The scenario folder whose credentials work, relative to the fixtures folder: every call
    /// is made on it.
    valid: String,
    /// The scenario folder whose credentials the vendor rejects, relative to the fixtures
    /// folder: `authenticate` must fail with class `auth`.
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
    /// The checks, in the order they are reported.
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
    /// One of the contract's schemas does not compile: a bug in the harness.
    #[error("the contract schema {file} does not compile: {problem}")]
    Schema { file: &'static str, problem: String },
}

/// What one call returned, as the plugin sent it.
#[derive(Debug, PartialEq)]
struct Output {
    /// The export called.
    call: &'static str,
    /// Whether the call failed, so that `text` is an error.
    failed: bool,
    /// The output or error JSON; after a trap, the error the harness typed it as.
    text: String,
}

/// Everything one run of the valid scenario produced.
#[derive(PartialEq)]
struct Run {
    outputs: Vec<Output>,
    account_ids: Vec<String>,
    service_ids: Vec<String>,
    usage: Result<Usage, PluginError>,
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
    let schemas = OutputSchemas::compile()?;
    let secrets = compiled.secret_fields().to_vec();

    let (rejected, rejected_outputs) = run_scenario(
        compiled,
        &fixtures.join(&plan.invalid_credentials),
        &secrets,
        |session| {
            let input = CredentialsInput {
                credentials: session.credentials.clone(),
            };
            let rejected = session.call::<Authenticated>(exports::AUTHENTICATE, &input);
            (rejected, std::mem::take(&mut session.outputs))
        },
    )?;
    let valid = fixtures.join(&plan.valid);
    let first = run_scenario(compiled, &valid, &secrets, run_every_call)?;
    let second = run_scenario(compiled, &valid, &secrets, run_every_call)?;
    let echoed = run_echoing(compiled, &valid, &secrets)?;

    let outputs = rejected_outputs
        .iter()
        .chain(&first.outputs)
        .chain(&second.outputs)
        .chain(&echoed.outputs);
    let mut checks = vec![check_contract(
        &schemas,
        outputs,
        &compiled.description().credentials_schema,
        &secrets,
    )];
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
    checks.push(check_secrets(
        "no secret appears in any output or error when the vendor echoes it",
        &echoed.outputs,
    ));
    checks.push(match compiled.manifest().read_wasm() {
        Ok(wasm) => check_imports(&wasm),
        Err(e) => fail(LOADS_EVERYWHERE, format!("the module cannot be read: {e}")),
    });
    Ok(Report { checks })
}

/// The name of [`check_imports`].
const LOADS_EVERYWHERE: &str = "the module loads in every stock Extism host";

/// Checks that the module imports only host functions every stock Extism SDK provides.
fn check_imports(wasm: &[u8]) -> Check {
    match unportable_imports(wasm) {
        Ok(found) if found.is_empty() => pass(
            LOADS_EVERYWHERE,
            "it imports only functions every SDK provides",
        ),
        Ok(found) => fail(
            LOADS_EVERYWHERE,
            format!(
                "it imports {}, which some stock SDK does not provide (Node's @extism/extism 1.0.3 has no http_headers: read the status with http_status_code and leave headers to the host; see contract/HOST-PROFILE.md)",
                found.join(", ")
            ),
        ),
        Err(problem) => fail(
            LOADS_EVERYWHERE,
            format!("its imports cannot be read: {problem}"),
        ),
    }
}

/// The contract's schemas of every call's output and of the error, compiled.
struct OutputSchemas(BTreeMap<&'static str, jsonschema::Validator>);

impl OutputSchemas {
    /// Compiles the output schemas and `error.json` from [`schemas::all`].
    fn compile() -> Result<OutputSchemas, ConformanceError> {
        let mut validators = BTreeMap::new();
        for (file, schema) in schemas::all() {
            if file.ends_with(".output.json") || file == "error.json" {
                let validator =
                    jsonschema::validator_for(&schema).map_err(|e| ConformanceError::Schema {
                        file,
                        problem: e.to_string(),
                    })?;
                validators.insert(file, validator);
            }
        }
        Ok(OutputSchemas(validators))
    }

    /// Lists what is wrong with `output`, each problem naming the call, the JSON pointer and
    /// what is wrong.
    fn problems(&self, output: &Output) -> Vec<String> {
        let (what, file) = if output.failed {
            ("error", "error.json".to_owned())
        } else {
            ("output", format!("{}.output.json", output.call))
        };
        let call = output.call;
        let Some(validator) = self.0.get(file.as_str()) else {
            return vec![format!("{call} {what}: the contract has no schema {file}")];
        };
        let instance: Value = match serde_json::from_str(&output.text) {
            Ok(instance) => instance,
            Err(e) => return vec![format!("{call} {what} is not JSON: {e}")],
        };
        validator
            .iter_errors(&instance)
            .map(|error| {
                let pointer = error.instance_path().as_str().to_owned();
                let at = if pointer.is_empty() {
                    "the top level".to_owned()
                } else {
                    pointer
                };
                format!("{call} {what} at {at}: {error} ({file})")
            })
            .collect()
    }
}

/// Validates every output and error against its schema, and checks what a schema cannot say
/// of the credentials schema: a credential that looks secret is `writeOnly`, and every
/// required credential is a property.
fn check_contract<'a>(
    schemas: &OutputSchemas,
    outputs: impl Iterator<Item = &'a Output>,
    credentials_schema: &Value,
    secrets: &[String],
) -> Check {
    const NAME: &str = "every output and error matches the contract's JSON Schema, secrets marked";
    let mut problems: Vec<String> = Vec::new();
    let names: BTreeSet<&str> = credentials_schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, _)| name.as_str())
        .collect();
    for name in &names {
        let looks_secret = ["key", "token", "secret", "password"]
            .iter()
            .any(|w| name.to_ascii_lowercase().contains(w));
        if looks_secret && !secrets.iter().any(|s| s == name) {
            problems.push(format!(
                "credential {name} looks secret but is not writeOnly"
            ));
        }
    }
    for required in credentials_schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !required.as_str().is_some_and(|r| names.contains(r)) {
            problems.push(format!("required credential {required} is not a property"));
        }
    }
    let mut validated = 0;
    for output in outputs {
        validated += 1;
        for problem in schemas.problems(output) {
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
    }
    if problems.is_empty() {
        return pass(
            NAME,
            &format!(
                "{validated} outputs and errors valid; {} credentials, {} secret",
                names.len(),
                secrets.len()
            ),
        );
    }
    let more = problems.len().saturating_sub(MAX_LISTED_PROBLEMS);
    problems.truncate(MAX_LISTED_PROBLEMS);
    let mut detail = problems.join("; ");
    if more > 0 {
        let _ = write!(detail, "; and {more} more");
    }
    fail(NAME, detail)
}

/// Looks for every form of the canary (raw, trimmed, URL-encoded, base64, JSON-escaped) in
/// what the plugin itself returned: the harness removes nothing before this check.
fn check_secrets(name: &'static str, outputs: &[Output]) -> Check {
    let canary = Secrets::new([CANARY]);
    match outputs.iter().position(|o| canary.found_in(&o.text)) {
        Some(index) => fail(
            name,
            format!(
                "output {} of {} ({}) holds a secret credential's value in some form",
                index + 1,
                outputs.len(),
                outputs[index].call
            ),
        ),
        None => pass(name, &format!("{} outputs scanned", outputs.len())),
    }
}

/// A fresh instance on one scenario, keeping what every call returned.
struct Session<'n> {
    plugin: HostedPlugin,
    /// The scenario's credentials, secrets set to the canary.
    credentials: Credentials,
    /// Applied to every output kept.
    normalize: &'n dyn Fn(String) -> String,
    outputs: Vec<Output>,
}

impl Session<'_> {
    /// Calls `export` with `input`, keeps what the plugin sent and decodes it as the harness
    /// does.
    fn call<O: DeserializeOwned>(
        &mut self,
        export: &'static str,
        input: &(impl Serialize + CallInput),
    ) -> Result<O, PluginError> {
        let encoded = serde_json::to_vec(input).map_err(|e| {
            PluginError::new(ErrorClass::Internal, format!("input not encodable: {e}"))
        })?;
        match self.plugin.call_raw(export, input.credentials(), &encoded) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                self.keep(export, false, text);
                serde_json::from_slice(&bytes).map_err(|e| {
                    PluginError::new(
                        ErrorClass::Internal,
                        format!("{export} returned output that is not the contract's JSON: {e}"),
                    )
                })
            }
            Err((error, text)) => {
                // A trap's text is not JSON: what the harness typed it as stands for it.
                let text = text
                    .filter(|t| serde_json::from_str::<Value>(t).is_ok())
                    .unwrap_or_else(|| error.to_json());
                self.keep(export, true, text);
                Err(error)
            }
        }
    }

    fn keep(&mut self, call: &'static str, failed: bool, text: String) {
        let text = (self.normalize)(text);
        self.outputs.push(Output { call, failed, text });
    }
}

/// Runs every call on `folder` served by a vendor that echoes the secret in every string.
fn run_echoing(
    compiled: &CompiledVendorPlugin,
    folder: &Path,
    secrets: &[String],
) -> Result<Run, ConformanceError> {
    let replay = ReplayServer::start_echoing(folder, Some(CANARY))?;
    let mut session = Session {
        plugin: instance(compiled)?,
        credentials: with_canary(replay.credentials(), secrets),
        normalize: &|text| text,
        outputs: Vec::new(),
    };
    Ok(run_every_call(&mut session))
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
    steps: impl FnOnce(&mut Session) -> T,
) -> Result<T, ConformanceError> {
    let replay = ReplayServer::start(folder)?;
    let address = replay.base_url().trim_start_matches("http://").to_owned();
    let normalize = |text: String| text.replace(&address, "replay-server");
    let mut session = Session {
        plugin: instance(compiled)?,
        credentials: with_canary(replay.credentials(), secrets),
        normalize: &normalize,
        outputs: Vec::new(),
    };
    let outcome = steps(&mut session);
    replay.check_unmatched()?;
    Ok(outcome)
}

/// Makes the five calls, `describe_credentials` as a host does at load (no credentials).
fn run_every_call(session: &mut Session) -> Run {
    let input = CredentialsInput {
        credentials: session.credentials.clone(),
    };
    let _ =
        session.call::<Description>(exports::DESCRIBE_CREDENTIALS, &CredentialsInput::default());
    let _ = session.call::<Authenticated>(exports::AUTHENTICATE, &input);
    let accounts = session.call::<AccountList>(exports::LIST_ACCOUNTS, &input);
    let services = session.call::<ServiceList>(exports::LIST_SERVICES, &input);
    let usage = session.call::<Usage>(
        exports::FETCH_USAGE,
        &FetchUsageInput {
            credentials: session.credentials.clone(),
            as_of: AS_OF.to_owned(),
            account_ids: None,
            service_ids: None,
        },
    );
    Run {
        outputs: std::mem::take(&mut session.outputs),
        account_ids: accounts
            .map(|l| l.accounts.into_iter().map(|a| a.id).collect())
            .unwrap_or_default(),
        service_ids: services
            .map(|l| l.services.into_iter().map(|s| s.id).collect())
            .unwrap_or_default(),
        usage,
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn output(call: &'static str, failed: bool, json: Value) -> Output {
        Output {
            call,
            failed,
            text: json.to_string(),
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
        OutputSchemas::compile().expect("the contract's schemas compile")
    }

    #[test]
    fn a_module_importing_http_headers_fails_naming_the_import_and_the_sdk() {
        let wasm = crate::imports::module_importing(&[("extism:host/env", "http_headers")]);
        let check = check_imports(&wasm);
        assert!(!check.passed);
        assert!(
            check.detail.contains("extism:host/env::http_headers")
                && check.detail.contains("1.0.3"),
            "{}",
            check.detail
        );
        let portable = crate::imports::module_importing(&[("extism:host/env", "http_request")]);
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
            problems
                .iter()
                .any(|p| p.starts_with("authenticate error at the top level: ")
                    && p.contains("message")),
            "{problems:?}"
        );
    }

    #[test]
    fn output_that_is_not_json_is_reported_as_such() {
        let broken = Output {
            call: "list_accounts",
            failed: false,
            text: "{\"accounts\": [".to_owned(),
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
        let usage =
            json!({"as_of": AS_OF, "records": records, "warnings": [], "failed_accounts": []});
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
}
