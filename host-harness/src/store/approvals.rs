//! Each approval in the store: what it decided and the PSA snapshot as approved, written with
//! the store's snapshot in one transaction, so a kill leaves either both or neither.

use rusqlite::{params, OptionalExtension};

use crate::seed::approve::{approve, Approval, ApproveError, Choice};
use crate::seed::history::{check_made_from, HistoryEntry};
use crate::store::connection::put_psa;
use crate::store::mapping::mapping_sha256;
use crate::store::{from_json, to_json, Store, StoreError};

/// One approval as the store keeps it.
#[derive(Clone, Debug)]
pub struct ApprovalRow {
    /// Its id, in the order of approvals.
    pub id: i64,
    /// The sync whose review it approved.
    pub sync_id: i64,
    /// When (RFC 3339).
    pub approved_at: String,
    /// What it decided.
    pub approval: Approval,
    /// The PSA snapshot's SHA-256 before and after it.
    pub psa_sha256_before: String,
    /// See `psa_sha256_before`.
    pub psa_sha256_after: String,
}

/// Why an approval was refused or not kept; nothing was approved then.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The review, the mapping or the snapshot refused it (see [`ApproveError`]).
    #[error(transparent)]
    Refused(#[from] ApproveError),
    /// There is no such sync, or it has no review.
    #[error("sync {0} has no review to approve: it did not finish")]
    NoReview(i64),
    /// The store has no PSA snapshot.
    #[error("the store has no PSA snapshot: import one first (--psa)")]
    NoPsa,
}

/// Where a test stops an approval half way, as a kill would (see [`Store::approve`]).
pub type Stop<'a> = &'a dyn Fn(&str);

impl Store {
    /// Approves the lines `choice` names of sync `sync_id`'s review against the store's
    /// mapping and PSA snapshot (the checks of [`approve`] and [`check_made_from`]), and keeps
    /// the approval and the snapshot as approved in one transaction. `stop` is called with
    /// `"approval-written"` between the two writes (a test aborts there to show that a kill
    /// keeps neither).
    pub fn approve(
        &mut self,
        sync_id: i64,
        choice: Choice<'_>,
        approved_at: &str,
        stop: Stop<'_>,
    ) -> Result<ApprovalRow, ApprovalError> {
        let review = self
            .sync(sync_id)?
            .and_then(|s| s.review)
            .ok_or(ApprovalError::NoReview(sync_id))?;
        let mapping = self.mapping()?;
        let (mut psa, before) = self.psa()?.ok_or(ApprovalError::NoPsa)?;
        let history: Vec<HistoryEntry> = self
            .approvals()?
            .into_iter()
            .map(|a| HistoryEntry {
                format_version: crate::seed::history::FORMAT_VERSION.to_owned(),
                approved_at: a.approved_at,
                as_of: a.approval.change_set.as_of.clone(),
                psa_sha256_before: Some(a.psa_sha256_before),
                psa_sha256_after: Some(a.psa_sha256_after),
                changes: a.approval.change_set.changes,
            })
            .collect();
        check_made_from(&review, &before, &mapping_sha256(&mapping)?, &history)?;
        let approval = approve(&review, &mapping, choice, &mut psa)?;
        let row = self.transaction(|tx| {
            let psa_json = to_json("PSA snapshot", &psa)?;
            let after = crate::seed::psa::sha256_hex(psa_json.as_bytes());
            tx.execute(
                "INSERT INTO approvals (sync_id, approved_at, approval, psa_sha256_before, \
                 psa_sha256_after, psa_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    sync_id,
                    approved_at,
                    to_json("approval", &approval)?,
                    before,
                    after,
                    psa_json
                ],
            )?;
            let id = tx.last_insert_rowid();
            stop("approval-written");
            put_psa(tx, &psa)?;
            Ok(ApprovalRow {
                id,
                sync_id,
                approved_at: approved_at.to_owned(),
                approval: approval.clone(),
                psa_sha256_before: before.clone(),
                psa_sha256_after: after,
            })
        })?;
        Ok(row)
    }

    /// Returns every approval, the first first.
    pub fn approvals(&self) -> Result<Vec<ApprovalRow>, StoreError> {
        let mut statement = self.db.prepare(
            "SELECT id, sync_id, approved_at, approval, psa_sha256_before, psa_sha256_after \
             FROM approvals ORDER BY id",
        )?;
        let raw = statement
            .query_map([], raw_approval)?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter().map(decode_approval).collect()
    }

    /// Returns approval `id`.
    pub fn approval(&self, id: i64) -> Result<Option<ApprovalRow>, StoreError> {
        let raw = self
            .db
            .query_row(
                "SELECT id, sync_id, approved_at, approval, psa_sha256_before, psa_sha256_after \
                 FROM approvals WHERE id = ?1",
                [id],
                raw_approval,
            )
            .optional()?;
        raw.map(decode_approval).transpose()
    }
}

type RawApproval = (i64, i64, String, String, String, String);

fn raw_approval(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawApproval> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn decode_approval(raw: RawApproval) -> Result<ApprovalRow, StoreError> {
    let (id, sync_id, approved_at, approval, before, after) = raw;
    Ok(ApprovalRow {
        id,
        sync_id,
        approved_at,
        approval: from_json("approval", &approval)?,
        psa_sha256_before: before,
        psa_sha256_after: after,
    })
}
