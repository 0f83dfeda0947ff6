//! A plugin loaded for one command, with the credentials it runs with and the secrets derived
//! from them once: everything a command prints, and the message of an error it fails with,
//! has them removed.
//!
//! The secrets are derived where the credentials are read, here, and nowhere else: every value
//! given until the plugin says which credentials are secret, then the secret ones only, and
//! with them the tokens and session cookies the vendor issued to the instances of this session
//! (found as they arrive, so they are known whenever something is printed).

use std::sync::Mutex;
use std::time::Duration;

use host_harness::runtime::issued::Issued;
use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::{PluginInstance, PluginModule};
use host_harness::runtime::retry::{RetryPolicy, Retrying};
use host_harness::traffic::replay::{replay_only, ReplayServer, REPLAY_HOST};
use plugin_contract::{Credentials, CredentialsInput, Secrets};

use crate::args::Cli;
use crate::error::{CliError, Failure};
use crate::output::read_json;
use crate::progress;

/// Credentials come from `--credentials FILE` and from `HARNESS_CRED_<KEY>` variables (which
/// win), never from the command line.
const CREDENTIAL_ENV_PREFIX: &str = "HARNESS_CRED_";

/// A plugin loaded for one command: on the live vendor, or on a replay server that is all it
/// may reach, with the credentials the command line gave.
pub(crate) struct Session {
    /// The compiled plugin.
    pub(crate) module: PluginModule,
    /// The credentials every call is given.
    pub(crate) credentials: Credentials,
    /// The values of the secret credentials, as given.
    secret_values: Vec<String>,
    /// Every form of them.
    secrets: Secrets,
    /// What the vendor issued to each instance made so far.
    issued: Mutex<Vec<Issued>>,
    /// The replay server, when the plugin runs on a recording.
    replay: Option<ReplayServer>,
    /// How long failed calls may be retried in all.
    retry_budget: Duration,
}

impl Session {
    /// Starts the replay (if asked), gathers the credentials and loads the plugin; a failure
    /// before the plugin says which credentials are secret counts every value as one.
    pub(crate) fn open(cli: &Cli) -> Result<Session, Failure> {
        if cli.replay.is_some() {
            warn_allow_hosts_ignored(cli);
        }
        let replay = cli.replay.as_deref().map(ReplayServer::start).transpose()?;
        let mut credentials = replay
            .as_ref()
            .map(|r| r.credentials().clone())
            .unwrap_or_default();
        for (key, value) in given_credentials(cli)?.iter() {
            credentials.insert(key, value);
        }
        let every_value = || Secrets::new(credentials.iter().map(|(_, value)| value));
        let manifest =
            PluginManifest::load(&cli.manifest).map_err(|e| Failure::new(e, every_value()))?;
        let compiled = match &replay {
            Some(_) => PluginModule::compile(&replay_only(&manifest), &[]),
            None => PluginModule::compile(&manifest, &cli.allow_hosts),
        };
        let mut module = compiled.map_err(|e| Failure::new(e, every_value()))?;
        let secret_values: Vec<String> = module
            .secret_fields()
            .iter()
            .filter_map(|field| credentials.get(field))
            .map(str::to_owned)
            .collect();
        let secrets = module.secrets(&credentials);
        // A bar on a terminal, lines with --verbose; stderr only, stdout is unchanged.
        if let Some(observer) = progress::Progress::observer(cli.verbose, secrets.clone()) {
            module.set_observer(observer);
        }
        if let Some(replay) = &replay {
            replay
                .check_credentials(&credentials, &module.description().credentials_schema)
                .map_err(|e| Failure::new(e, secrets.clone()))?;
            // Where the recording has `<redacted>`, the replay wants a form of a secret.
            if !secrets.is_empty() {
                replay.expect_secrets(secrets.clone());
            }
        }
        Ok(Session {
            module,
            credentials,
            secret_values,
            secrets,
            issued: Mutex::new(Vec::new()),
            replay,
            retry_budget: Duration::from_secs(cli.retry_budget),
        })
    }

    /// Makes an instance of the plugin whose issued secrets this session removes.
    pub(crate) fn instantiate(&self) -> Result<PluginInstance, CliError> {
        let instance = self.module.instantiate()?;
        self.lock_issued().push(instance.issued().clone());
        Ok(instance)
    }

    /// Makes an instance whose failed calls are retried within `--retry-budget`.
    pub(crate) fn retrying(&self) -> Result<Retrying<PluginInstance>, CliError> {
        let policy = RetryPolicy::within(self.retry_budget);
        Ok(Retrying::new(self.instantiate()?, policy))
    }

    /// Returns every form of the secret credentials and of the secrets the vendor issued so
    /// far (tokens, session cookies): what nothing printed may hold.
    pub(crate) fn secrets(&self) -> Secrets {
        let issued = self.lock_issued();
        let values: Vec<String> = issued.iter().flat_map(Issued::values).collect();
        if values.is_empty() {
            return self.secrets.clone();
        }
        Secrets::new(self.secret_values.iter().chain(&values).map(String::as_str))
    }

    /// Returns every form of the secret credentials alone, as derived when the session opened.
    pub(crate) fn credential_secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Returns the failure of `error` in this session: its message without the secrets.
    pub(crate) fn fail(&self, error: impl Into<CliError>) -> Failure {
        Failure::new(error, self.secrets())
    }

    /// Runs `command` in this session; its error leaves with the secrets known by then.
    pub(crate) fn run<T>(
        &self,
        command: impl FnOnce(&Session) -> Result<T, CliError>,
    ) -> Result<T, Failure> {
        command(self).map_err(|error| self.fail(error))
    }

    /// Returns the input of every call but `fetch_usage`.
    pub(crate) fn input(&self) -> CredentialsInput {
        CredentialsInput::new(self.credentials.clone())
    }

    /// Returns the replay server's URL, when the plugin runs on one.
    pub(crate) fn replay_url(&self) -> Option<&str> {
        self.replay.as_ref().map(ReplayServer::base_url)
    }

    /// Ends a replay: every request must have been recorded and, when `all_used`, every
    /// recorded exchange requested.
    pub(crate) fn close(self, all_used: bool) -> Result<(), Failure> {
        let secrets = self.secrets();
        let closed = match self.replay {
            Some(replay) if all_used => replay.finish().map(drop),
            Some(replay) => replay.check_unmatched(),
            None => Ok(()),
        };
        closed.map_err(|e| Failure::new(e, secrets))
    }

    fn lock_issued(&self) -> std::sync::MutexGuard<'_, Vec<Issued>> {
        self.issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Says on stderr that `--allow-host` is ignored, when it was given to a run that replays:
/// scripts written before replays were kept to their own server may still pass it.
pub(crate) fn warn_allow_hosts_ignored(cli: &Cli) {
    if !cli.allow_hosts.is_empty() {
        crate::output::note(&format!(
            "host-harness: --allow-host is ignored: a replay reaches only its own server ({REPLAY_HOST})"
        ));
    }
}

/// Returns the credentials of `--credentials FILE`, overridden by `HARNESS_CRED_<KEY>`
/// variables.
pub(crate) fn given_credentials(cli: &Cli) -> Result<Credentials, CliError> {
    let mut credentials = match &cli.credentials {
        Some(path) => read_json::<Credentials>("the credentials file", path)?,
        None => Credentials::default(),
    };
    for (name, value) in std::env::vars() {
        if let Some(key) = name.strip_prefix(CREDENTIAL_ENV_PREFIX) {
            credentials.insert(key.to_ascii_lowercase(), value);
        }
    }
    Ok(credentials)
}
