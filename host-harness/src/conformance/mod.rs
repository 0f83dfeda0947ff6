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
//!
//! [`run_conformance`] is the order of the checks; `runner` replays each scenario and keeps
//! what the plugin returned; every other file of this folder is one check, or one small family
//! of checks, whose documentation says what mistake of a plugin author it catches.

use std::fmt::Write;
use std::path::Path;

use plugin_contract::{exports, Authenticated, CredentialsInput, ErrorClass};
use serde::Serialize;

mod as_of;
mod contract;
mod coverage;
mod credentials;
mod expected;
mod fault_rules;
mod faults;
mod imports;
mod inputs;
mod leaks;
mod outputs;
pub mod plan;
mod recorded;
mod requests;
mod runner;
pub mod schemas;
mod sorted;
mod stable;
#[cfg(test)]
mod tests;
mod tokens;
mod unknown_account;

pub use expected::{ACCOUNT_COUNT, EXPECTED_CLASSES};
pub use fault_rules::{FAULT_CLASSES, FAULT_ISOLATION, FAULT_RETRY_AFTER};
pub use inputs::{AS_OF_CHECKED, UNKNOWN_SERVICE_CONFIG, YIELDS_RECORDS};
pub use outputs::{Pending, EXPECTED_OUTPUTS};
pub use recorded::RECORDED_ONLY;

use as_of::check_as_of;
use contract::{check_contract, OutputSchemas};
use coverage::check_usage;
use credentials::check_bad_credentials;
use expected::{check_account_count, check_expected_classes};
use imports::{check_imports, LOADS_EVERYWHERE};
use leaks::{check_secrets, NO_SECRET, NO_SECRET_ECHOED};
use recorded::{check_every_exchange, check_recorded_only};
use runner::{
    instance, probe_unknown_account, run_echoing, run_every_call, run_scenario, run_scenario_on,
    Output, Probe, Replayed, Run,
};
use sorted::check_sorted;
use stable::{check_deterministic, check_ids, ACCOUNT_IDS, SERVICE_IDS};
use unknown_account::check_unknown_account;

use crate::conformance::plan::{Plan, PlanError};
use crate::runtime::manifest::PluginManifest;
use crate::runtime::plugin::{LoadError, PluginModule};
use crate::traffic::replay::{replay_only, ReplayError};

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

/// Runs every check of the plugin of `manifest` on the scenarios in `fixtures`, with the
/// replay server as the plugin's one allowed host.
pub fn run_conformance(
    manifest: &PluginManifest,
    fixtures: &Path,
) -> Result<Report, ConformanceError> {
    let plan = Plan::read(fixtures)?;
    let schemas = OutputSchemas::compile(&manifest.interface_version)?;
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
    checks.push(check_bad_credentials(&rejected));
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
    checks.push(check_deterministic(&first, &second));
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

/// Returns a passed check named `name`, with what was found.
fn pass(name: &'static str, detail: &str) -> Check {
    Check {
        name,
        passed: true,
        detail: detail.to_owned(),
    }
}

/// Returns a failed check named `name`, with what was wrong.
fn fail(name: &'static str, detail: String) -> Check {
    Check {
        name,
        passed: false,
        detail,
    }
}
