//! The contract checks every vendor plugin must pass, like a connector acceptance suite.
//!
//! The fixtures folder holds replay scenarios and a `conformance.json` naming two of them:
//! `{"valid": "<scenario whose credentials work>", "invalid_credentials": "<scenario whose
//! credentials the vendor rejects>"}`. Every secret credential (`writeOnly`) is replaced by a
//! canary value, and no output may contain it.
//!
//! The plugin runs with the replay server as its one allowed host
//! ([`replay_only`]), whatever its manifest allows, and a scenario whose URL
//! credentials point anywhere else is refused before any call
//! ([`ReplayServer::check_credentials`]): the checks never reach a real vendor.
//!
//! Every output and error a plugin returns is validated, as the plugin sent it, against the
//! contract's JSON Schemas ([`schemas`](crate::conformance::schemas)); a problem names the call, the JSON
//! pointer and what is wrong. What a schema cannot say is checked beside it: a credential that
//! looks secret is `writeOnly`, a required credential is a property, the plugin asks only for
//! recorded requests and the full run asks for every one, ids are unique and stable, output is
//! sorted, `as_of` is echoed, usage covers every pair once, an unknown account is `not_found`,
//! output is deterministic, no secret leaks, and the module imports only what every stock
//! Extism SDK provides ([`imports`](crate::runtime::imports)).
//!
//! A request the recording does not hold gets HTTP 501 from the replay server, and the run goes
//! on: the mismatch fails the check [`RECORDED_ONLY`] (naming the request, and the header that
//! differed and how), and every other check still runs on what the plugin did with the 501.
//!
//! The unknown-account check asks `fetch_usage` of the valid scenario for
//! [`UNKNOWN_ACCOUNT`] alone, on a replay of its own whose unmatched requests are not held
//! against the plugin: a recording cannot answer for an id its vendor never had. It passes
//! when every pair of that account is in `failed_accounts` as `not_found`; or in
//! `failed_accounts` with another class when the plugin asked the vendor about the account
//! and the recording had no answer (the harness cannot know what the vendor would have said);
//! or when the whole call fails with an error naming the id. A record for the account (a zero
//! is a count, not a failure) fails it, as do missing pairs or pairs of another account.
//!
//! The second run of the valid scenario reuses the first run's instance, as a host that keeps
//! its instances between syncs does: whatever a plugin carries from call to call (a counter in
//! a static) shows as ids that changed, or as output that differs.
//!
//! Two checks run only when `conformance.json` asks for them, so that what a recording alone
//! cannot tell is checked too: `"accounts": <n>`, how many accounts `list_accounts` gives on
//! the valid scenario, inactive ones included ([`ACCOUNT_COUNT`]); and `"expect": {"<scenario>":
//! "<class>"}`, scenarios whose run must fail first with that class ([`EXPECTED_CLASSES`]): a
//! 403 that is `permission` and not `auth`, a 429 that is `rate_limited`, a count that cannot
//! be read that fails as `vendor` instead of becoming 0. Each such scenario gets the five calls
//! of the valid one; its requests count for [`RECORDED_ONLY`], its outputs for the schema and
//! secret checks.
//!
//! Three more kinds of check need nothing of the author: `faults` derives fault scenarios
//! from the valid one (each answer replaced in turn by a 401, 403, 404, 429, 5xx, web page,
//! empty or cut body, broken connection) and `fault_rules` checks the classes, the
//! `retry_after_s` and the isolation of one account's failure on each; `inputs` checks that
//! the valid scenario yields records and that a bad `as_of` or an unknown service id is
//! `config`. And `outputs` compares each scenario's outputs with the file the plan's
//! `outputs` names for it, a snapshot its author accepted.

use std::fmt::Write;
use std::path::Path;

use plugin_contract::{
    exports, AccountList, Authenticated, CallInput, Credentials, CredentialsInput, Description,
    ErrorClass, FetchUsageInput, PluginError, Secrets, ServiceList, Usage, Warning,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

mod calls;
mod fault_rules;
mod faults;
mod inputs;
mod outputs;
pub mod plan;
mod requests;
mod schema;
pub mod schemas;
mod tokens;

use calls::{
    check_account_count, check_as_of, check_expected_classes, check_ids, check_sorted,
    check_unknown_account, check_usage,
};
use schema::{check_contract, check_imports, OutputSchemas};

pub use fault_rules::{FAULT_CLASSES, FAULT_ISOLATION, FAULT_RETRY_AFTER};
pub use inputs::{AS_OF_CHECKED, UNKNOWN_SERVICE_CONFIG, YIELDS_RECORDS};
pub use outputs::{Pending, EXPECTED_OUTPUTS};

use crate::conformance::plan::{Plan, PlanError};
use crate::traffic::replay::{replay_only, ReplayError, ReplayReport, ReplayServer};
use crate::runtime::manifest::PluginManifest;
use crate::runtime::plugin::{LoadError, PluginInstance, PluginModule};

/// The value every secret credential gets during the checks: URL-encoding and base64 change
/// it, so a form that leaks is told from the raw value.
pub const CANARY: &str = "conformance canary/7f3a+9c2e=5b1d";

/// The account id no vendor knows, asked for by the unknown-account check.
pub const UNKNOWN_ACCOUNT: &str = "conformance-unknown-account";

/// The instant usage is counted as of during the checks.
const AS_OF: &str = "2026-01-01T00:00:00Z";

/// The instant the unknown-account check counts as of: another one than [`AS_OF`], so that a
/// plugin answering a fixed or reformatted instant is caught.
const PROBE_AS_OF: &str = "2026-02-15T12:30:00Z";

/// The most schema problems (or requests, or exchanges) a failed check lists.
const MAX_LISTED_PROBLEMS: usize = 5;

/// The names of the checks, as printed.
const CONTRACT: &str = "every output and error matches the contract's JSON Schema, secrets marked";
const BAD_CREDENTIALS: &str = "bad credentials give auth";
/// The name of the check that every request the plugin made was recorded.
pub const RECORDED_ONLY: &str = "the plugin asked only for recorded requests";
const EVERY_EXCHANGE: &str = "the full run requests every recorded exchange of the valid scenario";
const ACCOUNT_IDS: &str = "account ids are unique and stable";
const SERVICE_IDS: &str = "service ids are unique and stable";
const SORTED: &str = "accounts, services and usage are sorted as the contract says";
const AS_OF_ECHOED: &str = "fetch_usage echoes as_of exactly";
const COVERAGE: &str = "usage covers every listed pair once, zeros stated";
const UNKNOWN: &str = "an unknown account is not_found, never a record";
const DETERMINISTIC: &str = "the same fixtures give byte-identical output";
const NO_SECRET: &str = "no secret appears in any output or error";
const NO_SECRET_ECHOED: &str = "no secret appears in any output or error when the vendor echoes it";
/// The name of [`check_imports`].
const LOADS_EVERYWHERE: &str = "the module loads in every stock Extism host";
/// The name of the check of the plan's `accounts`, made only when the plan has it.
pub const ACCOUNT_COUNT: &str =
    "list_accounts gives every account of the valid scenario, inactive ones included";
/// The name of the check of the plan's `expect`, made only when the plan has it.
pub const EXPECTED_CLASSES: &str = "each scenario of expect fails first with its class";

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
    /// Outputs that differ from the expected ones, or have none yet, for the author to
    /// accept (see [`Pending`]).
    #[serde(skip)]
    pub pending: Vec<Pending>,
}

impl Report {
    /// Tells whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

/// Why the checks could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// `conformance.json` is missing, malformed, or names a folder outside the fixtures.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The plugin could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A scenario could not be replayed (unreadable, or credentials pointing off the replay).
    #[error("scenario {scenario}: {error}")]
    Replay {
        scenario: String,
        error: ReplayError,
    },
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
    /// After a trap, the runtime's own text when it is not `text` (a panic message): it is
    /// searched for secrets too.
    raw: Option<String>,
}

/// Everything one run of the valid scenario produced.
#[derive(PartialEq)]
struct Run {
    outputs: Vec<Output>,
    /// Account ids in the order `list_accounts` gave them.
    account_ids: Vec<String>,
    /// The warnings of `list_accounts`, in its order.
    account_warnings: Vec<Warning>,
    /// Service ids in the order `list_services` gave them.
    service_ids: Vec<String>,
    usage: Result<Usage, PluginError>,
}

/// What a replay served: its report, and how many exchanges the scenario recorded.
struct Replayed {
    /// The scenario folder's name, as `conformance.json` gives it.
    scenario: String,
    report: ReplayReport,
    exchanges: usize,
    /// The lines the plugin logged during the run, as it wrote them.
    logs: Vec<String>,
    /// The values the scenario's responses issue (tokens, session cookies).
    issued: Vec<String>,
    /// `METHOD /path` of the scenario's token endpoints (requests whose answer issues a value).
    issuing: Vec<String>,
}

/// What the unknown-account call gave.
struct Probe {
    usage: Result<Usage, PluginError>,
    /// Requests of the call the recording had no answer for.
    unanswered: Vec<String>,
}

/// Runs every check of the plugin of `manifest` on the scenarios in `fixtures`, with the
/// replay server as the plugin's one allowed host.
pub fn run_conformance(
    manifest: &PluginManifest,
    fixtures: &Path,
) -> Result<Report, ConformanceError> {
    let plan = Plan::read(fixtures)?;
    let schemas = OutputSchemas::compile()?;
    let compiled = PluginModule::compile(&replay_only(manifest), &[])?;
    let compiled = &compiled;
    let secrets = compiled.secret_fields().to_vec();

    let invalid = (
        plan.invalid_credentials.as_str(),
        fixtures.join(&plan.invalid_credentials),
    );
    let ((rejected, rejected_outputs), rejected_replay) =
        run_scenario(compiled, invalid, &secrets, |session| {
            let input = CredentialsInput::new(session.credentials.clone());
            let rejected = session.call::<Authenticated>(exports::AUTHENTICATE, &input);
            (rejected, std::mem::take(&mut session.outputs))
        })?;
    let valid = || (plan.valid.as_str(), fixtures.join(&plan.valid));
    let (first, first_replay, warm) = run_scenario_on(
        instance(compiled)?,
        compiled,
        valid(),
        &secrets,
        run_every_call,
    )?;
    let (second, second_replay, _) =
        run_scenario_on(warm, compiled, valid(), &secrets, run_every_call)?;
    let ((probe_usage, probe_outputs), probe_replay) =
        run_scenario(compiled, valid(), &secrets, probe_unknown_account)?;
    let probe = Probe {
        usage: probe_usage,
        unanswered: probe_replay.report.unmatched.clone(),
    };
    let echoed = run_echoing(compiled, valid(), &secrets)?;
    let (probes, _) = run_scenario(compiled, valid(), &secrets, |session| {
        inputs::probe_inputs(session, &first.service_ids)
    })?;
    let derived = faults::derive_and_run(compiled, &plan.valid, &valid().1, &secrets)?;
    let mut expected = Vec::new();
    for (scenario, class) in &plan.expect {
        let folder = (scenario.as_str(), fixtures.join(scenario));
        let (run, replayed) = run_scenario(compiled, folder, &secrets, run_every_call)?;
        expected.push((scenario.as_str(), *class, run, replayed));
    }
    let mut only_outputs = Vec::new();
    for scenario in plan.outputs.keys() {
        let ran = [&plan.valid, &plan.invalid_credentials].contains(&scenario)
            || plan.expect.contains_key(scenario);
        if !ran {
            let folder = (scenario.as_str(), fixtures.join(scenario));
            let (run, _) = run_scenario(compiled, folder, &secrets, run_every_call)?;
            only_outputs.push((scenario.as_str(), run.outputs));
        }
    }

    let raw_outputs: Vec<&Output> = rejected_outputs
        .iter()
        .chain(&first.outputs)
        .chain(&second.outputs)
        .chain(&probe_outputs)
        .chain(&probes.outputs)
        .chain(only_outputs.iter().flat_map(|(_, outputs)| outputs))
        .chain(expected.iter().flat_map(|(_, _, run, _)| &run.outputs))
        .chain(derived.outputs())
        .collect();
    let mut checks = vec![check_contract(
        &schemas,
        raw_outputs.iter().copied().chain(&echoed.outputs),
        &compiled.description().credentials_schema,
        &secrets,
    )];
    checks.push(match rejected {
        Err(error) if error.class == ErrorClass::Auth => {
            pass(BAD_CREDENTIALS, "authenticate failed with class auth")
        }
        Err(error) => fail(
            BAD_CREDENTIALS,
            format!("authenticate failed with class {}", error.class.as_str()),
        ),
        Ok(_) => fail(BAD_CREDENTIALS, "authenticate succeeded".to_owned()),
    });
    let replays: Vec<&Replayed> = [&rejected_replay, &first_replay, &second_replay]
        .into_iter()
        .chain(expected.iter().map(|(_, _, _, replayed)| replayed))
        .collect();
    checks.push(check_recorded_only(&replays));
    checks.push(check_every_exchange(&first_replay));
    checks.push(check_ids(
        ACCOUNT_IDS,
        &first.account_ids,
        &second.account_ids,
    ));
    checks.push(check_ids(
        SERVICE_IDS,
        &first.service_ids,
        &second.service_ids,
    ));
    checks.push(check_sorted(&first));
    checks.push(check_as_of(&[
        (AS_OF, &first.usage),
        (PROBE_AS_OF, &probe.usage),
    ]));
    checks.push(check_usage(&first));
    checks.push(check_unknown_account(&probe, &first.service_ids));
    checks.push(if first == second {
        pass(DETERMINISTIC, "two runs matched")
    } else {
        fail(DETERMINISTIC, "two runs differed".to_owned())
    });
    checks.push(check_secrets(NO_SECRET, &raw_outputs));
    let echoed_outputs: Vec<&Output> = echoed.outputs.iter().collect();
    checks.push(check_secrets(NO_SECRET_ECHOED, &echoed_outputs));
    let all_replays: Vec<&Replayed> = replays.iter().copied().chain([&probe_replay]).collect();
    checks.push(requests::check_no_secret_sent(&all_replays));
    checks.push(requests::check_no_secret_logged(&all_replays));
    checks.push(requests::check_no_issued_token(&raw_outputs, &all_replays));
    checks.push(tokens::check_token_reused(&first_replay, &second_replay));
    checks.push(match compiled.manifest().read_wasm() {
        Ok(wasm) => check_imports(&wasm),
        Err(e) => fail(LOADS_EVERYWHERE, format!("the module cannot be read: {e}")),
    });
    checks.push(fault_rules::check_fault_classes(&derived));
    checks.push(fault_rules::check_fault_retry_after(&derived));
    checks.push(fault_rules::check_fault_isolation(&derived));
    checks.push(inputs::check_yields_records(&first.usage));
    checks.push(inputs::check_as_of_checked(&probes));
    checks.push(inputs::check_unknown_service(&probes, &first.account_ids));
    if let Some(accounts) = plan.accounts {
        checks.push(check_account_count(accounts, &first));
    }
    if !expected.is_empty() {
        let runs: Vec<(&str, ErrorClass, &Run)> = expected
            .iter()
            .map(|(scenario, class, run, _)| (*scenario, *class, run))
            .collect();
        checks.push(check_expected_classes(&runs));
    }
    let scenarios: Vec<(&str, Vec<&Output>)> = [
        (plan.valid.as_str(), first.outputs.iter().collect()),
        (
            plan.invalid_credentials.as_str(),
            rejected_outputs.iter().collect(),
        ),
    ]
    .into_iter()
    .chain(
        expected
            .iter()
            .map(|(scenario, _, run, _)| (*scenario, run.outputs.iter().collect())),
    )
    .chain(
        only_outputs
            .iter()
            .map(|(scenario, outputs)| (*scenario, outputs.iter().collect())),
    )
    .collect();
    let (check, pending) = outputs::check_outputs(fixtures, &scenarios, &plan.outputs);
    checks.push(check);
    Ok(Report { checks, pending })
}

/// Joins the first [`MAX_LISTED_PROBLEMS`] of `items` and counts the rest.
fn listed(mut items: Vec<String>, separator: &str) -> String {
    let more = items.len().saturating_sub(MAX_LISTED_PROBLEMS);
    items.truncate(MAX_LISTED_PROBLEMS);
    let mut text = items.join(separator);
    if more > 0 {
        let _ = write!(text, "{separator}and {more} more");
    }
    text
}

/// Checks that every request of the replays matched a recorded exchange: a request that did
/// not (a page the recording lacks, a header sent differently) is named with its scenario,
/// and the header that differed and how. The canary is removed from what is printed.
fn check_recorded_only(replays: &[&Replayed]) -> Check {
    let canary = Secrets::new([CANARY]);
    let mut unmatched: Vec<String> = Vec::new();
    for replay in replays {
        for request in &replay.report.unmatched {
            let shown = format!("{}: {}", replay.scenario, canary.redact(request));
            if !unmatched.contains(&shown) {
                unmatched.push(shown);
            }
        }
    }
    let served: usize = replays.iter().map(|r| r.report.served.len()).sum();
    if unmatched.is_empty() {
        pass(
            RECORDED_ONLY,
            &format!(
                "{served} requests in {} runs, each one recorded",
                replays.len()
            ),
        )
    } else {
        fail(
            RECORDED_ONLY,
            format!(
                "no recorded exchange for {}; the replay answered HTTP 501",
                listed(unmatched, "; ")
            ),
        )
    }
}

/// Checks that the full run (the five calls, usage of every pair) requested every exchange
/// the valid scenario recorded: a plugin that stops before a later page leaves one unused.
fn check_every_exchange(replay: &Replayed) -> Check {
    let unused = &replay.report.unused;
    if unused.is_empty() {
        return pass(
            EVERY_EXCHANGE,
            &format!("{} exchanges, each requested", replay.exchanges),
        );
    }
    fail(
        EVERY_EXCHANGE,
        format!(
            "{} of {} exchanges of {} never requested (a page or an account skipped?): {}",
            unused.len(),
            replay.exchanges,
            replay.scenario,
            listed(unused.clone(), ", ")
        ),
    )
}

/// Looks for every form of the canary (raw, trimmed, URL-encoded, base64, JSON-escaped) in
/// what the plugin itself returned, outputs and error texts as they came out of the runtime:
/// the harness removes nothing before this check (its instances do not redact, see
/// [`PluginInstance::without_redaction`]).
fn check_secrets(name: &'static str, outputs: &[&Output]) -> Check {
    let canary = Secrets::new([CANARY]);
    let leaks = |o: &Output| {
        canary.found_in(&o.text) || o.raw.as_deref().is_some_and(|raw| canary.found_in(raw))
    };
    match outputs.iter().position(|o| leaks(o)) {
        Some(index) => {
            let output = outputs[index];
            let what = if output.failed { "error" } else { "output" };
            fail(
                name,
                format!(
                    "output {} of {} ({} {what}) holds a secret credential's value in some form",
                    index + 1,
                    outputs.len(),
                    output.call
                ),
            )
        }
        None => pass(name, &format!("{} outputs scanned", outputs.len())),
    }
}

/// A fresh instance on one scenario, keeping what every call returned.
struct Session<'n> {
    plugin: PluginInstance,
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
        let encoded = serde_json::to_vec(input)
            .map_err(|e| PluginError::internal(format!("input not encodable: {e}")))?;
        match self.plugin.call_raw(export, input.credentials(), &encoded) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                self.keep(export, false, text, None);
                serde_json::from_slice(&bytes).map_err(|e| {
                    PluginError::internal(format!(
                        "{export} returned output that is not the contract's JSON: {e}"
                    ))
                })
            }
            Err((error, raw)) => {
                let (text, raw) = error_texts(&error, raw);
                self.keep(export, true, text, raw);
                Err(error)
            }
        }
    }

    fn keep(&mut self, call: &'static str, failed: bool, text: String, raw: Option<String>) {
        let text = (self.normalize)(text);
        let raw = raw.map(self.normalize);
        self.outputs.push(Output {
            call,
            failed,
            text,
            raw,
        });
    }
}

/// The texts kept of a failed call, from the error as the harness typed it and the runtime's
/// `raw` text: the plugin's error JSON as it sent it; after a trap (whose text is not JSON) the
/// typed error, with the trap's own text kept beside it, unredacted, for the secret checks.
fn error_texts(error: &PluginError, raw: Option<String>) -> (String, Option<String>) {
    match raw {
        Some(raw) if serde_json::from_str::<Value>(&raw).is_ok() => (raw, None),
        raw => (error.to_json(), raw),
    }
}

/// Runs every call on the valid scenario served by a vendor that echoes the secret in every
/// string; what it requests is not checked against the recording.
fn run_echoing(
    compiled: &PluginModule,
    (scenario, folder): (&str, std::path::PathBuf),
    secrets: &[String],
) -> Result<Run, ConformanceError> {
    let replay = start_replay(compiled, scenario, &folder, Some(CANARY))?;
    let mut session = Session {
        plugin: instance(compiled)?,
        credentials: with_canary(replay.credentials(), secrets),
        normalize: &|text| text,
        outputs: Vec::new(),
    };
    Ok(run_every_call(&mut session))
}

/// Starts replaying `folder`, and refuses it when a credential would send the plugin
/// elsewhere.
fn start_replay(
    compiled: &PluginModule,
    scenario: &str,
    folder: &Path,
    echo: Option<&str>,
) -> Result<ReplayServer, ConformanceError> {
    let replay_error = |error| ConformanceError::Replay {
        scenario: scenario.to_owned(),
        error,
    };
    let replay = ReplayServer::start_echoing(folder, echo).map_err(replay_error)?;
    replay.expect_secrets(Secrets::new([CANARY]));
    replay
        .check_credentials(
            replay.credentials(),
            &compiled.description().credentials_schema,
        )
        .map_err(replay_error)?;
    Ok(replay)
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
fn instance(compiled: &PluginModule) -> Result<PluginInstance, ConformanceError> {
    compiled
        .instantiate()
        .map(PluginInstance::without_redaction)
        .map_err(|e| ConformanceError::Instantiate(e.to_string()))
}

/// Replays `folder` to a fresh instance, with secret credentials set to the canary; the
/// replay server's address (it changes from run to run) reads `replay-server` in outputs.
/// Requests the recording lacks do not stop the run: they are in the returned report.
fn run_scenario<T>(
    compiled: &PluginModule,
    scenario: (&str, std::path::PathBuf),
    secrets: &[String],
    steps: impl FnOnce(&mut Session) -> T,
) -> Result<(T, Replayed), ConformanceError> {
    run_scenario_on(instance(compiled)?, compiled, scenario, secrets, steps)
        .map(|(outcome, replayed, _)| (outcome, replayed))
}

/// Replays `folder` to `plugin` as [`run_scenario`] does, and hands the instance back.
fn run_scenario_on<T>(
    plugin: PluginInstance,
    compiled: &PluginModule,
    (scenario, folder): (&str, std::path::PathBuf),
    secrets: &[String],
    steps: impl FnOnce(&mut Session) -> T,
) -> Result<(T, Replayed, PluginInstance), ConformanceError> {
    let replay = start_replay(compiled, scenario, &folder, None)?;
    let address = replay.base_url().trim_start_matches("http://").to_owned();
    let normalize = |text: String| text.replace(&address, "replay-server");
    let mut plugin = plugin;
    let logs = requests::LogLines::observe(&mut plugin);
    let mut session = Session {
        plugin,
        credentials: with_canary(replay.credentials(), secrets),
        normalize: &normalize,
        outputs: Vec::new(),
    };
    let outcome = steps(&mut session);
    let replayed = Replayed {
        scenario: scenario.to_owned(),
        report: replay.report(),
        exchanges: replay.exchange_count(),
        logs: logs.take(),
        issued: replay.issued_values(),
        issuing: replay.issuing_requests(),
    };
    Ok((outcome, replayed, session.plugin))
}

/// Makes the five calls, `describe_credentials` as a host does at load (no credentials).
fn run_every_call(session: &mut Session) -> Run {
    let input = CredentialsInput::new(session.credentials.clone());
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
    let (account_ids, account_warnings) = accounts.map_or_else(
        |_| (Vec::new(), Vec::new()),
        |list| {
            let ids = list.accounts.into_iter().map(|a| a.id).collect();
            (ids, list.warnings)
        },
    );
    Run {
        outputs: std::mem::take(&mut session.outputs),
        account_ids,
        account_warnings,
        service_ids: services
            .map(|l| l.services.into_iter().map(|s| s.id).collect())
            .unwrap_or_default(),
        usage,
    }
}

/// Asks `fetch_usage` for [`UNKNOWN_ACCOUNT`] alone, as of [`PROBE_AS_OF`].
fn probe_unknown_account(session: &mut Session) -> (Result<Usage, PluginError>, Vec<Output>) {
    let usage = session.call::<Usage>(
        exports::FETCH_USAGE,
        &FetchUsageInput {
            credentials: session.credentials.clone(),
            as_of: PROBE_AS_OF.to_owned(),
            account_ids: Some(vec![UNKNOWN_ACCOUNT.to_owned()]),
            service_ids: None,
        },
    );
    (usage, std::mem::take(&mut session.outputs))
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
        OutputSchemas::compile().expect("the contract's schemas compile")
    }

    #[test]
    fn a_module_importing_http_headers_fails_naming_the_import_and_the_sdk() {
        let wasm =
            crate::runtime::imports::module_importing(&[("extism:host/env", "http_headers")]);
        let check = check_imports(&wasm);
        assert!(!check.passed);
        assert!(
            check.detail.contains("extism:host/env::http_headers")
                && check.detail.contains("1.0.3"),
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
            plugin_contract::secrets::percent_encode(CANARY)
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
            check
                .detail
                .contains("gave a record (users, quantity 0): an account the vendor does not know became a count"),
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
            plugin_contract::secrets::percent_encode(CANARY)
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
            plugin_contract::secrets::base64(CANARY.as_bytes())
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
}
