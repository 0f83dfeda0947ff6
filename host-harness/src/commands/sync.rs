//! `host-harness sync`: usage synced for the mapping and the review a person approves, kept in
//! `review.json` (written by the library, [`host_harness::seed::review_file`]) or in a store.

use std::path::Path;

use host_harness::render;
use host_harness::seed::mapping_file;
use host_harness::seed::psa::PsaSnapshot;
use host_harness::seed::review::{sync_and_review, MadeFrom, Review, SyncError};
use host_harness::seed::review_file;
use host_harness::store::steps::{self, StepError};
use plugin_contract::Secrets;

use crate::args::Cli;
use crate::error::{CliError, Failure};
use crate::output::{emit, now_rfc3339, print_line, print_result};
use crate::session::Session;
use crate::Exit;

/// Syncs usage for the mapping, prints the review, as a table or as JSON, and writes it as JSON
/// to `review_file` for `approve`.
pub(crate) fn on_files(
    cli: &Cli,
    as_of: &str,
    psa_file: &Path,
    mapping: &Path,
    json: bool,
    review_path: &Path,
) -> Result<Exit, Failure> {
    let (psa, psa_sha256) = PsaSnapshot::load_hashed(psa_file)?;
    let (mapping, mapping_sha256) = mapping_file::read(mapping)?;
    let made_from = MadeFrom {
        psa_sha256,
        mapping_sha256,
    };
    let session = Session::open(cli)?;
    let exit = session.run(|session| {
        let reviewed = sync_and_review(
            &mut session.retrying()?,
            &session.credentials,
            &mapping,
            &psa,
            as_of,
        );
        let secrets = session.secrets();
        match reviewed {
            Ok(mut review) => {
                review.made_from = Some(made_from);
                review_file::write(review_path, &review, &secrets)?;
                let next = format!(
                    "Written to {}: approve it with `host-harness approve --review {} --psa {} --all` (or `--line LINE` for each line).",
                    review_path.display(),
                    review_path.display(),
                    psa_file.display()
                );
                show(&secrets, &review, json, &next)?;
                Ok(Exit::Success)
            }
            Err(SyncError::Call { error, .. }) => print_result::<()>(&secrets, Err(error)),
            Err(not_finished) => Err(not_finished.into()),
        }
    })?;
    session.close(false)?;
    Ok(exit)
}

/// Syncs the store's mapping and prints the review, as a table or as JSON.
pub(crate) fn on_store(
    cli: &Cli,
    as_of: &str,
    store_path: &Path,
    json: bool,
) -> Result<Exit, Failure> {
    let mut store = super::open_store(store_path, None)?;
    let session = Session::open(cli)?;
    let exit = session.run(|session| {
        let mut plugin = session.retrying()?;
        let synced = steps::sync(
            &mut store,
            &mut plugin,
            &session.credentials,
            as_of,
            &now_rfc3339,
            &|| false,
        );
        let secrets = session.secrets();
        match synced {
            Ok((id, review)) => {
                let next = format!(
                    "Sync {id} kept in {}: approve it with `host-harness approve --store {} --all` (or `--line LINE`).",
                    store_path.display(),
                    store_path.display()
                );
                show(&secrets, &review, json, &next)?;
                Ok(Exit::Success)
            }
            Err(StepError::Call { error, .. }) => print_result::<()>(&secrets, Err(error)),
            Err(other) => Err(other.into()),
        }
    })?;
    session.close(false)?;
    Ok(exit)
}

/// Prints `review` with every form of `secrets` removed: as JSON, or as tables followed by
/// `next`, the step that approves it.
fn show(secrets: &Secrets, review: &Review, json: bool, next: &str) -> Result<(), CliError> {
    if json {
        let shown = secrets.redact_json(&serde_json::to_string_pretty(review)?);
        print_line(&render::terminal_json(&shown))
    } else {
        emit(secrets, &render::review(review))?;
        print_line(&format!("\n   {next}"))
    }
}
