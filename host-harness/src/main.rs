//! `host-harness`: run a vendor plugin's calls from the command line, on a live vendor or on
//! recorded exchanges. JSON on stdout; the exit code tells the outcome ([`Exit`]).
//!
//! Shaped like ruff's CLI: one [`Exit`] enum holds every exit code, one [`CliError`] wraps the
//! library's errors with their causes, and each subcommand is one function.

mod args;
mod output;
mod progress;
mod stored;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use args::{Cli, Command};
use clap::Parser;
use host_harness::bundle::{write_bundle_with_scenarios, BundleError};
use host_harness::conformance::{run_conformance, ConformanceError};
use host_harness::files;
use host_harness::flow::run_seed;
use host_harness::render;
use host_harness::runtime::manifest::{ManifestError, PluginManifest};
use host_harness::runtime::plugin::{LoadError, PluginInstance, PluginModule};
use host_harness::runtime::retry::{RetryPolicy, Retrying};
use host_harness::seed::approve::{approve as approve_lines, ApproveError, Choice};
use host_harness::seed::history::{self, Step};
use host_harness::seed::mapping::{auto_map, Mapping};
use host_harness::seed::psa::{PsaError, PsaSnapshot};
use host_harness::seed::review::{sync_and_review, MadeFrom, Review, SyncError};
use host_harness::traffic::recorder::fixtures_of;
use host_harness::traffic::replay::{replay_only, ReplayError, ReplayServer, REPLAY_HOST};
use host_harness::traffic::transcript::transcript;
use output::{
    emit, now_rfc3339, print_result, read_json, read_json_hashed, with_causes, write_json,
};
use plugin_contract::{
    Credentials, CredentialsInput, ErrorClass, FetchUsageInput, PluginError, Secrets, VendorPlugin,
};
use serde::Serialize;

/// Credentials come from `--credentials FILE` and from `HARNESS_CRED_<KEY>` variables (which
/// win), never from the command line.
const CREDENTIAL_ENV_PREFIX: &str = "HARNESS_CRED_";

/// How a run ends; the one place exit codes are defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exit {
    /// The command did what was asked (a sync with failed accounts included: read them).
    Success,
    /// The harness itself failed: manifest, module, replay mismatch, a file.
    Failure,
    /// A conformance check failed.
    ConformanceFailed,
    /// The plugin's call failed with this class.
    Plugin(ErrorClass),
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        // 2 is clap's, for a command line it cannot parse.
        ExitCode::from(match exit {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::ConformanceFailed => 3,
            Exit::Plugin(ErrorClass::Config) => 10,
            Exit::Plugin(ErrorClass::Auth) => 11,
            Exit::Plugin(ErrorClass::Permission) => 12,
            Exit::Plugin(ErrorClass::NotFound) => 13,
            Exit::Plugin(ErrorClass::RateLimited) => 14,
            Exit::Plugin(ErrorClass::Transient) => 15,
            Exit::Plugin(ErrorClass::Vendor) => 16,
            Exit::Plugin(ErrorClass::Internal) => 17,
        })
    }
}

impl Exit {
    /// Returns the exit of a call that failed with `error`, or success.
    fn of(error: Option<&PluginError>) -> Exit {
        error.map_or(Exit::Success, |e| Exit::Plugin(e.class))
    }
}

/// Why the harness could not do what was asked (exit 1); the library's error is kept as the
/// cause, and printed with its own causes.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Conformance(#[from] ConformanceError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Psa(#[from] PsaError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Approve(#[from] ApproveError),
    #[error(transparent)]
    Approval(host_harness::store::approvals::ApprovalError),
    #[error(transparent)]
    Store(#[from] host_harness::store::StoreError),
    #[error(transparent)]
    Step(#[from] host_harness::store::steps::StepError),
    #[error(transparent)]
    Ui(#[from] host_harness::ui::UiError),
    #[error("cannot read {what} {}", .path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} {} is not valid", .path.display())]
    Invalid {
        what: &'static str,
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the output as JSON")]
    Encode(#[from] serde_json::Error),
    #[error("cannot use standard input or output")]
    Stdio(#[from] std::io::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut secrets = Secrets::default();
    let exit = run(&cli, &mut secrets).unwrap_or_else(|error| {
        let message = with_causes(&error);
        let message = secrets.redact(&message);
        eprintln!("host-harness: {}", render::for_terminal(&message));
        Exit::Failure
    });
    exit.into()
}

/// Runs the subcommand. `secrets` receives every form of the secret credentials as soon as
/// they are known, so that whatever is printed, errors included, has them removed.
fn run(cli: &Cli, secrets: &mut Secrets) -> Result<Exit, CliError> {
    match &cli.command {
        Command::Describe => call(cli, secrets, |plugin, input| {
            plugin.describe_credentials(input)
        }),
        Command::Authenticate => call(cli, secrets, |plugin, input| plugin.authenticate(input)),
        Command::Accounts => call(cli, secrets, |plugin, input| plugin.list_accounts(input)),
        Command::Services => call(cli, secrets, |plugin, input| plugin.list_services(input)),
        Command::Usage {
            sync,
            accounts,
            services,
        } => usage(cli, secrets, &sync.as_of(), accounts, services),
        Command::Seed { sync, psa } => seed(cli, secrets, &sync.as_of(), psa.as_deref()),
        Command::Map {
            psa,
            store: Some(store),
            ..
        } => stored::map(cli, secrets, psa.as_deref(), store),
        Command::Map {
            psa: Some(psa),
            mapping,
            store: None,
        } => map(cli, secrets, psa, mapping),
        Command::Sync {
            sync: args,
            json,
            store: Some(store),
            ..
        } => stored::sync(cli, secrets, &args.as_of(), store, *json),
        Command::Sync {
            sync: args,
            psa: Some(psa),
            mapping,
            json,
            review,
            store: None,
        } => {
            let review = review
                .clone()
                .unwrap_or_else(|| mapping.with_file_name("review.json"));
            sync_review(cli, secrets, &args.as_of(), psa, mapping, *json, &review)
        }
        Command::Approve {
            all,
            lines,
            store: Some(store),
            ..
        } => stored::approve(store, *all, lines),
        Command::Approve {
            review,
            psa: Some(psa),
            mapping,
            all,
            lines,
            out,
            store: None,
        } => {
            let mapping = mapping
                .clone()
                .unwrap_or_else(|| review.with_file_name("mapping.json"));
            approve(review, psa, &mapping, *all, lines, out.as_deref())
        }
        Command::Record { sync, out } => record(cli, secrets, &sync.as_of(), out),
        Command::Conformance {
            fixtures,
            write_pending,
        } => conformance(cli, secrets, fixtures, *write_pending),
        Command::Transcript { as_of } => transcript_of(cli, secrets, as_of),
        Command::Package { out, fixtures } => package(&cli.manifest, out, fixtures.as_deref()),
        Command::Schemas { write } => schemas(write.as_deref()),
        Command::Serve { scenario } => serve(scenario),
        Command::Export { store, out } => {
            stored::export(&store.clone().unwrap_or_else(stored::default_store), out)
        }
        Command::Import { store, mapping } => stored::import(
            &store.clone().unwrap_or_else(stored::default_store),
            mapping,
        ),
        Command::Ui { psa, store, port } => stored::ui(
            cli,
            psa.as_deref(),
            &store.clone().unwrap_or_else(stored::default_store),
            *port,
        ),
        Command::Map { psa: None, .. }
        | Command::Sync { psa: None, .. }
        | Command::Approve { psa: None, .. } => {
            // clap refuses this command line first (`required_unless_present`).
            eprintln!("host-harness: give --psa FILE or --store FILE");
            Ok(Exit::Failure)
        }
    }
}

/// A plugin loaded for one command: on the live vendor, or on a replay server that is all it
/// may reach, with the credentials the command line gave.
pub(crate) struct Session {
    pub(crate) module: PluginModule,
    pub(crate) credentials: Credentials,
    replay: Option<ReplayServer>,
    retry_budget: Duration,
}

impl Session {
    /// Starts the replay (if asked), gathers the credentials and loads the plugin; fills
    /// `secrets` first with every credential value, then with the secret ones only.
    pub(crate) fn open(cli: &Cli, secrets: &mut Secrets) -> Result<Session, CliError> {
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
        // Until the plugin says which credentials are secret, every value counts as one.
        *secrets = Secrets::new(credentials.iter().map(|(_, value)| value));
        let manifest = PluginManifest::load(&cli.manifest)?;
        let mut module = match &replay {
            Some(_) => PluginModule::compile(&replay_only(&manifest), &[])?,
            None => PluginModule::compile(&manifest, &cli.allow_hosts)?,
        };
        *secrets = module.secrets(&credentials);
        // A bar on a terminal, lines with --verbose; stderr only, stdout is unchanged.
        if let Some(observer) = progress::Progress::observer(cli.verbose, secrets.clone()) {
            module.set_observer(observer);
        }
        if let Some(replay) = &replay {
            replay.check_credentials(&credentials, &module.description().credentials_schema)?;
            // Where the recording has `<redacted>`, the replay wants a form of a secret.
            let given = module.secrets(&credentials);
            if !given.is_empty() {
                replay.expect_secrets(given);
            }
        }
        Ok(Session {
            module,
            credentials,
            replay,
            retry_budget: Duration::from_secs(cli.retry_budget),
        })
    }

    /// Makes an instance whose failed calls are retried within `--retry-budget`.
    pub(crate) fn retrying(&self) -> Result<Retrying<PluginInstance>, CliError> {
        let policy = RetryPolicy::within(self.retry_budget);
        Ok(Retrying::new(self.module.instantiate()?, policy))
    }

    /// Returns every form of the secret credentials and of the secrets the vendor issued to
    /// `plugin` so far (tokens, session cookies): what nothing printed may hold.
    pub(crate) fn secrets_after(&self, plugin: &PluginInstance) -> Secrets {
        let values: Vec<String> = self
            .module
            .secret_fields()
            .iter()
            .filter_map(|field| self.credentials.get(field))
            .map(str::to_owned)
            .collect();
        plugin.issued().with(&values)
    }

    /// Returns the input of every call but `fetch_usage`.
    fn input(&self) -> CredentialsInput {
        CredentialsInput::new(self.credentials.clone())
    }

    /// Ends a replay: every request must have been recorded and, when `all_used`, every
    /// recorded exchange requested.
    pub(crate) fn close(self, all_used: bool) -> Result<(), CliError> {
        match self.replay {
            Some(replay) if all_used => replay.finish().map(drop)?,
            Some(replay) => replay.check_unmatched()?,
            None => {}
        }
        Ok(())
    }
}

/// Says on stderr that `--allow-host` is ignored, when it was given to a run that replays:
/// scripts written before replays were kept to their own server may still pass it.
pub(crate) fn warn_allow_hosts_ignored(cli: &Cli) {
    if !cli.allow_hosts.is_empty() {
        eprintln!(
            "host-harness: --allow-host is ignored: a replay reaches only its own server ({REPLAY_HOST})"
        );
    }
}

/// Returns the credentials of `--credentials FILE`, overridden by `HARNESS_CRED_<KEY>`
/// variables.
fn given_credentials(cli: &Cli) -> Result<Credentials, CliError> {
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

/// Runs one of the four calls that take the credentials alone and prints its result.
fn call<T: Serialize>(
    cli: &Cli,
    secrets: &mut Secrets,
    call: impl FnOnce(&mut Retrying<PluginInstance>, &CredentialsInput) -> Result<T, PluginError>,
) -> Result<Exit, CliError> {
    let session = Session::open(cli, secrets)?;
    let mut plugin = session.retrying()?;
    let result = call(&mut plugin, &session.input());
    *secrets = session.secrets_after(plugin.inner());
    let exit = print_result(secrets, result)?;
    session.close(false)?;
    Ok(exit)
}

/// Fetches usage, of the chosen accounts and services or all of them, and prints it.
fn usage(
    cli: &Cli,
    secrets: &mut Secrets,
    as_of: &str,
    accounts: &[String],
    services: &[String],
) -> Result<Exit, CliError> {
    let session = Session::open(cli, secrets)?;
    let input = FetchUsageInput {
        credentials: session.credentials.clone(),
        as_of: as_of.to_owned(),
        account_ids: (!accounts.is_empty()).then(|| accounts.to_vec()),
        service_ids: (!services.is_empty()).then(|| services.to_vec()),
    };
    let mut plugin = session.retrying()?;
    let result = plugin.fetch_usage(&input);
    *secrets = session.secrets_after(plugin.inner());
    let exit = print_result(secrets, result)?;
    session.close(false)?;
    Ok(exit)
}

/// Runs the seed flow and prints it for a person.
fn seed(
    cli: &Cli,
    secrets: &mut Secrets,
    as_of: &str,
    psa: Option<&Path>,
) -> Result<Exit, CliError> {
    let psa = psa.map(PsaSnapshot::load).transpose()?;
    let session = Session::open(cli, secrets)?;
    let mut plugin = session.retrying()?;
    let report = run_seed(&mut plugin, &session.credentials, as_of, psa.as_ref());
    *secrets = session.secrets_after(plugin.inner());
    emit(secrets, &report.text);
    // Without a PSA the flow counts every service of every account: every recorded exchange
    // must be used.
    session.close(psa.is_none())?;
    Ok(Exit::of(report.failure.as_ref().map(|(_, e)| e)))
}

/// Maps the vendor's accounts and services onto the PSA, keeping the decisions of `mapping`,
/// and rewrites it.
fn map(cli: &Cli, secrets: &mut Secrets, psa: &Path, mapping: &Path) -> Result<Exit, CliError> {
    let psa = PsaSnapshot::load(psa)?;
    let previous = if mapping.exists() {
        read_json::<Mapping>("the mapping file", mapping)?
    } else {
        Mapping::default()
    };
    let session = Session::open(cli, secrets)?;
    let mut plugin = session.retrying()?;
    let listed = plugin.list_accounts(&session.input()).and_then(|accounts| {
        plugin
            .list_services(&session.input())
            .map(|services| (accounts, services))
    });
    let exit = match listed {
        Ok((accounts, services)) => {
            let mapped = auto_map(&accounts.accounts, &services.services, &psa, &previous);
            write_json(mapping, &mapped)?;
            emit(secrets, &render::mapping(&mapped, &psa));
            println!(
                "   Written to {}: edit state and psa_account_id / psa_product_id to decide.",
                mapping.display()
            );
            Exit::Success
        }
        Err(error) => print_result::<()>(secrets, Err(error))?,
    };
    session.close(false)?;
    Ok(exit)
}

/// Syncs usage for the mapping, prints the review, as a table or as JSON, and writes it as JSON
/// to `review_file` for `approve`.
fn sync_review(
    cli: &Cli,
    secrets: &mut Secrets,
    as_of: &str,
    psa_file: &Path,
    mapping: &Path,
    json: bool,
    review_file: &Path,
) -> Result<Exit, CliError> {
    let (psa, psa_sha256) = PsaSnapshot::load_hashed(psa_file)?;
    let (mapping, mapping_sha256) = read_json_hashed::<Mapping>("the mapping file", mapping)?;
    let made_from = MadeFrom {
        psa_sha256,
        mapping_sha256,
    };
    let session = Session::open(cli, secrets)?;
    let reviewed = sync_and_review(
        &mut session.retrying()?,
        &session.credentials,
        &mapping,
        &psa,
        as_of,
    );
    let exit = match reviewed {
        Ok(mut review) => {
            review.made_from = Some(made_from);
            let written = secrets.redact_json(&serde_json::to_string_pretty(&review)?);
            files::write(review_file, format!("{written}\n").as_bytes()).map_err(|source| {
                CliError::Write {
                    path: review_file.to_owned(),
                    source,
                }
            })?;
            if json {
                println!("{}", render::terminal_json(&written));
            } else {
                emit(secrets, &render::review(&review));
                println!(
                    "\n   Written to {}: approve it with `host-harness approve --review {} --psa {} --all` (or `--line LINE` for each line).",
                    review_file.display(),
                    review_file.display(),
                    psa_file.display()
                );
            }
            Exit::Success
        }
        Err(SyncError::Call { error, .. }) => print_result::<()>(secrets, Err(error))?,
        Err(not_finished) => return Err(not_finished.into()),
    };
    session.close(false)?;
    Ok(exit)
}

/// The variable that makes `approve` stop itself (abort, as a kill would) at a [`Step`], named
/// by [`Step::as_str`]: the tests' way to kill it between its steps.
pub(crate) const STOP_AT_ENV: &str = "HOST_HARNESS_TEST_STOP_AT";

/// Approves lines of the review in `review_file`, made from `psa_file` and `mapping_file`:
/// writes the change set into `out` (the review's folder by default), applies it to the PSA
/// snapshot and adds it to the history, all under the PSA snapshot's lock. An approval an
/// earlier run left unfinished is finished first.
fn approve(
    review_file: &Path,
    psa_file: &Path,
    mapping_file: &Path,
    all: bool,
    lines: &[String],
    out: Option<&Path>,
) -> Result<Exit, CliError> {
    let out = out.unwrap_or_else(|| review_file.parent().unwrap_or(Path::new(".")));
    let out = if out.as_os_str().is_empty() {
        Path::new(".")
    } else {
        out
    };
    let _lock = files::lock_beside(psa_file, |lock| {
        eprintln!(
            "host-harness: another approve of {} holds {}; waiting for it to finish",
            psa_file.display(),
            lock.display()
        );
    })
    .map_err(|source| CliError::Write {
        path: psa_file.to_owned(),
        source,
    })?;
    if let Some(approved_at) = history::finish_interrupted(psa_file, out)? {
        eprintln!(
            "host-harness: finished the approval of {approved_at}, which was stopped before {} was written",
            psa_file.display()
        );
    }
    let review = read_json::<Review>("the review", review_file)?;
    let (mapping, mapping_sha256) = read_json_hashed::<Mapping>("the mapping file", mapping_file)?;
    let (mut psa, psa_sha256) = PsaSnapshot::load_hashed(psa_file)?;
    history::check_made_from(&review, &psa_sha256, &mapping_sha256, &history::read(out)?)?;
    let choice = if all {
        Choice::All
    } else {
        Choice::Lines(lines)
    };
    let approval = approve_lines(&review, &mapping, choice, &mut psa)?;
    let stop_at = std::env::var(STOP_AT_ENV).ok();
    let stop = |step: Step| {
        if stop_at.as_deref() == Some(step.as_str()) {
            std::process::abort();
        }
    };
    let written = history::write_approval(
        &approval,
        &psa,
        psa_file,
        &psa_sha256,
        out,
        &now_rfc3339(),
        &stop,
    )?;
    print!(
        "{}",
        render::for_terminal(&render::approval(&approval, written.as_ref()))
    );
    Ok(Exit::Success)
}

/// Runs the seed flow with recording on and writes the scenario folder `out`.
fn record(cli: &Cli, secrets: &mut Secrets, as_of: &str, out: &Path) -> Result<Exit, CliError> {
    let session = Session::open(cli, secrets)?;
    let module = &session.module;
    let mut plugin = module.instantiate()?;
    plugin.start_recording();
    let report = run_seed(&mut plugin, &session.credentials, as_of, None);
    let raw = plugin.take_recording();
    let source = format!(
        "Recorded by `host-harness record` on {} from {} ({}), usage as of {as_of}; secrets removed; issued tokens and session cookies as <issued-N> placeholders; e-mail addresses, person names, phone numbers, IP addresses, card numbers, IBANs, national ids and street addresses pseudonymized.",
        now_rfc3339(),
        module.description().vendor.name,
        module.manifest().id
    );
    let (recording, replay_credentials) = fixtures_of(
        &raw,
        &session.credentials,
        secrets,
        &module.url_fields(),
        source,
    );
    std::fs::create_dir_all(out).map_err(|source| CliError::Write {
        path: out.to_owned(),
        source,
    })?;
    write_json(&out.join("exchanges.json"), &recording)?;
    write_json(&out.join("credentials.json"), &replay_credentials)?;
    *secrets = session.secrets_after(&plugin);
    emit(secrets, &report.text);
    println!(
        "\nRecorded {} exchanges into {}; replay them with: host-harness seed --replay {}",
        recording.exchanges.len(),
        out.display(),
        out.display()
    );
    session.close(false)?;
    Ok(Exit::of(report.failure.as_ref().map(|(_, e)| e)))
}

/// Runs the contract checks on the fixtures' scenarios; the plugin reaches only the replay
/// server, with the fixtures' own credentials (secrets set to a canary), and the values given
/// to the CLI are removed from the report all the same. With `write_pending`, writes the
/// outputs that differ from the expected ones beside them, as `<file>.new`.
fn conformance(
    cli: &Cli,
    secrets: &mut Secrets,
    fixtures: &Path,
    write_pending: bool,
) -> Result<Exit, CliError> {
    warn_allow_hosts_ignored(cli);
    if cli.replay.is_some() {
        eprintln!(
            "host-harness: --replay is ignored: conformance replays the scenarios of --fixtures"
        );
    }
    let given = given_credentials(cli)?;
    *secrets = Secrets::new(given.iter().map(|(_, value)| value));
    let manifest = PluginManifest::load(&cli.manifest)?;
    let report = run_conformance(&manifest, fixtures)?;
    emit(secrets, &render::conformance(&report));
    if write_pending {
        for pending in &report.pending {
            std::fs::write(&pending.path, secrets.redact(&pending.text).as_bytes()).map_err(
                |source| CliError::Write {
                    path: pending.path.clone(),
                    source,
                },
            )?;
            eprintln!(
                "host-harness: wrote {}: read it, and rename it over the expected outputs to accept it",
                pending.path.display()
            );
        }
    }
    Ok(if report.passed() {
        Exit::Success
    } else {
        Exit::ConformanceFailed
    })
}

/// Runs the five calls once and prints the cross-host transcript.
fn transcript_of(cli: &Cli, secrets: &mut Secrets, as_of: &str) -> Result<Exit, CliError> {
    let session = Session::open(cli, secrets)?;
    let mut plugin = session.module.instantiate()?;
    let server = session.replay.as_ref().map(ReplayServer::base_url);
    let calls = transcript(&mut plugin, &session.credentials, as_of, server);
    *secrets = session.secrets_after(&plugin);
    let json = serde_json::to_string_pretty(&calls)?;
    println!("{}", render::terminal_json(&secrets.redact_json(&json)));
    session.close(false)?;
    Ok(Exit::Success)
}

/// Writes the release bundle, with the scenarios of `fixtures` (by default the `fixtures/`
/// folder beside the manifest, when there is one), and prints its folder.
fn package(manifest: &Path, out: &Path, fixtures: Option<&Path>) -> Result<Exit, CliError> {
    let manifest = PluginManifest::load(manifest)?;
    let beside = manifest.folder().join("fixtures");
    let fixtures = fixtures.or_else(|| beside.is_dir().then_some(beside.as_path()));
    let folder = write_bundle_with_scenarios(&manifest, out, fixtures)?;
    println!("{}", folder.display());
    Ok(Exit::Success)
}

/// Prints every schema as one JSON object keyed by file name, or writes them into `folder`.
fn schemas(folder: Option<&Path>) -> Result<Exit, CliError> {
    match folder {
        Some(folder) => {
            host_harness::conformance::schemas::write(folder).map_err(|source| CliError::Write {
                path: folder.to_owned(),
                source,
            })?
        }
        None => {
            let all: serde_json::Map<String, serde_json::Value> =
                host_harness::conformance::schemas::all()
                    .into_iter()
                    .map(|(name, schema)| (name.to_owned(), schema))
                    .collect();
            println!("{}", serde_json::to_string_pretty(&all)?);
        }
    }
    Ok(Exit::Success)
}

/// Serves `scenario` until stdin closes; prints its URL and credentials first, its report last.
fn serve(scenario: &Path) -> Result<Exit, CliError> {
    let server = ReplayServer::start(scenario)?;
    let started = serde_json::json!({
        "url": server.base_url(),
        "credentials": server.credentials(),
    });
    println!("{started}");
    std::io::stdout().flush()?;
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
    let report = serde_json::to_string(&server.report())?;
    println!("{}", render::terminal_json(&report));
    Ok(Exit::Success)
}
