//! `host-harness approve`: lines of a review approved into the PSA's change set, on the files
//! `sync` wrote (under the PSA snapshot's lock) or on a store (in one transaction).

use std::path::Path;

use host_harness::files;
use host_harness::render;
use host_harness::seed::approve::{approve as approve_lines, Choice};
use host_harness::seed::history::{self, Step};
use host_harness::seed::line::PsaLine;
use host_harness::seed::mapping_file;
use host_harness::seed::psa::PsaSnapshot;
use host_harness::seed::review_file;
use host_harness::store::approvals::ApprovalError;
use host_harness::store::steps::StepError;

use crate::error::{CliError, Failure};
use crate::output::{now_rfc3339, print, print_line};
use crate::Exit;

/// Approves lines of the review in `review_path`, made from `psa_file` and `mapping_path`:
/// writes the change set into `out` (the review's folder by default), applies it to the PSA
/// snapshot and adds it to the history, all under the PSA snapshot's lock. An approval an
/// earlier run left unfinished is finished first.
pub(crate) fn on_files(
    review_path: &Path,
    psa_file: &Path,
    mapping_path: &Path,
    all: bool,
    lines: &[PsaLine],
    out: Option<&Path>,
) -> Result<Exit, Failure> {
    let out = out.unwrap_or_else(|| review_path.parent().unwrap_or(Path::new(".")));
    let out = if out.as_os_str().is_empty() {
        Path::new(".")
    } else {
        out
    };
    let _lock = files::lock_beside(psa_file, |lock| {
        crate::output::note(&format!(
            "host-harness: another approve of {} holds {}; waiting for it to finish",
            psa_file.display(),
            lock.display()
        ));
    })
    .map_err(|source| CliError::Write {
        path: psa_file.to_owned(),
        source,
    })?;
    if let Some(approved_at) = history::finish_interrupted(psa_file, out)? {
        crate::output::note(&format!(
            "host-harness: finished the approval of {approved_at}, which was stopped before {} was written",
            psa_file.display()
        ));
    }
    let review = review_file::read(review_path)?;
    let (mapping, mapping_sha256) = mapping_file::read(mapping_path)?;
    let (mut psa, psa_sha256) = PsaSnapshot::load_hashed(psa_file)?;
    history::check_made_from(&review, &psa_sha256, &mapping_sha256, &history::read(out)?)?;
    let approval = approve_lines(&review, &mapping, choice(all, lines), &mut psa)?;
    let stop = super::stopper();
    let written = history::write_approval(
        &approval,
        &psa,
        psa_file,
        &psa_sha256,
        out,
        &now_rfc3339(),
        &|step: Step| stop(step.as_str()),
    )?;
    print(&render::for_terminal(&render::approval(
        &approval,
        written.as_ref(),
    )))?;
    Ok(Exit::Success)
}

/// Approves lines of the store's latest review; the approval and the PSA snapshot as approved
/// are kept in one transaction.
pub(crate) fn on_store(store_path: &Path, all: bool, lines: &[PsaLine]) -> Result<Exit, Failure> {
    let mut store = super::open_store(store_path, None)?;
    let Some(sync) = store.last_review()? else {
        return Err(CliError::Step(StepError::MappingNotFinished).into());
    };
    let stop = super::stopper();
    match store.approve(sync.id, choice(all, lines), &now_rfc3339(), &stop) {
        Ok(row) => {
            print(&render::for_terminal(&render::approval(
                &row.approval,
                None,
            )))?;
            print_line(&format!(
                "   Approval {} of sync {} kept in {}.",
                row.id,
                sync.id,
                store_path.display()
            ))?;
            Ok(Exit::Success)
        }
        Err(ApprovalError::Refused(refused)) => Err(CliError::from(refused).into()),
        Err(other) => Err(CliError::Approval(other).into()),
    }
}

/// Returns the lines `--all` or `--line` name.
fn choice(all: bool, lines: &[PsaLine]) -> Choice<'_> {
    if all {
        Choice::All
    } else {
        Choice::Lines(lines)
    }
}
