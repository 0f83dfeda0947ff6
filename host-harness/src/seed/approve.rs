//! The seed's last step: the review lines a person approves become the PSA's change set, which
//! is applied to the PSA snapshot and kept in a history of approvals.
//!
//! A person approves what they reviewed, not a fresh count: `sync` writes the review it printed
//! (`review.json`) and approval reads it back, with no plugin call. Lines are named by their key,
//! `psa_account_id/psa_product_id` (the review's LINE column). Only new revenue and reconcile
//! lines change anything; an approved no-change line is accepted and left out of the change set.
//! A key naming a PSA line fed by a failed count (listed under the review's `failed`), or no line
//! at all, refuses the whole approval, and so does a PSA snapshot that no longer bills what the
//! review showed (approved already, or edited since): a change set whose old quantity is wrong
//! would mislead whoever applies it. Nothing is written then.
//!
//! The files stand in for the host's storage and are kept small: `changes.json` and
//! `changes.csv` (the change set, sorted by PSA account and product), the PSA snapshot rewritten
//! in its own format, and `approvals.jsonl`, only ever appended to, one JSON line per approval.
//! The review compares the vendor's count with the sum of a product's agreement lines, so an
//! approval changes that sum: an increase goes onto the first of those lines (in the snapshot's
//! order), a decrease comes off them in that order, none going below zero, and a new-revenue
//! line is added after the account's last line, named as the PSA names the product elsewhere
//! (or by its id). The next sync then shows every approved line as no change.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::seed::psa::{AgreementLine, PsaSnapshot};
use crate::seed::review::{line_key, LineKind, Review, ReviewLine};

/// Which review lines a person approves.
#[derive(Clone, Copy, Debug)]
pub enum Choice<'a> {
    /// Every line with a count (a line fed by a failed count has none).
    All,
    /// The lines of these keys.
    Lines(&'a [String]),
}

/// One PSA line's approved quantity: a row of the change set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The PSA account.
    pub psa_account_id: String,
    /// Its name in the PSA.
    pub psa_account_name: String,
    /// The PSA product.
    pub psa_product_id: String,
    /// What the PSA billed; absent for new revenue.
    pub old_quantity: Option<u64>,
    /// What the vendor counted, now approved.
    pub new_quantity: u64,
    /// The vendor accounts counted into the line.
    pub vendor_accounts: Vec<String>,
}

impl Change {
    /// Returns the key of the line changed.
    pub fn key(&self) -> String {
        line_key(&self.psa_account_id, &self.psa_product_id)
    }
}

/// The PSA change set of one approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSet {
    /// The instant the approved counts were counted as of.
    pub as_of: String,
    /// One row per changed line, sorted by PSA account and product.
    pub changes: Vec<Change>,
}

/// What one approval decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The lines that change.
    pub change_set: ChangeSet,
    /// Keys of approved lines that already agree, left out of the change set.
    pub unchanged: Vec<String>,
    /// Keys of the review's PSA lines fed by a failed count, which no approval takes.
    pub failed: Vec<String>,
}

/// The files an approval wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The change set as JSON.
    pub changes_json: PathBuf,
    /// The change set as CSV.
    pub changes_csv: PathBuf,
    /// The PSA snapshot, rewritten.
    pub psa: PathBuf,
    /// The history, appended to.
    pub history: PathBuf,
}

/// Why an approval was refused (nothing is written then), or could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    /// The key names no line of the review.
    #[error(
        "the review has no line {key}: name lines as its LINE column shows them \
         (PSA account id/PSA product id); nothing was approved"
    )]
    NoSuchLine { key: String },
    /// The key names a PSA line fed by a failed count.
    #[error(
        "{key} cannot be approved: a failed count feeds it ({reasons}); the host keeps its last \
         good value until a sync counts it; nothing was approved"
    )]
    FailedLine { key: String, reasons: String },
    /// The PSA snapshot no longer bills what the review showed.
    #[error(
        "the PSA snapshot bills {now} on {key} but the review showed {reviewed}: it changed \
         since the review (approved already?); sync again and review; nothing was approved"
    )]
    PsaChanged {
        key: String,
        reviewed: String,
        now: String,
    },
    /// A file could not be written.
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Approves the lines of `review` that `choice` names and applies them to `psa`; on error,
/// `psa` is left as it was.
pub fn approve(
    review: &Review,
    choice: Choice<'_>,
    psa: &mut PsaSnapshot,
) -> Result<Approval, ApproveError> {
    let failed: BTreeSet<&str> = review
        .failed
        .iter()
        .flat_map(|f| f.psa_lines.iter().map(String::as_str))
        .collect();
    let chosen: Vec<&ReviewLine> = match choice {
        Choice::All => review.lines.iter().collect(),
        Choice::Lines(keys) => {
            let mut chosen: Vec<&ReviewLine> = Vec::new();
            for key in keys {
                if chosen.iter().any(|c| c.key() == *key) {
                    continue;
                }
                match review.lines.iter().find(|l| l.key() == *key) {
                    Some(line) => chosen.push(line),
                    None if failed.contains(key.as_str()) => {
                        return Err(ApproveError::FailedLine {
                            key: key.clone(),
                            reasons: failure_of(review, key),
                        })
                    }
                    None => return Err(ApproveError::NoSuchLine { key: key.clone() }),
                }
            }
            chosen
        }
    };
    let (unchanged, changing): (Vec<&ReviewLine>, Vec<&ReviewLine>) = chosen
        .into_iter()
        .partition(|l| l.kind == LineKind::NoChange);
    let mut changes: Vec<Change> = changing
        .into_iter()
        .map(|l| Change {
            psa_account_id: l.psa_account_id.clone(),
            psa_account_name: l.psa_account_name.clone(),
            psa_product_id: l.psa_product_id.clone(),
            old_quantity: l.psa_quantity,
            new_quantity: l.vendor_quantity,
            vendor_accounts: l.vendor_accounts.clone(),
        })
        .collect();
    changes.sort_by(|a, b| {
        (&a.psa_account_id, &a.psa_product_id).cmp(&(&b.psa_account_id, &b.psa_product_id))
    });
    for change in &changes {
        let now = billed(psa, change);
        if now != change.old_quantity.map(Some) {
            return Err(ApproveError::PsaChanged {
                key: change.key(),
                reviewed: describe(change.old_quantity.map(Some)),
                now: describe(now),
            });
        }
    }
    for change in &changes {
        apply(psa, change);
    }
    let mut unchanged: Vec<String> = unchanged.iter().map(|l| l.key()).collect();
    unchanged.sort();
    Ok(Approval {
        change_set: ChangeSet {
            as_of: review.as_of.clone(),
            changes,
        },
        unchanged,
        failed: failed.into_iter().map(str::to_owned).collect(),
    })
}

/// Returns why the failed PSA line `key` has no count, from the review's failed entries.
fn failure_of(review: &Review, key: &str) -> String {
    let reasons: Vec<String> = review
        .failed
        .iter()
        .filter(|f| f.psa_lines.iter().any(|l| l == key))
        .map(|f| {
            format!(
                "{} ({}) {}: {}",
                f.vendor_name,
                f.vendor_account_id,
                f.error.class.as_str(),
                f.error.message
            )
        })
        .collect();
    reasons.join("; ")
}

/// Returns what `psa` bills on the line of `change`: `None` without a line, `Some(None)` when
/// its agreement lines add up to more than 2^64−1.
fn billed(psa: &PsaSnapshot, change: &Change) -> Option<Option<u64>> {
    let mut lines = psa
        .agreement_lines
        .iter()
        .filter(|l| is_line_of(l, change))
        .map(|l| l.quantity)
        .peekable();
    lines.peek()?;
    Some(lines.try_fold(0u64, u64::checked_add))
}

/// Describes a billed quantity for a person.
fn describe(billed: Option<Option<u64>>) -> String {
    match billed {
        None => "no line".to_owned(),
        Some(Some(quantity)) => quantity.to_string(),
        Some(None) => format!("more than {} (2^64-1)", u64::MAX),
    }
}

/// Tells whether `line` is one of the agreement lines `change` is about.
fn is_line_of(line: &AgreementLine, change: &Change) -> bool {
    line.account_id == change.psa_account_id && line.product_id == change.psa_product_id
}

/// Makes `psa` bill `change.new_quantity` on the line of `change`, whose agreement lines add up
/// to `change.old_quantity` (checked by [`approve`]), as the module's documentation says.
fn apply(psa: &mut PsaSnapshot, change: &Change) {
    let new = change.new_quantity;
    let Some(old) = change.old_quantity else {
        let product_name = psa
            .agreement_lines
            .iter()
            .find(|l| l.product_id == change.psa_product_id)
            .map_or_else(|| change.psa_product_id.clone(), |l| l.product_name.clone());
        let after = psa
            .agreement_lines
            .iter()
            .rposition(|l| l.account_id == change.psa_account_id)
            .map_or(psa.agreement_lines.len(), |i| i + 1);
        psa.agreement_lines.insert(
            after,
            AgreementLine {
                account_id: change.psa_account_id.clone(),
                product_id: change.psa_product_id.clone(),
                product_name,
                quantity: new,
            },
        );
        return;
    };
    let mut lines = psa
        .agreement_lines
        .iter_mut()
        .filter(|l| is_line_of(l, change));
    if new >= old {
        // The lines add up to `old`, so the first plus the increase is at most `new`.
        if let Some(first) = lines.next() {
            first.quantity += new - old;
        }
    } else {
        let mut decrease = old - new;
        for line in lines {
            let taken = decrease.min(line.quantity);
            line.quantity -= taken;
            decrease -= taken;
        }
    }
}

/// One line of the history: what was approved, and when.
#[derive(Serialize)]
struct HistoryEntry<'a> {
    approved_at: &'a str,
    as_of: &'a str,
    changes: &'a [Change],
}

/// Writes `approval`: `changes.json` and `changes.csv` into `out`, `psa` over `psa_path`, and a
/// line stamped `approved_at` appended to `out/approvals.jsonl`; writes nothing, and returns
/// `None`, when no approved line changes the PSA.
pub fn write_approval(
    approval: &Approval,
    psa: &PsaSnapshot,
    psa_path: &Path,
    out: &Path,
    approved_at: &str,
) -> Result<Option<Written>, ApproveError> {
    let set = &approval.change_set;
    if set.changes.is_empty() {
        return Ok(None);
    }
    let written = Written {
        changes_json: out.join("changes.json"),
        changes_csv: out.join("changes.csv"),
        psa: psa_path.to_owned(),
        history: out.join("approvals.jsonl"),
    };
    let at = |path: &Path| {
        let path = path.to_owned();
        move |source| ApproveError::Write { path, source }
    };
    std::fs::create_dir_all(out).map_err(at(out))?;
    let json = serde_json::to_string_pretty(set).map_err(std::io::Error::from);
    std::fs::write(&written.changes_json, json.map_err(at(out))? + "\n")
        .map_err(at(&written.changes_json))?;
    let csv = change_set_csv(set).map_err(at(&written.changes_csv))?;
    std::fs::write(&written.changes_csv, csv).map_err(at(&written.changes_csv))?;
    psa.save(psa_path).map_err(at(psa_path))?;
    let entry = serde_json::to_string(&HistoryEntry {
        approved_at,
        as_of: &set.as_of,
        changes: &set.changes,
    })
    .map_err(std::io::Error::from)
    .map_err(at(&written.history))?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&written.history)
        .and_then(|mut history| history.write_all(format!("{entry}\n").as_bytes()))
        .map_err(at(&written.history))?;
    Ok(Some(written))
}

/// Returns the change set as CSV, one row per change; vendor accounts are joined by `; ` and a
/// new-revenue line's old quantity is empty.
fn change_set_csv(set: &ChangeSet) -> std::io::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "psa_account_id",
        "psa_account_name",
        "psa_product_id",
        "old_quantity",
        "new_quantity",
        "vendor_accounts",
        "as_of",
    ])?;
    for change in &set.changes {
        out.write_record([
            change.psa_account_id.clone(),
            change.psa_account_name.clone(),
            change.psa_product_id.clone(),
            change
                .old_quantity
                .map_or_else(String::new, |q| q.to_string()),
            change.new_quantity.to_string(),
            change.vendor_accounts.join("; "),
            set.as_of.clone(),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::psa::PsaAccount;
    use crate::seed::review::FailedCount;
    use plugin_contract::PluginError;

    fn line(kind: LineKind, account: &str, psa: Option<u64>, vendor: u64) -> ReviewLine {
        ReviewLine {
            kind,
            psa_account_id: account.into(),
            psa_account_name: format!("{account} Co"),
            psa_product_id: "PROD".into(),
            vendor_accounts: vec![format!("V{account} (v{account})")],
            psa_quantity: psa,
            vendor_quantity: vendor,
            delta: i128::from(vendor) - i128::from(psa.unwrap_or(0)),
        }
    }

    /// New revenue on N, reconcile on R (3 → 5), no change on S, a failed count on F.
    fn review() -> Review {
        Review {
            as_of: "t".into(),
            lines: vec![
                line(LineKind::NewRevenue, "N", None, 4),
                line(LineKind::Reconcile, "R", Some(3), 5),
                line(LineKind::NoChange, "S", Some(2), 2),
            ],
            unmapped_with_usage: Vec::new(),
            failed: vec![FailedCount {
                vendor_account_id: "vF".into(),
                vendor_name: "VF".into(),
                service_ids: vec!["s".into()],
                error: PluginError::transient("HTTP 503"),
                psa_lines: vec!["F/PROD".into()],
            }],
            warnings: Vec::new(),
        }
    }

    /// Accounts N, R, S and F, billing PROD on R (3), S (2) and F (1), and OTHER on N.
    fn psa() -> PsaSnapshot {
        let account = |id: &str| PsaAccount {
            id: id.into(),
            name: format!("{id} Co"),
        };
        let billing = |account: &str, product: &str, quantity| AgreementLine {
            account_id: account.into(),
            product_id: product.into(),
            product_name: format!("{product} name"),
            quantity,
        };
        PsaSnapshot {
            source: String::new(),
            accounts: ["N", "R", "S", "F"].map(account).to_vec(),
            agreement_lines: vec![
                billing("N", "OTHER", 9),
                billing("R", "PROD", 3),
                billing("S", "PROD", 2),
                billing("F", "PROD", 1),
            ],
        }
    }

    fn quantities(psa: &PsaSnapshot) -> Vec<(String, String, u64)> {
        psa.agreement_lines
            .iter()
            .map(|l| (l.account_id.clone(), l.product_id.clone(), l.quantity))
            .collect()
    }

    #[test]
    fn all_approves_new_revenue_and_reconcile_and_skips_no_change_and_failed() {
        let mut psa = psa();
        let approval = approve(&review(), Choice::All, &mut psa).unwrap();
        let keys: Vec<String> = approval
            .change_set
            .changes
            .iter()
            .map(Change::key)
            .collect();
        assert_eq!(keys, ["N/PROD", "R/PROD"]);
        assert_eq!(approval.change_set.changes[0].old_quantity, None);
        assert_eq!(
            (
                approval.change_set.changes[1].old_quantity,
                approval.change_set.changes[1].new_quantity
            ),
            (Some(3), 5)
        );
        assert_eq!(approval.unchanged, ["S/PROD"]);
        assert_eq!(approval.failed, ["F/PROD"]);
        let billed: Vec<(&str, &str, u64)> = vec![
            ("N", "OTHER", 9),
            ("N", "PROD", 4),
            ("R", "PROD", 5),
            ("S", "PROD", 2),
            ("F", "PROD", 1),
        ];
        let billed: Vec<(String, String, u64)> = billed
            .into_iter()
            .map(|(a, p, q)| (a.into(), p.into(), q))
            .collect();
        assert_eq!(quantities(&psa), billed);
        assert_eq!(psa.agreement_lines[1].product_name, "PROD name");
    }

    #[test]
    fn chosen_lines_change_only_those() {
        let mut psa = psa();
        let keys = ["R/PROD".to_owned(), "R/PROD".to_owned()];
        let approval = approve(&review(), Choice::Lines(&keys), &mut psa).unwrap();
        assert_eq!(approval.change_set.changes.len(), 1);
        assert!(approval.unchanged.is_empty());
        assert_eq!(psa.agreement_lines.len(), 4);
        assert_eq!(psa.agreement_lines[1].quantity, 5);
    }

    #[test]
    fn a_failed_line_is_refused_naming_why_and_nothing_changes() {
        let mut psa = psa();
        let keys = ["R/PROD".to_owned(), "F/PROD".to_owned()];
        let error = approve(&review(), Choice::Lines(&keys), &mut psa).unwrap_err();
        assert!(matches!(error, ApproveError::FailedLine { .. }), "{error}");
        assert!(
            error.to_string().contains(
                "F/PROD cannot be approved: a failed count feeds it (VF (vF) transient: HTTP 503)"
            ),
            "{error}"
        );
        assert_eq!(psa, self::psa());
    }

    #[test]
    fn a_key_naming_no_line_is_refused() {
        let mut psa = psa();
        let keys = ["R/PROD".to_owned(), "R".to_owned()];
        let error = approve(&review(), Choice::Lines(&keys), &mut psa).unwrap_err();
        assert!(
            matches!(&error, ApproveError::NoSuchLine { key } if key == "R"),
            "{error}"
        );
        assert_eq!(psa, self::psa());
    }

    #[test]
    fn a_psa_changed_since_the_review_is_refused_so_approving_twice_is_too() {
        let mut psa = psa();
        approve(&review(), Choice::All, &mut psa).unwrap();
        let approved = psa.clone();
        let error = approve(&review(), Choice::All, &mut psa).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the PSA snapshot bills 4 on N/PROD but the review showed no line: it changed since \
             the review (approved already?); sync again and review; nothing was approved"
        );
        assert_eq!(psa, approved);
    }

    #[test]
    fn an_approved_no_change_line_changes_nothing() {
        let mut psa = psa();
        let keys = ["S/PROD".to_owned()];
        let approval = approve(&review(), Choice::Lines(&keys), &mut psa).unwrap();
        assert!(approval.change_set.changes.is_empty());
        assert_eq!(approval.unchanged, ["S/PROD"]);
        let out = std::env::temp_dir().join("approve-no-change-writes-nothing");
        let written = write_approval(&approval, &psa, &out.join("psa.json"), &out, "now");
        assert!(written.unwrap().is_none());
        assert!(!out.exists());
    }

    #[test]
    fn several_agreement_lines_for_one_product_keep_their_sum_equal_to_the_approved_count() {
        let split = |quantities: &[u64]| {
            let mut psa = psa();
            psa.agreement_lines.retain(|l| l.account_id != "R");
            for &quantity in quantities {
                psa.agreement_lines.push(AgreementLine {
                    account_id: "R".into(),
                    product_id: "PROD".into(),
                    product_name: "PROD name".into(),
                    quantity,
                });
            }
            psa
        };
        let approved_to = |new: u64, lines: &[u64]| {
            let mut review = review();
            review.lines[1].psa_quantity = Some(lines.iter().sum());
            review.lines[1].vendor_quantity = new;
            let mut psa = split(lines);
            let keys = ["R/PROD".to_owned()];
            approve(&review, Choice::Lines(&keys), &mut psa).unwrap();
            psa.agreement_lines
                .iter()
                .filter(|l| l.account_id == "R")
                .map(|l| l.quantity)
                .collect::<Vec<u64>>()
        };
        // An increase goes onto the first line; a decrease comes off the lines in order.
        assert_eq!(approved_to(9, &[1, 2]), [7, 2]);
        assert_eq!(approved_to(2, &[1, 2]), [0, 2]);
        assert_eq!(approved_to(0, &[1, 2]), [0, 0]);
        assert_eq!(approved_to(u64::MAX, &[0, 1]), [u64::MAX - 1, 1]);
    }

    #[test]
    fn new_revenue_for_a_product_the_psa_never_named_is_named_by_its_id() {
        let mut psa = psa();
        psa.agreement_lines.retain(|l| l.product_id != "PROD");
        let mut review = review();
        review.lines.truncate(1);
        approve(&review, Choice::All, &mut psa).unwrap();
        let added = &psa.agreement_lines[1];
        assert_eq!(
            (added.account_id.as_str(), added.product_name.as_str()),
            ("N", "PROD")
        );
    }

    #[test]
    fn the_change_set_as_csv_leaves_new_revenues_old_quantity_empty() {
        let mut psa = psa();
        let approval = approve(&review(), Choice::All, &mut psa).unwrap();
        assert_eq!(
            change_set_csv(&approval.change_set).unwrap(),
            "psa_account_id,psa_account_name,psa_product_id,old_quantity,new_quantity,vendor_accounts,as_of\n\
             N,N Co,PROD,,4,VN (vN),t\n\
             R,R Co,PROD,3,5,VR (vR),t\n"
        );
    }

    #[test]
    fn a_review_reads_back_from_its_json() {
        let json = serde_json::to_string(&review()).unwrap();
        let read: Review = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), json);
    }
}
