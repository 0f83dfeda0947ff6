//! The seed's last step: the review lines a person approves become the PSA's change set, which
//! is applied to the PSA snapshot and kept in a history of approvals ([`crate::seed::history`]
//! writes the files).
//!
//! A person approves what they reviewed, not a fresh count: `sync` writes the review it printed
//! (`review.json`) and approval reads it back, with no plugin call. Lines are named by their PSA
//! account and product ([`PsaLine`]; a person types its key, the review's LINE column). Only new
//! revenue and reconcile lines change anything; an approved no-change line is accepted and left
//! out of the change set. A key naming a PSA line fed by a failed count (listed under the review's
//! `failed`), or no line at all, refuses the whole approval, and so does a PSA snapshot that no
//! longer bills what the review showed (approved already, or edited since): a change set whose
//! old quantity is wrong would mislead whoever applies it. Nothing is written then.
//!
//! # A review is checked as plugin output is
//!
//! A review is a file anyone can edit, so it is checked before anything is approved, the whole
//! review and not only the chosen lines ([`ApproveError`] names each case): its `as_of` is an
//! instant of the calendar (the contract's rule); every line names a PSA account and a product
//! the snapshot has, that the mapping feeds (vendor accounts mapped to that account, services to
//! that product), with vendor accounts the mapping maps there; its count is at most
//! [`MAX_PLAUSIBLE_QUANTITY`] for each (vendor account, service) pair the mapping counts into it;
//! its kind and delta agree with its quantities; and no two lines share a key. A PSA account's
//! name in the change set is the snapshot's, never the review's. Which PSA snapshot and mapping
//! the review was made from is checked by [`crate::seed::history::check_made_from`].
//!
//! The review compares the vendor's count with the sum of a product's agreement lines, so an
//! approval changes that sum: an increase goes onto the first of those lines (in the snapshot's
//! order), a decrease comes off them in that order, none going below zero, and a new-revenue
//! line is added after the account's last line, named as the PSA names the product elsewhere.
//! The next sync then shows every approved line as no change. The snapshot is indexed once, so
//! approving 100,000 lines costs about as much as reading them.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use plugin_contract::MAX_PLAUSIBLE_QUANTITY;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::seed::line::{PsaLine, VendorAccount};
use crate::seed::mapping::{Mapping, State};
use crate::seed::psa::{AgreementLine, PsaError, PsaIndex, PsaSnapshot};
use crate::seed::review::{compare, LineKind, Review, ReviewLine};

/// Which review lines a person approves.
#[derive(Clone, Copy, Debug)]
pub enum Choice<'a> {
    /// Every line with a count (a line fed by a failed count has none).
    All,
    /// These lines.
    Lines(&'a [PsaLine]),
}

/// One PSA line's approved quantity: a row of the change set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    pub vendor_accounts: Vec<VendorAccount>,
}

impl Change {
    /// Returns the line changed.
    pub fn line(&self) -> PsaLine {
        PsaLine::new(&self.psa_account_id, &self.psa_product_id)
    }
}

/// The PSA change set of one approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChangeSet {
    /// The instant the approved counts were counted as of.
    pub as_of: String,
    /// One row per changed line, sorted by PSA account and product.
    pub changes: Vec<Change>,
}

/// What one approval decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The lines that change.
    pub change_set: ChangeSet,
    /// Approved lines that already agree, left out of the change set.
    pub unchanged: Vec<PsaLine>,
    /// The review's PSA lines fed by a failed count, which no approval takes.
    pub failed: Vec<PsaLine>,
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
         (PSA account id/PSA product id, a / or % in an id written %2F or %25); nothing was \
         approved"
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
    /// The review's `as_of` is not an instant of the calendar.
    #[error(
        "the review's as_of {as_of:?} is not an RFC 3339 instant of the calendar: it was not \
         written by sync; nothing was approved"
    )]
    NotAnInstant { as_of: String },
    /// Two lines of the review share a key.
    #[error(
        "the review lists the line {key} twice: it was not written by sync; nothing was approved"
    )]
    DuplicateLine { key: String },
    /// A line names a PSA account the snapshot does not have.
    #[error(
        "the review's line {key} names the PSA account {account:?}, which the PSA snapshot does \
         not have; nothing was approved"
    )]
    UnknownAccount { key: String, account: String },
    /// A line names a product no agreement line of the snapshot bills.
    #[error(
        "the review's line {key} names the PSA product {product:?}, which the PSA snapshot does \
         not bill anywhere; nothing was approved"
    )]
    UnknownProduct { key: String, product: String },
    /// A line the mapping feeds no count into.
    #[error(
        "the review's line {key} is not fed by the mapping: no vendor account is mapped to its \
         PSA account, or no service to its product; nothing was approved"
    )]
    NotMapped { key: String },
    /// A line names a vendor account the mapping does not map to its PSA account.
    #[error(
        "the review's line {key} counts the vendor account {vendor_account:?}, which the mapping \
         does not map to that PSA account; nothing was approved"
    )]
    UnknownVendorAccount { key: String, vendor_account: String },
    /// A line counts more than the pairs counted into it can.
    #[error(
        "the review's line {key} counts {quantity}, more than its {pairs} (vendor account, \
         service) pairs can: each counts at most {max} (the contract's bound); nothing was \
         approved",
        max = MAX_PLAUSIBLE_QUANTITY
    )]
    Implausible {
        key: String,
        quantity: u64,
        pairs: u64,
    },
    /// A line's kind or delta disagrees with its quantities.
    #[error(
        "the review's line {key} does not add up: its kind or delta disagrees with its \
         quantities; it was not written by sync; nothing was approved"
    )]
    Inconsistent { key: String },
    /// The review does not say which PSA snapshot and mapping it was made from.
    #[error(
        "the review does not say which PSA snapshot and mapping it was made from: sync again \
         and review; nothing was approved"
    )]
    Unbound,
    /// The review was made from another PSA snapshot.
    #[error(
        "the review was made from another PSA snapshot (sha256 {reviewed}), not this one \
         (sha256 {now}) nor this one as its approvals left it: sync against this snapshot and \
         review; nothing was approved"
    )]
    OtherPsa { reviewed: String, now: String },
    /// The review was made from another mapping file.
    #[error(
        "the review was made from another mapping file (sha256 {reviewed}), not this one \
         (sha256 {now}): approve with the mapping it was made from, or sync again; nothing was \
         approved"
    )]
    OtherMapping { reviewed: String, now: String },
    /// The PSA snapshot could not be read.
    #[error(transparent)]
    Psa(#[from] PsaError),
    /// The history could not be read.
    #[error("cannot read the history {}: line {line} is not an approval", .path.display())]
    History {
        path: std::path::PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    /// A line of the history is in a format this harness does not read.
    #[error(
        "cannot read the history {}: line {line} has format_version {found:?}, which this \
         harness does not read (it reads {reads:?}): approve with the harness that wrote it",
        .path.display()
    )]
    HistoryFormat {
        path: std::path::PathBuf,
        line: usize,
        found: String,
        reads: &'static [&'static str],
    },
    /// A file could not be read.
    #[error("cannot read {}", .path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A file could not be written; nothing was approved.
    #[error("cannot write {}; nothing was approved", .path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The approval is in the history, but a file of it could not be put in place.
    #[error(
        "the approval is in the history, but {} could not be put in place; the next approve \
         finishes it",
        .path.display()
    )]
    Unfinished {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The last approval of the history, applied to the PSA snapshot it started from, does not
    /// give the snapshot it recorded.
    #[error(
        "the last approval of {} was interrupted, and applying it again to {} does not give the \
         snapshot it recorded (sha256 {after}); restore the PSA snapshot from a backup",
        .history.display(),
        .psa.display()
    )]
    CannotFinish {
        history: std::path::PathBuf,
        psa: std::path::PathBuf,
        after: String,
    },
}

/// Approves the lines of `review`, made with `mapping`, that `choice` names and applies them to
/// `psa`, after checking the whole review against both; on error, `psa` is left as it was.
pub fn approve(
    review: &Review,
    mapping: &Mapping,
    choice: Choice<'_>,
    psa: &mut PsaSnapshot,
) -> Result<Approval, ApproveError> {
    let index = psa.index();
    let lines = checked_lines(review, mapping, &index)?;
    let failed: HashSet<&PsaLine> = review.failed.iter().flat_map(|f| &f.psa_lines).collect();
    let chosen: Vec<&ReviewLine> = match choice {
        Choice::All => review.lines.iter().collect(),
        Choice::Lines(named) => {
            let mut seen = HashSet::new();
            let mut chosen = Vec::new();
            for line in named {
                if !seen.insert(line) {
                    continue;
                }
                match lines.get(line) {
                    Some(reviewed) => chosen.push(*reviewed),
                    None if failed.contains(line) => {
                        return Err(ApproveError::FailedLine {
                            key: line.key(),
                            reasons: failure_of(review, line),
                        })
                    }
                    None => return Err(ApproveError::NoSuchLine { key: line.key() }),
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
            psa_account_name: index
                .account(&l.psa_account_id)
                .map_or_else(String::new, |a| a.name.clone()),
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
        let now = index.billed(&change.psa_account_id, &change.psa_product_id);
        if now != change.old_quantity.map(Some) {
            return Err(ApproveError::PsaChanged {
                key: change.line().key(),
                reviewed: describe(change.old_quantity.map(Some)),
                now: describe(now),
            });
        }
    }
    apply(psa, &changes);
    let mut unchanged: Vec<PsaLine> = unchanged.iter().map(|l| l.line()).collect();
    unchanged.sort();
    let mut failed: Vec<PsaLine> = failed.into_iter().cloned().collect();
    failed.sort();
    Ok(Approval {
        change_set: ChangeSet {
            as_of: review.as_of.clone(),
            changes,
        },
        unchanged,
        failed,
    })
}

/// What the mapping counts into PSA lines: the vendor accounts mapped to each PSA account, and
/// how many services are mapped to each PSA product.
struct Fed<'m> {
    accounts: HashMap<&'m str, Vec<&'m str>>,
    services: HashMap<&'m str, u64>,
}

impl<'m> Fed<'m> {
    fn of(mapping: &'m Mapping) -> Self {
        let mut accounts: HashMap<&str, Vec<&str>> = HashMap::new();
        for (vendor, psa) in mapping.psa_accounts() {
            accounts.entry(psa).or_default().push(vendor);
        }
        let mut services: HashMap<&str, u64> = HashMap::new();
        for service in mapping.services.iter().filter(|s| s.state == State::Mapped) {
            if let Some(product) = service.psa_product_id.as_deref() {
                *services.entry(product).or_default() += 1;
            }
        }
        Fed { accounts, services }
    }
}

/// Checks every line of `review` against `mapping` and the snapshot (see the module's
/// documentation); returns the lines by their PSA line.
fn checked_lines<'r>(
    review: &'r Review,
    mapping: &Mapping,
    psa: &PsaIndex,
) -> Result<HashMap<PsaLine, &'r ReviewLine>, ApproveError> {
    if !plugin_contract::time::is_rfc3339(&review.as_of) {
        return Err(ApproveError::NotAnInstant {
            as_of: review.as_of.clone(),
        });
    }
    let fed = Fed::of(mapping);
    let mut lines = HashMap::with_capacity(review.lines.len());
    for line in &review.lines {
        let named = line.line();
        let key = named.key();
        check_line(line, &key, &fed, psa)?;
        if lines.insert(named, line).is_some() {
            return Err(ApproveError::DuplicateLine { key });
        }
    }
    Ok(lines)
}

/// Checks one review line named `key`.
fn check_line(line: &ReviewLine, key: &str, fed: &Fed, psa: &PsaIndex) -> Result<(), ApproveError> {
    let key = || key.to_owned();
    if psa.account(&line.psa_account_id).is_none() {
        return Err(ApproveError::UnknownAccount {
            key: key(),
            account: line.psa_account_id.clone(),
        });
    }
    if psa.product_name(&line.psa_product_id).is_none() {
        return Err(ApproveError::UnknownProduct {
            key: key(),
            product: line.psa_product_id.clone(),
        });
    }
    let vendors = fed
        .accounts
        .get(line.psa_account_id.as_str())
        .map_or(&[][..], Vec::as_slice);
    let services = fed
        .services
        .get(line.psa_product_id.as_str())
        .copied()
        .unwrap_or(0);
    let pairs = (vendors.len() as u64).saturating_mul(services);
    if pairs == 0 {
        return Err(ApproveError::NotMapped { key: key() });
    }
    if let Some(unknown) = line
        .vendor_accounts
        .iter()
        .find(|account| !vendors.contains(&account.id.as_str()))
    {
        return Err(ApproveError::UnknownVendorAccount {
            key: key(),
            vendor_account: unknown.label(),
        });
    }
    if line.vendor_quantity > MAX_PLAUSIBLE_QUANTITY.saturating_mul(pairs) {
        return Err(ApproveError::Implausible {
            key: key(),
            quantity: line.vendor_quantity,
            pairs,
        });
    }
    let (kind, delta) = compare(line.psa_quantity, line.vendor_quantity);
    if kind != line.kind || delta != line.delta {
        return Err(ApproveError::Inconsistent { key: key() });
    }
    Ok(())
}

/// Returns why the failed PSA line `line` has no count, from the review's failed entries.
fn failure_of(review: &Review, line: &PsaLine) -> String {
    let reasons: Vec<String> = review
        .failed
        .iter()
        .filter(|f| f.psa_lines.contains(line))
        .map(|f| {
            format!(
                "{} {}: {}",
                f.vendor.label(),
                f.error.class.as_str(),
                f.error.message
            )
        })
        .collect();
    reasons.join("; ")
}

/// Describes a billed quantity for a person.
fn describe(billed: Option<Option<u64>>) -> String {
    match billed {
        None => "no line".to_owned(),
        Some(Some(quantity)) => quantity.to_string(),
        Some(None) => format!("more than {} (2^64-1)", u64::MAX),
    }
}

/// Makes `psa` bill each change's `new_quantity` on its line, whose agreement lines add up to
/// its `old_quantity` (checked by [`approve`]), as the module's documentation says: every line
/// is found through one index, and new lines are put in place in one pass.
pub fn apply(psa: &mut PsaSnapshot, changes: &[Change]) {
    let mut updates: Vec<(Vec<usize>, &Change)> = Vec::new();
    let mut added: Vec<(usize, AgreementLine)> = Vec::new();
    {
        let index = psa.index();
        for change in changes {
            if change.old_quantity.is_some() {
                let lines = index.lines_of(&change.psa_account_id, &change.psa_product_id);
                updates.push((lines.to_vec(), change));
                continue;
            }
            let product_name = index
                .product_name(&change.psa_product_id)
                .unwrap_or(&change.psa_product_id);
            let after = index
                .last_line_of(&change.psa_account_id)
                .map_or(psa.agreement_lines.len(), |at| at + 1);
            added.push((
                after,
                AgreementLine {
                    account_id: change.psa_account_id.clone(),
                    product_id: change.psa_product_id.clone(),
                    product_name: product_name.to_owned(),
                    quantity: change.new_quantity,
                },
            ));
        }
    }
    for (lines, change) in updates {
        let (old, new) = (change.old_quantity.unwrap_or(0), change.new_quantity);
        if new >= old {
            // The lines add up to `old`, so the first plus the increase is at most `new`.
            if let Some(&first) = lines.first() {
                psa.agreement_lines[first].quantity += new - old;
            }
        } else {
            let mut decrease = old - new;
            for at in lines {
                let line = &mut psa.agreement_lines[at];
                let taken = decrease.min(line.quantity);
                line.quantity -= taken;
                decrease -= taken;
            }
        }
    }
    if added.is_empty() {
        return;
    }
    // Stable: the new lines of one place keep the changes' order.
    added.sort_by_key(|(after, _)| *after);
    let old = std::mem::take(&mut psa.agreement_lines);
    let mut added = added.into_iter().peekable();
    let mut merged = Vec::with_capacity(old.len() + added.len());
    for (at, line) in std::iter::once(None)
        .chain(old.into_iter().map(Some))
        .enumerate()
    {
        merged.extend(line);
        while let Some((_, new)) = added.next_if(|(after, _)| *after == at) {
            merged.push(new);
        }
    }
    psa.agreement_lines = merged;
}

#[cfg(test)]
mod tests;
