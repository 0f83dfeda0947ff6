//! `host-harness`: run a vendor plugin's calls from the command line, on a live vendor or on
//! recorded exchanges. JSON on stdout; the exit code tells the error class (see the README).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use host_harness::bundle::write_bundle;
use host_harness::conformance::run_conformance;
use host_harness::manifest::PluginManifest;
use host_harness::mapping::{auto_map, Mapping};
use host_harness::plugin::{CompiledVendorPlugin, HostedPlugin};
use host_harness::psa::PsaSnapshot;
use host_harness::record::fixtures_of;
use host_harness::replay::{replay_only, ReplayServer, REPLAY_HOST};
use host_harness::retry::{RetryPolicy, Retrying};
use host_harness::review::{sync, SyncError};
use host_harness::seed::run_seed;
use host_harness::transcript::transcript;
use plugin_contract::{
    Credentials, CredentialsInput, FetchUsageInput, PluginError, Secrets, VendorPlugin,
};
use serde::Serialize;

/// The exit code of a conformance run with a failed check.
const CONFORMANCE_FAILED: u8 = 3;

/// Credentials come from `--credentials FILE` and from `HARNESS_CRED_<KEY>` variables (which
/// win), never from the command line.
const CREDENTIAL_ENV_PREFIX: &str = "HARNESS_CRED_";

#[derive(Parser)]
#[command(
    name = "host-harness",
    version,
    about = "Load a vendor plugin by manifest and call it as a reconciliation host would."
)]
struct Cli {
    /// The plugin's manifest.
    #[arg(long, global = true, default_value = "manifest.json")]
    manifest: PathBuf,
    /// Replay the recorded scenario in DIR from a server on 127.0.0.1 instead of calling the vendor.
    #[arg(long, global = true, value_name = "DIR")]
    replay: Option<PathBuf>,
    /// Also allow HTTP requests to HOST (repeatable).
    #[arg(long = "allow-host", global = true, value_name = "HOST")]
    allow_hosts: Vec<String>,
    /// A JSON object of credentials; HARNESS_CRED_<KEY> variables override its entries.
    #[arg(long, global = true, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Retry rate_limited and transient failures, waiting at most this long in all (0: never).
    #[arg(
        long = "retry-budget",
        global = true,
        value_name = "SECONDS",
        default_value_t = 0
    )]
    retry_budget: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the vendor and its credentials schema.
    Describe,
    /// Check the credentials with the vendor.
    Authenticate,
    /// List the vendor's accounts.
    Accounts,
    /// List the services the plugin counts.
    Services,
    /// Fetch usage counts.
    Usage {
        #[command(flatten)]
        sync: SyncArgs,
        /// Only this account (repeatable).
        #[arg(long = "account", value_name = "ID")]
        accounts: Vec<String>,
        /// Only this service (repeatable).
        #[arg(long = "service", value_name = "ID")]
        services: Vec<String>,
    },
    /// Run the whole seed flow and print it for a person.
    Seed {
        #[command(flatten)]
        sync: SyncArgs,
        /// A PSA snapshot (JSON or CSV): adds auto-mapping and the review of the first sync.
        #[arg(long, value_name = "FILE")]
        psa: Option<PathBuf>,
    },
    /// Map vendor accounts and services onto a PSA snapshot; write the mapping file.
    Map {
        /// The PSA snapshot (JSON or CSV).
        #[arg(long, value_name = "FILE")]
        psa: PathBuf,
        /// The mapping file: its decisions are kept, and it is rewritten.
        #[arg(long, value_name = "FILE", default_value = "mapping.json")]
        mapping: PathBuf,
    },
    /// Sync usage for the mapping and print the review (exit 1 if the mapping is not finished).
    Sync {
        #[command(flatten)]
        sync: SyncArgs,
        /// The PSA snapshot (JSON or CSV).
        #[arg(long, value_name = "FILE")]
        psa: PathBuf,
        /// The mapping file written by `map` and edited by a person.
        #[arg(long, value_name = "FILE", default_value = "mapping.json")]
        mapping: PathBuf,
        /// Print the review as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run the seed flow against the live vendor and write what crossed the wire as fixtures.
    Record {
        #[command(flatten)]
        sync: SyncArgs,
        /// The scenario folder to write (exchanges.json, credentials.json).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Run the contract checks every vendor plugin must pass (exit 3 when one fails).
    Conformance {
        /// Scenarios to replay, with a conformance.json naming the valid and invalid ones.
        #[arg(long, value_name = "DIR")]
        fixtures: PathBuf,
    },
    /// Run the five calls once and print them as the cross-host transcript (JSON).
    Transcript {
        /// The instant `fetch_usage` counts as of (RFC 3339).
        #[arg(long = "as-of", value_name = "RFC3339")]
        as_of: String,
    },
    /// Write the release bundle (wasm, pinned manifest, schemas, host profile); print its folder.
    Package {
        /// The folder to write the bundle into.
        #[arg(long, value_name = "DIR", default_value = "dist")]
        out: PathBuf,
    },
    /// Print the JSON Schemas of every boundary, or write them into a folder.
    Schemas {
        /// Write one file per schema into DIR instead of printing them.
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
    },
    /// Serve a scenario on 127.0.0.1 for a host in another language: print its URL and
    /// credentials as a JSON line, serve until stdin closes, then print what was served.
    Serve {
        /// The scenario folder (exchanges.json, credentials.json).
        scenario: PathBuf,
    },
}

#[derive(clap::Args)]
struct SyncArgs {
    /// The instant to count as of (RFC 3339); now when absent.
    #[arg(long = "as-of", value_name = "RFC3339")]
    as_of: Option<String>,
}

impl SyncArgs {
    fn as_of(&self) -> String {
        self.as_of.clone().unwrap_or_else(|| {
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut secrets = Secrets::default();
    match run(cli, &mut secrets) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("host-harness: {}", secrets.redact(&message));
            ExitCode::from(1)
        }
    }
}

/// Prints `text` on stdout with every form of every secret removed, whatever the plugin did.
fn emit(secrets: &Secrets, text: &str) {
    print!("{}", secrets.redact(text));
}

/// Runs the command; `Err` is a harness failure (exit 1), a plugin error is an exit code.
///
/// `secrets` receives every form of the secret credentials as soon as they are known: until
/// the plugin says which credentials are secret, every credential value counts as one.
fn run(cli: Cli, secrets: &mut Secrets) -> Result<u8, String> {
    match &cli.command {
        Command::Serve { scenario } => return serve(scenario),
        Command::Schemas { write } => return schemas(write.as_deref()),
        Command::Package { out } => {
            let manifest = PluginManifest::load(&cli.manifest).map_err(|e| e.to_string())?;
            let folder = write_bundle(&manifest, out).map_err(|e| e.to_string())?;
            println!("{}", folder.display());
            return Ok(0);
        }
        _ => {}
    }
    // Scripts written before replays were kept to their own server may still pass these flags:
    // say they are ignored rather than refuse the run.
    let checking = matches!(cli.command, Command::Conformance { .. });
    if !cli.allow_hosts.is_empty() && (checking || cli.replay.is_some()) {
        eprintln!(
            "host-harness: --allow-host is ignored: a replay reaches only its own server ({REPLAY_HOST})"
        );
    }
    if checking && cli.replay.is_some() {
        eprintln!(
            "host-harness: --replay is ignored: conformance replays the scenarios of --fixtures"
        );
    }
    let replay = match (&cli.replay, checking) {
        (Some(folder), false) => Some(ReplayServer::start(folder).map_err(|e| e.to_string())?),
        _ => None,
    };
    let mut credentials = replay
        .as_ref()
        .map(|r| r.credentials().clone())
        .unwrap_or_default();
    if let Some(path) = &cli.credentials {
        for (key, value) in read_credentials(path)?.iter() {
            credentials.insert(key, value);
        }
    }
    for (name, value) in std::env::vars() {
        if let Some(key) = name.strip_prefix(CREDENTIAL_ENV_PREFIX) {
            credentials.insert(key.to_ascii_lowercase(), value);
        }
    }
    *secrets = Secrets::new(credentials.iter().map(|(_, value)| value));
    if let Command::Conformance { fixtures } = &cli.command {
        return conformance(&cli.manifest, fixtures, secrets);
    }
    let manifest = PluginManifest::load(&cli.manifest).map_err(|e| e.to_string())?;
    // In replay the plugin may reach the replay server and nothing else.
    let compiled = match &replay {
        Some(_) => CompiledVendorPlugin::compile(&replay_only(&manifest), &[]),
        None => CompiledVendorPlugin::compile(&manifest, &cli.allow_hosts),
    }
    .map_err(|e| e.to_string())?;
    *secrets = compiled.secrets(&credentials);
    let secrets = &*secrets;
    if let Some(replay) = &replay {
        replay
            .check_credentials(&credentials, &compiled.description().credentials_schema)
            .map_err(|e| e.to_string())?;
    }
    if let Command::Record { sync, out } = &cli.command {
        let plugin = compiled.instantiate().map_err(|e| e.to_string())?;
        return record(&compiled, plugin, &credentials, &sync.as_of(), out, secrets);
    }
    if let Command::Transcript { as_of } = &cli.command {
        let mut plugin = compiled.instantiate().map_err(|e| e.to_string())?;
        let server = replay.as_ref().map(ReplayServer::base_url);
        let calls = transcript(&mut plugin, &credentials, as_of, server);
        let json = serde_json::to_string_pretty(&calls).map_err(|e| e.to_string())?;
        println!("{}", secrets.redact_json(&json));
        return Ok(0);
    }
    let plugin = compiled.instantiate().map_err(|e| e.to_string())?;
    let policy = RetryPolicy::within(Duration::from_secs(cli.retry_budget));
    let mut plugin = Retrying::new(plugin, policy);
    let input = CredentialsInput {
        credentials: credentials.clone(),
    };

    let code = match &cli.command {
        Command::Describe => print_result(secrets, plugin.describe_credentials(&input)),
        Command::Authenticate => print_result(secrets, plugin.authenticate(&input)),
        Command::Accounts => print_result(secrets, plugin.list_accounts(&input)),
        Command::Services => print_result(secrets, plugin.list_services(&input)),
        Command::Usage {
            sync,
            accounts,
            services,
        } => print_result(
            secrets,
            plugin.fetch_usage(&FetchUsageInput {
                credentials,
                as_of: sync.as_of(),
                account_ids: (!accounts.is_empty()).then(|| accounts.clone()),
                service_ids: (!services.is_empty()).then(|| services.clone()),
            }),
        ),
        Command::Conformance { .. }
        | Command::Record { .. }
        | Command::Transcript { .. }
        | Command::Package { .. }
        | Command::Schemas { .. }
        | Command::Serve { .. } => unreachable!("handled above"),
        Command::Seed { sync, psa } => {
            let psa = psa.as_deref().map(load_psa).transpose()?;
            let report = run_seed(&mut plugin, &credentials, &sync.as_of(), psa.as_ref());
            emit(secrets, &report.text);
            report
                .failure
                .map_or(0, |(_, e)| host_harness::exit_code(e.class))
        }
        Command::Map { psa, mapping } => {
            let psa = load_psa(psa)?;
            let previous = if mapping.exists() {
                read_mapping(mapping)?
            } else {
                Mapping::default()
            };
            let accounts = plugin.list_accounts(&input);
            let services = plugin.list_services(&input);
            match accounts.and_then(|a| services.map(|s| (a, s))) {
                Ok((accounts, services)) => {
                    let mapped = auto_map(&accounts.accounts, &services.services, &psa, &previous);
                    let json = serde_json::to_string_pretty(&mapped).map_err(|e| e.to_string())?;
                    std::fs::write(mapping, json + "\n")
                        .map_err(|e| format!("cannot write {}: {e}", mapping.display()))?;
                    emit(secrets, &mapped.render(&psa));
                    println!("   Written to {}: edit state and psa_account_id / psa_product_id to decide.", mapping.display());
                    0
                }
                Err(error) => print_result::<()>(secrets, Err(error)),
            }
        }
        Command::Sync {
            sync: args,
            psa,
            mapping,
            json,
        } => {
            let psa = load_psa(psa)?;
            let mapping = read_mapping(mapping)?;
            match sync(&mut plugin, &credentials, &mapping, &psa, &args.as_of()) {
                Ok(review) if *json => {
                    let json = serde_json::to_string_pretty(&review).map_err(|e| e.to_string())?;
                    println!("{}", secrets.redact_json(&json));
                    0
                }
                Ok(review) => {
                    emit(secrets, &review.render());
                    0
                }
                Err(SyncError::Call { error, .. }) => print_result::<()>(secrets, Err(error)),
                Err(not_finished) => return Err(not_finished.to_string()),
            }
        }
    };
    // The seed flow without a PSA counts every service of every account, so it must use every
    // recorded exchange; other commands may use some.
    match (replay, &cli.command) {
        (Some(replay), Command::Seed { psa: None, .. }) => replay.finish().map(drop),
        (Some(replay), _) => replay.check_unmatched(),
        (None, _) => Ok(()),
    }
    .map_err(|e| e.to_string())?;
    Ok(code)
}

/// Runs the contract checks on the fixtures' scenarios with the plugin of `manifest`, which
/// reaches only the replay server; the credentials are the fixtures' own (secrets set to a
/// canary), and `secrets` (the values given to the CLI) are removed from the report all the same.
fn conformance(manifest: &Path, fixtures: &Path, secrets: &Secrets) -> Result<u8, String> {
    let manifest = PluginManifest::load(manifest).map_err(|e| e.to_string())?;
    let report = run_conformance(&manifest, fixtures).map_err(|e| e.to_string())?;
    emit(secrets, &report.render());
    Ok(if report.passed() {
        0
    } else {
        CONFORMANCE_FAILED
    })
}

/// Prints every schema as one JSON object keyed by file name, or writes them into `folder`.
fn schemas(folder: Option<&Path>) -> Result<u8, String> {
    match folder {
        Some(folder) => host_harness::schemas::write(folder)
            .map_err(|e| format!("cannot write the schemas into {}: {e}", folder.display()))?,
        None => {
            let all: serde_json::Map<String, serde_json::Value> = host_harness::schemas::all()
                .into_iter()
                .map(|(name, schema)| (name.to_owned(), schema))
                .collect();
            let json = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
            println!("{json}");
        }
    }
    Ok(0)
}

/// Serves `scenario` until stdin closes; prints its URL and credentials first, its report last.
fn serve(scenario: &Path) -> Result<u8, String> {
    let server = ReplayServer::start(scenario).map_err(|e| e.to_string())?;
    let started = serde_json::json!({
        "url": server.base_url(),
        "credentials": server.credentials(),
    });
    println!("{started}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    let report = serde_json::to_string(&server.report()).map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(0)
}

/// Prints a call's result as JSON, secrets removed; returns the exit code of its class.
fn print_result<T: Serialize>(secrets: &Secrets, result: Result<T, PluginError>) -> u8 {
    #[derive(Serialize)]
    struct Failure<'a> {
        error: &'a PluginError,
    }
    let (json, code) = match &result {
        Ok(output) => (serde_json::to_string_pretty(output), 0),
        Err(error) => (
            serde_json::to_string_pretty(&Failure { error }),
            host_harness::exit_code(error.class),
        ),
    };
    match json {
        Ok(json) => println!("{}", secrets.redact_json(&json)),
        Err(e) => eprintln!("host-harness: cannot print the result: {e}"),
    }
    code
}

/// Runs the seed flow on `plugin` with recording on and writes the scenario folder `out`.
fn record(
    compiled: &CompiledVendorPlugin,
    mut plugin: HostedPlugin,
    credentials: &Credentials,
    as_of: &str,
    out: &Path,
    secrets: &Secrets,
) -> Result<u8, String> {
    plugin.start_recording();
    let report = run_seed(&mut plugin, credentials, as_of, None);
    let raw = plugin.take_recording();
    let source = format!(
        "Recorded by `host-harness record` on {} from {} ({}), usage as of {as_of}; secrets removed, e-mail addresses, person names and IP addresses pseudonymized.",
        humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
        compiled.description().vendor.name,
        compiled.manifest().id
    );
    let (recording, replay_credentials) =
        fixtures_of(&raw, credentials, secrets, &compiled.url_fields(), source);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let write = |name: &str, json: Result<String, serde_json::Error>| {
        let path = out.join(name);
        let text = json.map_err(|e| e.to_string())?;
        std::fs::write(&path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("exchanges.json", serde_json::to_string_pretty(&recording))?;
    write(
        "credentials.json",
        serde_json::to_string_pretty(&replay_credentials),
    )?;
    emit(secrets, &report.text);
    println!(
        "\nRecorded {} exchanges into {}; replay them with: host-harness seed --replay {}",
        recording.exchanges.len(),
        out.display(),
        out.display()
    );
    Ok(report
        .failure
        .map_or(0, |(_, e)| host_harness::exit_code(e.class)))
}

fn load_psa(path: &Path) -> Result<PsaSnapshot, String> {
    PsaSnapshot::load(path).map_err(|e| e.to_string())
}

fn read_mapping(path: &Path) -> Result<Mapping, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the mapping file {}: {e} (write it with `map`)",
            path.display()
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| format!("the mapping file {} is not valid: {e}", path.display()))
}

fn read_credentials(path: &Path) -> Result<Credentials, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the credentials file {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "the credentials file {} must be a JSON object of strings: {e}",
            path.display()
        )
    })
}
