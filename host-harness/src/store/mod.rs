//! The host's state in one SQLite file: the connection, the accounts and services as generated,
//! the mapping, each sync with its records, failures and warnings and its review, each approval
//! and the PSA snapshot as approved.
//!
//! Why a database and not the loose files the CLI wrote one after another: every step of the
//! seed ([`steps`]) is one transaction here, so a host killed at any moment leaves the store as
//! it was before the step or after it, never between (SQLite's journal guarantees it; the
//! tests kill an approval half way). The web host and the CLI's `map`, `sync` and `approve
//! --store` are two faces over the same [`steps`]; the rules themselves stay in [`crate::seed`].
//!
//! Secrets are never written: the connection keeps only the credentials the plugin's schema
//! does not mark `writeOnly` ([`connection::public_credentials`]). The schema is versioned by
//! `PRAGMA user_version` and the numbered files in `migrations/`, applied in order, each in its
//! own transaction; a store written by a newer harness is refused, never downgraded.

pub mod approvals;
pub mod connection;
pub mod mapping;
pub mod steps;
pub mod syncs;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

/// The migrations, in order: the store's schema version is how many of them it has applied.
const MIGRATIONS: &[&str] = &[include_str!("migrations/001_initial.sql")];

/// The file a store defaults to, in the working folder.
pub const DEFAULT_STORE: &str = "host-harness.db";

/// How long a step waits for another process's transaction (a CLI sync beside the web host).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite could not open the file as a store.
    #[error("the store {} could not be opened", .path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// SQLite refused a statement.
    #[error("the store refused a statement")]
    Sql(#[from] rusqlite::Error),
    /// A JSON column does not hold what this harness writes there.
    #[error("the store holds a {what} that is not valid JSON of its type")]
    Json {
        what: &'static str,
        source: serde_json::Error,
    },
    /// The store was written by a newer harness.
    #[error(
        "the store {} has schema version {found}, newer than this harness's {known}: use the \
         harness that wrote it",
        .path.display()
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    /// A quantity does not fit SQLite's 64-bit signed integers.
    #[error("a count of {quantity} cannot be stored (more than 2^63-1)")]
    Quantity { quantity: u64 },
}

/// An open store.
pub struct Store {
    db: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open = || -> Result<Connection, rusqlite::Error> {
            let db = Connection::open(path)?;
            db.busy_timeout(BUSY_TIMEOUT)?;
            // WAL lets the web host read while a CLI step writes; FULL makes each commit durable.
            db.pragma_update(None, "journal_mode", "WAL")?;
            db.pragma_update(None, "synchronous", "FULL")?;
            db.pragma_update(None, "foreign_keys", "ON")?;
            Ok(db)
        };
        let db = open().map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        let mut store = Store {
            db,
            path: path.to_owned(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Applies the migrations the store has not applied yet, each in one transaction.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let applied = self.schema_version()?;
        if applied > MIGRATIONS.len() as i64 {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found: applied,
                known: MIGRATIONS.len(),
            });
        }
        for (done, migration) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            let tx = self.db.transaction()?;
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", done as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Returns the schema version the store is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .db
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Runs `step` in one transaction: all of it is kept, or none.
    fn transaction<T>(
        &mut self,
        step: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.db.transaction()?;
        let value = step(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

/// Encodes a value for a JSON column.
fn to_json<T: serde::Serialize>(what: &'static str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Json { what, source })
}

/// Decodes a JSON column.
fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|source| StoreError::Json { what, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_is_at_the_last_schema_version_and_reopens_there() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("store.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        drop(store);
        assert_eq!(
            Store::open(&path).unwrap().schema_version().unwrap(),
            MIGRATIONS.len() as i64
        );
    }

    #[test]
    fn a_store_written_by_a_newer_harness_is_refused() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("store.db");
        let db = Connection::open(&path).unwrap();
        db.pragma_update(None, "user_version", 99).unwrap();
        drop(db);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::Newer { found: 99, .. })
        ));
    }
}
