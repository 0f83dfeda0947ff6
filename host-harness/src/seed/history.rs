//! The files of an approval, and the order that makes them one: the history entry is the
//! approval, and every other file is derived from it.
//!
//! An approval writes four files: `approvals.jsonl` (the history, one JSON line per approval),
//! `changes.json` and `changes.csv` (the last change set), and the PSA snapshot, wherever
//! `--psa` names it. The PSA snapshot may be in another folder than the others, so no single
//! rename can swap the four at once ("one folder renamed at once" would need the snapshot inside
//! the out folder). Instead, each history entry carries the change set and the SHA-256 of the
//! PSA snapshot before and after it, so that the other three files can always be derived from
//! the last entry (the snapshot: the one it started from with the changes applied again), and
//! the entry is the commit:
//!
//! 1. every new file is written whole under a temporary name beside its target and flushed
//!    ([`files::stage`]): the slow part, and the one a full disk fails, with nothing in place;
//! 2. the history, with its new line, is renamed into place: from now on the approval happened;
//! 3. the PSA snapshot, `changes.json` and `changes.csv` are renamed into place.
//!
//! A kill before 2 leaves the old state (and stray temporary files); a kill after 2 leaves the
//! new history, with some files still old, and [`finish_interrupted`], which every `approve`
//! runs first under the lock, derives them from the last entry. A PSA snapshot is never changed
//! without its history entry, and no entry is ever lost or torn. Until the next `approve`, a
//! `sync` run after such a kill reads the old snapshot (it does not know the out folder).
//!
//! A review binds itself to the snapshot and mapping it was made from ([`MadeFrom`]); the
//! history's hashes let [`check_made_from`] accept the snapshot as the review's earlier
//! approvals left it, so that a review's lines can be approved in several runs.
//!
//! # Formats
//!
//! A person or a script keeps `changes.json` and the history, so each says its format:
//! `changes.json` and every history line begin with `format_version` ([`FORMAT_VERSION`]), and
//! `contract/schemas/host/` describes them ([`crate::seed::schemas`]). Format 1 (no member)
//! named vendor accounts `Name (id)` and lines by their keys; format 2 names them by their ids
//! ([`crate::seed::line`]). The history is read in either, since it is never rewritten; a line
//! of any other format is refused, by its number.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::files;
use crate::seed::approve::{apply, Approval, ApproveError, Change, ChangeSet, Written};
use crate::seed::format::{Kind, Unread};
use crate::seed::line::VendorAccount;
use crate::seed::psa::{sha256_hex, PsaSnapshot};
use crate::seed::review::{MadeFrom, Review};

/// The history's file name in the out folder.
pub const HISTORY: &str = "approvals.jsonl";

/// The format of `changes.json` and of the history's lines this harness writes.
pub const FORMAT_VERSION: &str = "2";

/// What a history line is, for [`crate::seed::format`]: read in format 1 (no
/// `format_version`) and 2.
pub const KIND: Kind = Kind {
    what: "the history",
    reads: &["1", FORMAT_VERSION],
    advice: "approve with the harness that wrote it",
};

/// One line of the history: what was approved, when, and the PSA snapshot it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryEntry {
    /// The format of the line: "2" ("1" when absent, in lines written before it existed).
    #[serde(default = "format_1")]
    #[schemars(extend("const" = FORMAT_VERSION))]
    pub format_version: String,
    /// The clock's time of the approval (RFC 3339).
    pub approved_at: String,
    /// The instant the approved counts were counted as of.
    pub as_of: String,
    /// The SHA-256 of the PSA snapshot's bytes before the approval (absent in older entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psa_sha256_before: Option<String>,
    /// The SHA-256 of the bytes the approval wrote (absent in older entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psa_sha256_after: Option<String>,
    /// The changes, as `changes.json` lists them.
    pub changes: Vec<Change>,
}

/// Returns the format of a history line without `format_version`.
fn format_1() -> String {
    "1".to_owned()
}

/// `changes.json` as written: the format's version, then the change set.
#[derive(Serialize, JsonSchema)]
pub struct ChangesFile<'a> {
    /// The format of the file: "2" (files without it are format 1).
    #[schemars(extend("const" = FORMAT_VERSION))]
    pub format_version: &'a str,
    /// The change set.
    #[serde(flatten)]
    pub change_set: &'a ChangeSet,
}

/// A point between the steps of [`write_approval`], where a test may stop the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Every file is staged; nothing is in place.
    Staged,
    /// The history is in place.
    Committed,
    /// The PSA snapshot is in place too.
    PsaInPlace,
    /// `changes.json` is in place too.
    ChangesJsonInPlace,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 4] = [
        Step::Staged,
        Step::Committed,
        Step::PsaInPlace,
        Step::ChangesJsonInPlace,
    ];

    /// Returns the step's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Staged => "staged",
            Step::Committed => "committed",
            Step::PsaInPlace => "psa",
            Step::ChangesJsonInPlace => "changes.json",
        }
    }
}

/// Reads the history in `out`; none when there is no file.
pub fn read(out: &Path) -> Result<Vec<HistoryEntry>, ApproveError> {
    let path = out.join(HISTORY);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(ApproveError::Read { path, source }),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(at, line)| {
            KIND.parse(line.as_bytes()).map_err(|unread| match unread {
                Unread::Invalid(source) => ApproveError::History {
                    path: path.clone(),
                    line: at + 1,
                    source,
                },
                Unread::UnknownFormat(found) => ApproveError::HistoryFormat {
                    path: path.clone(),
                    line: at + 1,
                    found,
                    reads: KIND.reads,
                },
            })
        })
        .collect()
}

/// Checks that `review` was made from `mapping_sha256` and from the PSA snapshot of
/// `psa_sha256`, or from one that approvals in `history` turned into it.
pub fn check_made_from(
    review: &Review,
    psa_sha256: &str,
    mapping_sha256: &str,
    history: &[HistoryEntry],
) -> Result<(), ApproveError> {
    let Some(MadeFrom {
        psa_sha256: reviewed_psa,
        mapping_sha256: reviewed_mapping,
    }) = &review.made_from
    else {
        return Err(ApproveError::Unbound);
    };
    if reviewed_mapping != mapping_sha256 {
        return Err(ApproveError::OtherMapping {
            reviewed: reviewed_mapping.clone(),
            now: mapping_sha256.to_owned(),
        });
    }
    let mut known = vec![reviewed_psa.as_str()];
    for entry in history {
        if let (Some(before), Some(after)) = (&entry.psa_sha256_before, &entry.psa_sha256_after) {
            if known.contains(&before.as_str()) {
                known.push(after);
            }
        }
    }
    if !known.contains(&psa_sha256) {
        return Err(ApproveError::OtherPsa {
            reviewed: reviewed_psa.clone(),
            now: psa_sha256.to_owned(),
        });
    }
    Ok(())
}

/// Writes `approval`, whose PSA snapshot `psa` was read from `psa_path` with `psa_sha256`, in
/// the order the module's documentation gives: `changes.json` and `changes.csv` into `out`,
/// `psa` over `psa_path`, and a line stamped `approved_at` added to `out/approvals.jsonl`;
/// calls `stop` between the steps. Writes nothing, and returns `None`, when no approved line
/// changes the PSA.
pub fn write_approval(
    approval: &Approval,
    psa: &PsaSnapshot,
    psa_path: &Path,
    psa_sha256: &str,
    out: &Path,
    approved_at: &str,
    stop: &dyn Fn(Step),
) -> Result<Option<Written>, ApproveError> {
    let set = &approval.change_set;
    if set.changes.is_empty() {
        return Ok(None);
    }
    let written = Written {
        changes_json: out.join("changes.json"),
        changes_csv: out.join("changes.csv"),
        psa: psa_path.to_owned(),
        history: out.join(HISTORY),
    };
    let write = |path: &Path| {
        let path = path.to_owned();
        move |source| ApproveError::Write { path, source }
    };
    std::fs::create_dir_all(out).map_err(write(out))?;
    let psa_bytes = psa.encode(psa_path).map_err(write(psa_path))?;
    let entry = HistoryEntry {
        format_version: FORMAT_VERSION.to_owned(),
        approved_at: approved_at.to_owned(),
        as_of: set.as_of.clone(),
        psa_sha256_before: Some(psa_sha256.to_owned()),
        psa_sha256_after: Some(sha256_hex(&psa_bytes)),
        changes: set.changes.clone(),
    };
    let mut history = match std::fs::read_to_string(&written.history) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(write(&written.history)(source)),
    };
    if !history.is_empty() && !history.ends_with('\n') {
        history.push('\n');
    }
    let line = serde_json::to_string(&entry).map_err(std::io::Error::from);
    history.push_str(&(line.map_err(write(&written.history))? + "\n"));
    let (json, csv) = change_set_files(set).map_err(write(&written.changes_csv))?;
    let stage = |path: &Path, bytes: &[u8]| files::stage(path, bytes).map_err(write(path));
    let staged_history = stage(&written.history, history.as_bytes())?;
    let staged_psa = stage(psa_path, &psa_bytes)?;
    let staged_json = stage(&written.changes_json, &json)?;
    let staged_csv = stage(&written.changes_csv, &csv)?;
    stop(Step::Staged);
    let in_place = |staged: files::Staged| {
        let path = staged.path().to_owned();
        staged.commit().map_err(|source| (path, source))
    };
    in_place(staged_history).map_err(|(path, source)| ApproveError::Write { path, source })?;
    stop(Step::Committed);
    let unfinished = |(path, source)| ApproveError::Unfinished { path, source };
    in_place(staged_psa).map_err(unfinished)?;
    stop(Step::PsaInPlace);
    in_place(staged_json).map_err(unfinished)?;
    stop(Step::ChangesJsonInPlace);
    in_place(staged_csv).map_err(unfinished)?;
    Ok(Some(written))
}

/// Finishes an approval that was stopped after its history entry was in place: when the PSA
/// snapshot at `psa_path` is still the one the last entry of `out`'s history started from, the
/// entry's changes are applied to it again and written; `changes.json` and `changes.csv` are
/// made the entry's if they are not. Returns the entry's `approved_at` when the snapshot was
/// written. A snapshot that is neither the entry's before nor its after (edited since, or not
/// the one of this history) is left alone.
pub fn finish_interrupted(psa_path: &Path, out: &Path) -> Result<Option<String>, ApproveError> {
    let history = read(out)?;
    let Some(last) = history.last() else {
        return Ok(None);
    };
    let (Some(before), Some(after)) = (&last.psa_sha256_before, &last.psa_sha256_after) else {
        return Ok(None);
    };
    let (mut psa, sha256) = PsaSnapshot::load_hashed(psa_path)?;
    let finished = if sha256 == *before {
        apply(&mut psa, &last.changes);
        let write = |source| ApproveError::Write {
            path: psa_path.to_owned(),
            source,
        };
        let bytes = psa.encode(psa_path).map_err(write)?;
        if sha256_hex(&bytes) != *after {
            return Err(ApproveError::CannotFinish {
                history: out.join(HISTORY),
                psa: psa_path.to_owned(),
                after: after.clone(),
            });
        }
        files::write(psa_path, &bytes).map_err(write)?;
        Some(last.approved_at.clone())
    } else if sha256 == *after {
        None
    } else {
        return Ok(None);
    };
    let set = ChangeSet {
        as_of: last.as_of.clone(),
        changes: last.changes.clone(),
    };
    let (json, csv) = change_set_files(&set).map_err(|source| ApproveError::Write {
        path: out.join("changes.csv"),
        source,
    })?;
    for (name, bytes) in [("changes.json", json), ("changes.csv", csv)] {
        let path = out.join(name);
        if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            files::write(&path, &bytes).map_err(|source| ApproveError::Write { path, source })?;
        }
    }
    Ok(finished)
}

/// Returns the bytes of `changes.json` and `changes.csv` for `set`.
pub fn change_set_files(set: &ChangeSet) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let file = ChangesFile {
        format_version: FORMAT_VERSION,
        change_set: set,
    };
    let json = serde_json::to_string_pretty(&file)? + "\n";
    Ok((json.into_bytes(), change_set_csv(set)?.into_bytes()))
}

/// Returns the change set as CSV, one row per change; the vendor accounts' ids, and their names
/// in the same order, are joined by `; `, a new-revenue line's old quantity is empty, and every
/// text cell a spreadsheet would run as a formula has a `'` before it ([`files::csv_text`]); the
/// quantities are ours, unsigned, and written as they are.
fn change_set_csv(set: &ChangeSet) -> std::io::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "psa_account_id",
        "psa_account_name",
        "psa_product_id",
        "old_quantity",
        "new_quantity",
        "vendor_account_ids",
        "vendor_account_names",
        "as_of",
    ])?;
    let text = |cell: &str| files::csv_text(cell).into_owned();
    for change in &set.changes {
        out.write_record([
            text(&change.psa_account_id),
            text(&change.psa_account_name),
            text(&change.psa_product_id),
            change
                .old_quantity
                .map_or_else(String::new, |q| q.to_string()),
            change.new_quantity.to_string(),
            text(&joined(&change.vendor_accounts, |a| a.id.clone())),
            text(&joined(&change.vendor_accounts, VendorAccount::shown_name)),
            text(&set.as_of),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

/// Joins what `cell` takes of each account with `; `.
fn joined(accounts: &[VendorAccount], cell: impl Fn(&VendorAccount) -> String) -> String {
    accounts.iter().map(cell).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(account: &str, old: Option<u64>, new: u64) -> Change {
        Change {
            psa_account_id: account.into(),
            psa_account_name: format!("{account} Co"),
            psa_product_id: "PROD".into(),
            old_quantity: old,
            new_quantity: new,
            vendor_accounts: vec![VendorAccount {
                id: format!("v{account}"),
                name: format!("V{account}"),
                listed: true,
            }],
        }
    }

    #[test]
    fn the_change_set_as_csv_leaves_new_revenues_old_quantity_empty_and_defuses_formulas() {
        let mut formula = change("R", Some(3), 5);
        formula.vendor_accounts[0].name = "=HYPERLINK(\"https://evil.example\")".into();
        formula.vendor_accounts.push(VendorAccount {
            id: "-2+3".into(),
            name: "Gone".into(),
            listed: false,
        });
        formula.psa_account_name = "@SUM(1+1)".into();
        let set = ChangeSet {
            as_of: "t".into(),
            changes: vec![change("N", None, 4), formula],
        };
        assert_eq!(
            change_set_csv(&set).unwrap(),
            "psa_account_id,psa_account_name,psa_product_id,old_quantity,new_quantity,vendor_account_ids,vendor_account_names,as_of\n\
             N,N Co,PROD,,4,vN,VN,t\n\
             R,'@SUM(1+1),PROD,3,5,vR; -2+3,\"'=HYPERLINK(\"\"https://evil.example\"\"); Gone (no longer listed by the vendor)\",t\n"
        );
    }

    fn entry(before: &str, after: &str) -> HistoryEntry {
        HistoryEntry {
            format_version: FORMAT_VERSION.into(),
            approved_at: "now".into(),
            as_of: "t".into(),
            psa_sha256_before: Some(before.into()),
            psa_sha256_after: Some(after.into()),
            changes: Vec::new(),
        }
    }

    #[test]
    fn a_history_of_format_1_is_read_and_a_line_of_an_unknown_format_is_refused_by_number() {
        let dir = tempfile::tempdir().expect("a folder");
        let format_1 = r#"{"approved_at":"now","as_of":"t","psa_sha256_before":"a","psa_sha256_after":"b","changes":[{"psa_account_id":"R","psa_account_name":"R Co","psa_product_id":"PROD","old_quantity":3,"new_quantity":5,"vendor_accounts":["VR (vR)"]}]}"#;
        std::fs::write(dir.path().join(HISTORY), format!("{format_1}\n")).expect("written");
        let history = read(dir.path()).expect("format 1 is read");
        assert_eq!(history[0].format_version, "1");
        assert_eq!(history[0].changes, [change("R", Some(3), 5)]);
        let format_3 = serde_json::to_string(&HistoryEntry {
            format_version: "3".into(),
            ..history[0].clone()
        })
        .expect("JSON");
        std::fs::write(
            dir.path().join(HISTORY),
            format!("{format_1}\n{format_3}\n"),
        )
        .expect("written");
        let error = read(dir.path()).expect_err("format 3 is refused");
        assert!(
            matches!(&error, ApproveError::HistoryFormat { line: 2, found, .. } if found == "3"),
            "{error}"
        );
    }

    #[test]
    fn a_review_is_accepted_on_its_snapshot_as_its_approvals_left_it_and_on_no_other() {
        let review = Review {
            as_of: "t".into(),
            made_from: Some(MadeFrom {
                psa_sha256: "a".into(),
                mapping_sha256: "m".into(),
            }),
            lines: Vec::new(),
            unmapped_with_usage: Vec::new(),
            failed: Vec::new(),
            warnings: Vec::new(),
        };
        let history = [entry("x", "y"), entry("a", "b"), entry("b", "c")];
        for psa in ["a", "b", "c"] {
            check_made_from(&review, psa, "m", &history).unwrap();
        }
        for psa in ["x", "y", "z"] {
            let error = check_made_from(&review, psa, "m", &history).unwrap_err();
            assert!(matches!(error, ApproveError::OtherPsa { .. }), "{error}");
        }
        let error = check_made_from(&review, "a", "other", &history).unwrap_err();
        assert!(
            matches!(error, ApproveError::OtherMapping { .. }),
            "{error}"
        );
        let unbound = Review {
            made_from: None,
            ..review
        };
        let error = check_made_from(&unbound, "a", "m", &[]).unwrap_err();
        assert!(matches!(error, ApproveError::Unbound), "{error}");
    }
}
