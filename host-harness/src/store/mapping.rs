//! The mapping in the store: one row per vendor account and service, changed by a whole
//! [`auto_map`](crate::seed::mapping::auto_map) or by one person's [`Edit`], each in one
//! transaction.

use rusqlite::{params, Transaction};

use crate::seed::mapping::{AccountMapping, Edit, EditError, Mapping, ServiceMapping};
use crate::seed::psa::sha256_hex;
use crate::store::{to_json, Store, StoreError};

impl Store {
    /// Returns the mapping (empty before the first connect), accounts and services sorted by id.
    pub fn mapping(&self) -> Result<Mapping, StoreError> {
        Ok(Mapping {
            accounts: self.json_rows::<AccountMapping>(
                "SELECT entry FROM account_mappings ORDER BY vendor_account_id",
                "account mapping",
            )?,
            services: self.json_rows::<ServiceMapping>(
                "SELECT entry FROM service_mappings ORDER BY service_id",
                "service mapping",
            )?,
        })
    }

    /// Applies a person's `edit` against the store's PSA snapshot, in one transaction.
    pub fn edit_mapping(&mut self, edit: &Edit) -> Result<Result<(), EditError>, StoreError> {
        let psa = self.psa()?.map(|(psa, _)| psa).unwrap_or_default();
        let mut mapping = self.mapping()?;
        if let Err(refused) = mapping.apply(edit, &psa) {
            return Ok(Err(refused));
        }
        self.transaction(|tx| put_mapping(tx, &mapping))?;
        Ok(Ok(()))
    }

    /// Replaces the mapping with `mapping` (what the CLI's `map` and an import do).
    pub fn replace_mapping(&mut self, mapping: &Mapping) -> Result<(), StoreError> {
        self.transaction(|tx| put_mapping(tx, mapping))
    }
}

/// Returns the SHA-256 a review binds itself to: of the mapping's JSON as the store encodes it.
pub fn mapping_sha256(mapping: &Mapping) -> Result<String, StoreError> {
    Ok(sha256_hex(to_json("mapping", mapping)?.as_bytes()))
}

/// Writes `mapping` over the store's.
pub(crate) fn put_mapping(tx: &Transaction<'_>, mapping: &Mapping) -> Result<(), StoreError> {
    tx.execute("DELETE FROM account_mappings", [])?;
    tx.execute("DELETE FROM service_mappings", [])?;
    let mut insert = tx.prepare(
        "INSERT OR REPLACE INTO account_mappings (vendor_account_id, entry) VALUES (?1, ?2)",
    )?;
    for entry in &mapping.accounts {
        insert.execute(params![
            entry.vendor_account_id,
            to_json("account mapping", entry)?
        ])?;
    }
    let mut insert =
        tx.prepare("INSERT OR REPLACE INTO service_mappings (service_id, entry) VALUES (?1, ?2)")?;
    for entry in &mapping.services {
        insert.execute(params![
            entry.service_id,
            to_json("service mapping", entry)?
        ])?;
    }
    Ok(())
}
