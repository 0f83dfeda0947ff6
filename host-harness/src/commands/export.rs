//! `host-harness export`: a store's state written as the files scripts read.

use std::path::Path;

use host_harness::files;
use host_harness::seed::history::change_set_files;
use host_harness::seed::mapping_file;
use host_harness::seed::review_file;
use plugin_contract::Secrets;

use crate::error::{CliError, Failure};
use crate::output::{print_line, write_json};
use crate::Exit;

/// Writes the store's state as the files scripts read: `mapping.json`, `psa.json` (as the
/// approvals left it), `review.json` (the latest review) and, after an approval, the latest
/// `changes.json` and `changes.csv`, each whole or not at all; prints what it wrote.
pub(crate) fn run(store_path: &Path, out: &Path) -> Result<Exit, Failure> {
    let store = super::open_store(store_path, None)?;
    std::fs::create_dir_all(out).map_err(|source| CliError::Write {
        path: out.to_owned(),
        source,
    })?;
    let mut written = vec![out.join("mapping.json")];
    mapping_file::write(&written[0], &store.mapping()?)?;
    if let Some((psa, _)) = store.psa()? {
        written.push(out.join("psa.json"));
        write_json(&out.join("psa.json"), &psa)?;
    }
    if let Some(review) = store.last_review()?.and_then(|sync| sync.review) {
        written.push(out.join("review.json"));
        // The store keeps no secret: the review was kept with them removed.
        review_file::write(&out.join("review.json"), &review, &Secrets::default())?;
    }
    if let Some(last) = store.approvals()?.pop() {
        let (json, csv) = change_set_files(&last.approval.change_set).map_err(CliError::from)?;
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
        print_line(&path.display().to_string())?;
    }
    Ok(Exit::Success)
}
