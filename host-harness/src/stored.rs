//! The CLI's faces over the store (`--store`): `ui`, and `map`, `sync` and `approve` on the
//! same state the web host keeps, through the same [`host_harness::store::steps`].

use std::io::Write;
use std::path::{Path, PathBuf};

use host_harness::files;
use host_harness::render;
use host_harness::seed::approve::Choice;
use host_harness::seed::history::change_set_files;
use host_harness::seed::mapping::Mapping;
use host_harness::seed::psa::PsaSnapshot;
use host_harness::store::approvals::ApprovalError;
use host_harness::store::steps::{self, Calling, StepError};
use host_harness::store::Store;
use host_harness::ui::{serve, UiOptions};
use plugin_contract::Secrets;

use crate::output::{emit, now_rfc3339, print_result, read_json, write_json};
use crate::{warn_allow_hosts_ignored, Cli, CliError, Exit, Session, STOP_AT_ENV};

/// Serves the web host until the process is stopped.
pub(crate) fn ui(
    cli: &Cli,
    psa: Option<&Path>,
    store: &Path,
    port: Option<u16>,
) -> Result<Exit, CliError> {
    if cli.replay.is_some() {
        warn_allow_hosts_ignored(cli);
    }
    let options = UiOptions {
        manifest: cli.manifest.clone(),
        replay: cli.replay.clone(),
        psa: psa.map(Path::to_owned),
        store: store.to_owned(),
        port,
        allow_hosts: cli.allow_hosts.clone(),
    };
    serve(&options, |url| {
        // A reader that closed stdout (a script that took the URL) must not stop the server.
        let _ = writeln!(
            std::io::stdout().lock(),
            "host-harness ui: serving {} on {url}\n   Open it in a browser; the token in it is this session's. Ctrl-C stops.",
            store.display()
        );
    })?;
    Ok(Exit::Success)
}

/// Opens the store, importing `psa` when it has no PSA snapshot yet.
fn open(store: &Path, psa: Option<&Path>) -> Result<Store, CliError> {
    let mut opened = Store::open(store)?;
    if let Some(path) = psa {
        if opened.psa()?.is_none() {
            opened.import_psa(&PsaSnapshot::load(path)?)?;
        } else {
            eprintln!(
                "host-harness: {} already holds a PSA snapshot (as its approvals left it); --psa is not imported again",
                store.display()
            );
        }
    }
    Ok(opened)
}

/// Connects (authenticate, accounts, services, auto-mapping) on the store and prints the
/// mapping.
pub(crate) fn map(
    cli: &Cli,
    secrets: &mut Secrets,
    psa: Option<&Path>,
    store_path: &Path,
) -> Result<Exit, CliError> {
    let mut store = open(store_path, psa)?;
    let session = Session::open(cli, secrets)?;
    let mut plugin = session.retrying()?;
    let vendor_id = session.module.description().vendor.id.clone();
    let connected = steps::connect(
        &mut store,
        Calling {
            plugin: &mut plugin,
            credentials: &session.credentials,
            secret_fields: session.module.secret_fields(),
            vendor_id: &vendor_id,
        },
        &now_rfc3339(),
    );
    *secrets = session.secrets_after(plugin.inner());
    let exit = match connected {
        Ok(_) => {
            let (psa, _) = store.psa()?.unwrap_or_default();
            emit(secrets, &render::mapping(&store.mapping()?, &psa));
            println!(
                "   Kept in {}: map the rest in `host-harness ui`, then `host-harness sync --store`.",
                store_path.display()
            );
            Exit::Success
        }
        Err(StepError::Call { error, .. }) => print_result::<()>(secrets, Err(error))?,
        Err(other) => return Err(other.into()),
    };
    session.close(false)?;
    Ok(exit)
}

/// Syncs the store's mapping and prints the review, as a table or as JSON.
pub(crate) fn sync(
    cli: &Cli,
    secrets: &mut Secrets,
    as_of: &str,
    store_path: &Path,
    json: bool,
) -> Result<Exit, CliError> {
    let mut store = open(store_path, None)?;
    let session = Session::open(cli, secrets)?;
    let mut plugin = session.retrying()?;
    let synced = steps::sync(
        &mut store,
        &mut plugin,
        &session.credentials,
        as_of,
        &now_rfc3339,
        &|| false,
    );
    *secrets = session.secrets_after(plugin.inner());
    let exit = match synced {
        Ok((id, review)) => {
            if json {
                let written = secrets.redact_json(&serde_json::to_string_pretty(&review)?);
                println!("{}", render::terminal_json(&written));
            } else {
                emit(secrets, &render::review(&review));
                println!(
                    "\n   Sync {id} kept in {}: approve it with `host-harness approve --store {} --all` (or `--line LINE`).",
                    store_path.display(),
                    store_path.display()
                );
            }
            Exit::Success
        }
        Err(StepError::Call { error, .. }) => print_result::<()>(secrets, Err(error))?,
        Err(other) => return Err(other.into()),
    };
    session.close(false)?;
    Ok(exit)
}

/// Approves lines of the store's latest review; the approval and the PSA snapshot as approved
/// are kept in one transaction.
pub(crate) fn approve(store_path: &Path, all: bool, lines: &[String]) -> Result<Exit, CliError> {
    let mut store = open(store_path, None)?;
    let Some(sync) = store.last_review()? else {
        return Err(CliError::Step(StepError::MappingNotFinished));
    };
    let choice = if all {
        Choice::All
    } else {
        Choice::Lines(lines)
    };
    let stop_at = std::env::var(STOP_AT_ENV).ok();
    let stop = |step: &str| {
        if stop_at.as_deref() == Some(step) {
            std::process::abort();
        }
    };
    match store.approve(sync.id, choice, &now_rfc3339(), &stop) {
        Ok(row) => {
            print!(
                "{}",
                render::for_terminal(&render::approval(&row.approval, None))
            );
            println!(
                "   Approval {} of sync {} kept in {}.",
                row.id,
                sync.id,
                store_path.display()
            );
            Ok(Exit::Success)
        }
        Err(ApprovalError::Refused(refused)) => Err(refused.into()),
        Err(other) => Err(CliError::Approval(other)),
    }
}

/// Writes the store's state as the files scripts read: `mapping.json`, `psa.json` (as the
/// approvals left it), `review.json` (the latest review) and, after an approval, the latest
/// `changes.json` and `changes.csv`, each whole or not at all; prints what it wrote.
pub(crate) fn export(store_path: &Path, out: &Path) -> Result<Exit, CliError> {
    let store = open(store_path, None)?;
    std::fs::create_dir_all(out).map_err(|source| CliError::Write {
        path: out.to_owned(),
        source,
    })?;
    let mut written = vec![out.join("mapping.json")];
    write_json(&written[0], &store.mapping()?)?;
    if let Some((psa, _)) = store.psa()? {
        written.push(out.join("psa.json"));
        write_json(&out.join("psa.json"), &psa)?;
    }
    if let Some(review) = store.last_review()?.and_then(|sync| sync.review) {
        written.push(out.join("review.json"));
        write_json(&out.join("review.json"), &review)?;
    }
    if let Some(last) = store.approvals()?.pop() {
        let (json, csv) = change_set_files(&last.approval.change_set)?;
        for (name, bytes) in [("changes.json", json), ("changes.csv", csv)] {
            let path = out.join(name);
            files::write(&path, &bytes).map_err(|source| CliError::Write {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
    }
    for path in written {
        println!("{}", path.display());
    }
    Ok(Exit::Success)
}

/// Replaces the store's mapping with a mapping file (as `map` writes it and a person edits it).
pub(crate) fn import(store_path: &Path, mapping: &Path) -> Result<Exit, CliError> {
    let mut store = open(store_path, None)?;
    let mapping: Mapping = read_json("the mapping file", mapping)?;
    store.replace_mapping(&mapping)?;
    println!(
        "Imported {} account and {} service decisions into {}.",
        mapping.accounts.len(),
        mapping.services.len(),
        store_path.display()
    );
    Ok(Exit::Success)
}

/// The store a command uses when `--store` names none.
pub(crate) fn default_store() -> PathBuf {
    PathBuf::from(host_harness::store::DEFAULT_STORE)
}
