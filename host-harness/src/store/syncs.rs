//! Each sync in the store: started (so a screen can show it running), then finished in one
//! transaction with its records, failures, warnings and review, or failed as a whole.

use plugin_contract::{PluginError, Usage, UsageRecord};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::seed::review::Review;
use crate::store::connection::{set_status, Status};
use crate::store::{from_json, to_json, Store, StoreError};

/// Where a sync stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncStatus {
    /// Running now (or its process was killed: see [`Store::interrupt_running`]).
    Running,
    /// Counted and reviewed.
    Done,
    /// A call failed as a whole.
    Failed,
    /// A person cancelled it.
    Cancelled,
    /// Its process ended before it did.
    Interrupted,
}

impl SyncStatus {
    /// Returns the name the store keeps and a screen shows.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Running => "running",
            SyncStatus::Done => "done",
            SyncStatus::Failed => "failed",
            SyncStatus::Cancelled => "cancelled",
            SyncStatus::Interrupted => "interrupted",
        }
    }

    fn parse(name: &str) -> SyncStatus {
        match name {
            "running" => SyncStatus::Running,
            "done" => SyncStatus::Done,
            "failed" => SyncStatus::Failed,
            "cancelled" => SyncStatus::Cancelled,
            _ => SyncStatus::Interrupted,
        }
    }
}

/// One sync as the store keeps it.
#[derive(Debug)]
pub struct SyncRow {
    /// Its id, in the order syncs started.
    pub id: i64,
    /// The instant counted as of.
    pub as_of: String,
    /// When it started and ended (RFC 3339).
    pub started_at: String,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Where it stands.
    pub status: SyncStatus,
    /// Why it failed as a whole.
    pub error: Option<PluginError>,
    /// Its review, once done.
    pub review: Option<Review>,
}

/// How a sync ended.
pub enum SyncEnd<'a> {
    /// Counted: the plugin's usage and the review built from it.
    Done {
        usage: &'a Usage,
        review: &'a Review,
    },
    /// A call failed as a whole.
    Failed(&'a PluginError),
    /// A person cancelled it.
    Cancelled,
}

const SYNC_COLUMNS: &str = "id, as_of, started_at, finished_at, status, error, review";

impl Store {
    /// Records a sync as running; returns its id.
    pub fn start_sync(&mut self, as_of: &str, started_at: &str) -> Result<i64, StoreError> {
        self.transaction(|tx| {
            tx.execute(
                "INSERT INTO syncs (as_of, started_at, status) VALUES (?1, ?2, 'running')",
                params![as_of, started_at],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Records how sync `id` ended, with everything it counted, in one transaction, and sets
    /// the connection's status: active when done, failing with the error's class when failed.
    pub fn finish_sync(&mut self, id: i64, end: SyncEnd<'_>, now: &str) -> Result<(), StoreError> {
        self.transaction(|tx| {
            let (status, error, review) = match &end {
                SyncEnd::Done { usage, review } => {
                    put_usage(tx, id, usage)?;
                    set_status(tx, Status::Active, None, now)?;
                    (SyncStatus::Done, None, Some(to_json("review", review)?))
                }
                SyncEnd::Failed(error) => {
                    set_status(tx, Status::Failing(error.class), Some(error), now)?;
                    (
                        SyncStatus::Failed,
                        Some(to_json("sync error", error)?),
                        None,
                    )
                }
                SyncEnd::Cancelled => (SyncStatus::Cancelled, None, None),
            };
            tx.execute(
                "UPDATE syncs SET status = ?1, error = ?2, review = ?3, finished_at = ?4 \
                 WHERE id = ?5",
                params![status.as_str(), error, review, now, id],
            )?;
            Ok(())
        })
    }

    /// Marks syncs still running as interrupted: run when a host starts, since no sync of an
    /// earlier process can still be running in it.
    pub fn interrupt_running(&mut self, now: &str) -> Result<(), StoreError> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE syncs SET status = 'interrupted', finished_at = ?1 WHERE status = 'running'",
                params![now],
            )?;
            Ok(())
        })
    }

    /// Returns sync `id`.
    pub fn sync(&self, id: i64) -> Result<Option<SyncRow>, StoreError> {
        let query = format!("SELECT {SYNC_COLUMNS} FROM syncs WHERE id = ?1");
        let raw = self.db.query_row(&query, [id], raw_sync).optional()?;
        raw.map(decode_sync).transpose()
    }

    /// Returns every sync, the latest first.
    pub fn syncs(&self) -> Result<Vec<SyncRow>, StoreError> {
        let query = format!("SELECT {SYNC_COLUMNS} FROM syncs ORDER BY id DESC");
        let mut statement = self.db.prepare(&query)?;
        let raw = statement
            .query_map([], raw_sync)?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter().map(decode_sync).collect()
    }

    /// Returns the latest sync, whatever its status.
    pub fn last_sync(&self) -> Result<Option<SyncRow>, StoreError> {
        let query = format!("SELECT {SYNC_COLUMNS} FROM syncs ORDER BY id DESC LIMIT 1");
        let raw = self.db.query_row(&query, [], raw_sync).optional()?;
        raw.map(decode_sync).transpose()
    }

    /// Tells whether any sync ever ended with a review.
    pub fn has_finished_sync(&self) -> Result<bool, StoreError> {
        Ok(self.db.query_row(
            "SELECT EXISTS (SELECT 1 FROM syncs WHERE status = 'done')",
            [],
            |row| row.get(0),
        )?)
    }

    /// Returns the latest sync that ended with a review.
    pub fn last_review(&self) -> Result<Option<SyncRow>, StoreError> {
        let query = format!(
            "SELECT {SYNC_COLUMNS} FROM syncs WHERE status = 'done' ORDER BY id DESC LIMIT 1"
        );
        let raw = self.db.query_row(&query, [], raw_sync).optional()?;
        raw.map(decode_sync).transpose()
    }

    /// Returns the records sync `id` counted, in the plugin's order.
    pub fn records(&self, id: i64) -> Result<Vec<UsageRecord>, StoreError> {
        let mut statement = self.db.prepare(
            "SELECT account_id, service_id, quantity FROM sync_records WHERE sync_id = ?1 \
             ORDER BY position",
        )?;
        let rows = statement.query_map([id], |row| {
            Ok(UsageRecord {
                account_id: row.get(0)?,
                service_id: row.get(1)?,
                quantity: row.get::<_, i64>(2)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

type RawSync = (
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn raw_sync(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawSync> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn decode_sync(raw: RawSync) -> Result<SyncRow, StoreError> {
    let (id, as_of, started_at, finished_at, status, error, review) = raw;
    Ok(SyncRow {
        id,
        as_of,
        started_at,
        finished_at,
        status: SyncStatus::parse(&status),
        error: error.map(|e| from_json("sync error", &e)).transpose()?,
        review: review.map(|r| from_json("review", &r)).transpose()?,
    })
}

/// Writes the records, failures and warnings of sync `id`.
fn put_usage(tx: &Transaction<'_>, id: i64, usage: &Usage) -> Result<(), StoreError> {
    let mut insert = tx.prepare(
        "INSERT INTO sync_records (sync_id, position, account_id, service_id, quantity) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (position, record) in usage.records.iter().enumerate() {
        let quantity = i64::try_from(record.quantity).map_err(|_| StoreError::Quantity {
            quantity: record.quantity,
        })?;
        insert.execute(params![
            id,
            position as i64,
            record.account_id,
            record.service_id,
            quantity
        ])?;
    }
    let mut insert =
        tx.prepare("INSERT INTO sync_failures (sync_id, position, failure) VALUES (?1, ?2, ?3)")?;
    for (position, failure) in usage.failed_accounts.iter().enumerate() {
        insert.execute(params![id, position as i64, to_json("failure", failure)?])?;
    }
    let mut insert =
        tx.prepare("INSERT INTO sync_warnings (sync_id, position, warning) VALUES (?1, ?2, ?3)")?;
    for (position, warning) in usage.warnings.iter().enumerate() {
        insert.execute(params![id, position as i64, to_json("warning", warning)?])?;
    }
    Ok(())
}
