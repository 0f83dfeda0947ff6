//! The runner: replays a scenario to a plugin instance, makes the calls a host makes, and keeps
//! what each call returned, as the plugin sent it, for the checks to read.
//!
//! Every secret credential is set to the [`CANARY`], each scenario gets its own replay server
//! (refused when a credential points off it), and instances do not redact, so that a check
//! sees exactly what the plugin said.

use std::path::Path;

use plugin_contract::{
    exports, AccountList, Authenticated, CallInput, Credentials, CredentialsInput, Description,
    FetchUsageInput, PluginError, Secrets, ServiceList, Usage, Warning,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use super::requests;
use super::{ConformanceError, AS_OF, CANARY, PROBE_AS_OF, UNKNOWN_ACCOUNT};
use crate::runtime::plugin::{PluginInstance, PluginModule};
use crate::traffic::replay::{ReplayReport, ReplayServer};

/// What one call returned, as the plugin sent it.
#[derive(Debug, PartialEq)]
pub(super) struct Output {
    /// The export called.
    pub(super) call: &'static str,
    /// Whether the call failed, so that `text` is an error.
    pub(super) failed: bool,
    /// The output or error JSON; after a trap, the error the harness typed it as.
    pub(super) text: String,
    /// After a trap, the runtime's own text when it is not `text` (a panic message): it is
    /// searched for secrets too.
    pub(super) raw: Option<String>,
}

/// Everything one run of the valid scenario produced.
#[derive(PartialEq)]
pub(super) struct Run {
    pub(super) outputs: Vec<Output>,
    /// Account ids in the order `list_accounts` gave them.
    pub(super) account_ids: Vec<String>,
    /// The warnings of `list_accounts`, in its order.
    pub(super) account_warnings: Vec<Warning>,
    /// Service ids in the order `list_services` gave them.
    pub(super) service_ids: Vec<String>,
    pub(super) usage: Result<Usage, PluginError>,
}

/// What a replay served: its report, and how many exchanges the scenario recorded.
pub(super) struct Replayed {
    /// The scenario folder's name, as `conformance.json` gives it.
    pub(super) scenario: String,
    pub(super) report: ReplayReport,
    pub(super) exchanges: usize,
    /// The lines the plugin logged during the run, as it wrote them.
    pub(super) logs: Vec<String>,
    /// The values the scenario's responses issue (tokens, session cookies).
    pub(super) issued: Vec<String>,
    /// `METHOD /path` of the scenario's token endpoints (requests whose answer issues a value).
    pub(super) issuing: Vec<String>,
}

/// What the unknown-account call gave.
pub(super) struct Probe {
    pub(super) usage: Result<Usage, PluginError>,
    /// Requests of the call the recording had no answer for.
    pub(super) unanswered: Vec<String>,
}

/// A fresh instance on one scenario, keeping what every call returned.
pub(super) struct Session<'n> {
    pub(super) plugin: PluginInstance,
    /// The scenario's credentials, secrets set to the canary.
    pub(super) credentials: Credentials,
    /// Applied to every output kept.
    pub(super) normalize: &'n dyn Fn(String) -> String,
    pub(super) outputs: Vec<Output>,
}

impl Session<'_> {
    /// Calls `export` with `input`, keeps what the plugin sent and decodes it as the harness
    /// does.
    pub(super) fn call<O: DeserializeOwned>(
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

    pub(super) fn keep(
        &mut self,
        call: &'static str,
        failed: bool,
        text: String,
        raw: Option<String>,
    ) {
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
pub(super) fn error_texts(error: &PluginError, raw: Option<String>) -> (String, Option<String>) {
    match raw {
        Some(raw) if serde_json::from_str::<Value>(&raw).is_ok() => (raw, None),
        raw => (error.to_json(), raw),
    }
}

/// Runs every call on the valid scenario served by a vendor that echoes the secret in every
/// string; what it requests is not checked against the recording.
pub(super) fn run_echoing(
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
pub(super) fn start_replay(
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
pub(super) fn with_canary(credentials: &Credentials, secrets: &[String]) -> Credentials {
    let mut credentials = credentials.clone();
    for field in secrets {
        if credentials.get(field).is_some_and(|v| !v.is_empty()) {
            credentials.insert(field.as_str(), CANARY);
        }
    }
    credentials
}

/// Makes an instance that returns the plugin's errors as they are, secrets included.
pub(super) fn instance(compiled: &PluginModule) -> Result<PluginInstance, ConformanceError> {
    compiled
        .instantiate()
        .map(PluginInstance::without_redaction)
        .map_err(|e| ConformanceError::Instantiate(e.to_string()))
}

/// Replays `folder` to a fresh instance, with secret credentials set to the canary; the
/// replay server's address (it changes from run to run) reads `replay-server` in outputs.
/// Requests the recording lacks do not stop the run: they are in the returned report.
pub(super) fn run_scenario<T>(
    compiled: &PluginModule,
    scenario: (&str, std::path::PathBuf),
    secrets: &[String],
    steps: impl FnOnce(&mut Session) -> T,
) -> Result<(T, Replayed), ConformanceError> {
    run_scenario_on(instance(compiled)?, compiled, scenario, secrets, steps)
        .map(|(outcome, replayed, _)| (outcome, replayed))
}

/// Replays `folder` to `plugin` as [`run_scenario`] does, and hands the instance back.
pub(super) fn run_scenario_on<T>(
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
pub(super) fn run_every_call(session: &mut Session) -> Run {
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
pub(super) fn probe_unknown_account(
    session: &mut Session,
) -> (Result<Usage, PluginError>, Vec<Output>) {
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
