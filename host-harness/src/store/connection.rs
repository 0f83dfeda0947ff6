//! The connection: which plugin, its non-secret credentials, its status, and the accounts,
//! services and PSA snapshot the steps work on.

use plugin_contract::{Account, Credentials, ErrorClass, PluginError, Service};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::seed::psa::{sha256_hex, PsaSnapshot};
use crate::store::{from_json, to_json, Store, StoreError};

/// Where an integration stands, as the Integrations screen shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No credentials were ever accepted.
    NotConnected,
    /// Authenticated; accounts and services generated; no sync has succeeded yet.
    Pending,
    /// The last sync succeeded.
    Active,
    /// The last step failed as a whole, with this class.
    Failing(ErrorClass),
}

impl Status {
    /// Returns the status as a person reads it: `pending`, `failing (auth)`.
    pub fn label(self) -> String {
        match self {
            Status::NotConnected => "not connected".into(),
            Status::Pending => "pending".into(),
            Status::Active => "active".into(),
            Status::Failing(class) => format!("failing ({})", class.as_str()),
        }
    }

    /// Returns the name the store keeps.
    fn stored(self) -> &'static str {
        match self {
            Status::NotConnected => "not_connected",
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Failing(_) => "failing",
        }
    }
}

/// The connection as the store keeps it.
#[derive(Clone, Debug)]
pub struct ConnectionState {
    /// The vendor's id, from `describe_credentials`.
    pub vendor_id: String,
    /// The credentials entered, without the secret ones.
    pub public_credentials: Credentials,
    /// Where it stands.
    pub status: Status,
    /// The plugin's sentence from the last successful `authenticate`.
    pub detail: Option<String>,
    /// The typed error of the last step that failed as a whole.
    pub error: Option<PluginError>,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

/// Returns `credentials` without the `secret_fields` (the schema's `writeOnly` ones): all the
/// store may keep.
pub fn public_credentials(credentials: &Credentials, secret_fields: &[String]) -> Credentials {
    credentials
        .iter()
        .filter(|(key, _)| !secret_fields.iter().any(|s| s == key))
        .collect()
}

impl Store {
    /// Returns the connection, if credentials were ever entered.
    pub fn connection(&self) -> Result<Option<ConnectionState>, StoreError> {
        let row = self
            .db
            .query_row(
                "SELECT vendor_id, public_credentials, status, detail, error, updated_at \
                 FROM connection WHERE id = 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((vendor_id, public, status, detail, error, updated_at)) = row else {
            return Ok(None);
        };
        let error: Option<PluginError> = error
            .map(|e| from_json("connection error", &e))
            .transpose()?;
        let status = match (status.as_str(), &error) {
            ("pending", _) => Status::Pending,
            ("active", _) => Status::Active,
            ("failing", Some(error)) => Status::Failing(error.class),
            _ => Status::NotConnected,
        };
        Ok(Some(ConnectionState {
            vendor_id,
            public_credentials: from_json("connection's credentials", &public)?,
            status,
            detail,
            error,
            updated_at,
        }))
    }

    /// Returns the status: not connected until credentials were entered.
    pub fn status(&self) -> Result<Status, StoreError> {
        Ok(self
            .connection()?
            .map_or(Status::NotConnected, |c| c.status))
    }

    /// Returns the accounts as last generated, sorted by id.
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.json_rows("SELECT account FROM accounts ORDER BY id", "account")
    }

    /// Returns the services as last generated, sorted by id.
    pub fn services(&self) -> Result<Vec<Service>, StoreError> {
        self.json_rows("SELECT service FROM services ORDER BY id", "service")
    }

    /// Returns the PSA snapshot as the last approval left it, and its SHA-256.
    pub fn psa(&self) -> Result<Option<(PsaSnapshot, String)>, StoreError> {
        let row = self
            .db
            .query_row("SELECT snapshot, sha256 FROM psa WHERE id = 1", [], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .optional()?;
        row.map(|(snapshot, sha)| Ok((from_json("PSA snapshot", &snapshot)?, sha)))
            .transpose()
    }

    /// Makes `psa` the store's PSA snapshot (an import from the PSA).
    pub fn import_psa(&mut self, psa: &PsaSnapshot) -> Result<(), StoreError> {
        self.transaction(|tx| put_psa(tx, psa).map(drop))
    }

    /// Returns every row of a one-column JSON query, decoded.
    pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        what: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let mut statement = self.db.prepare(query)?;
        let texts = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<String>, _>>()?;
        texts.iter().map(|text| from_json(what, text)).collect()
    }
}

/// Writes `psa` as the store's snapshot; returns its SHA-256.
pub(crate) fn put_psa(tx: &Transaction<'_>, psa: &PsaSnapshot) -> Result<String, StoreError> {
    let json = to_json("PSA snapshot", psa)?;
    let sha = sha256_hex(json.as_bytes());
    tx.execute(
        "INSERT INTO psa (id, snapshot, sha256) VALUES (1, ?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET snapshot = ?1, sha256 = ?2",
        params![json, sha],
    )?;
    Ok(sha)
}

/// Writes the connection.
pub(crate) fn put_connection(
    tx: &Transaction<'_>,
    state: &ConnectionState,
) -> Result<(), StoreError> {
    let error = state
        .error
        .as_ref()
        .map(|e| to_json("connection error", e))
        .transpose()?;
    tx.execute(
        "INSERT INTO connection (id, vendor_id, public_credentials, status, detail, error, updated_at) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (id) DO UPDATE SET vendor_id = ?1, public_credentials = ?2, status = ?3, \
         detail = ?4, error = ?5, updated_at = ?6",
        params![
            state.vendor_id,
            to_json("connection's credentials", &state.public_credentials)?,
            state.status.stored(),
            state.detail,
            error,
            state.updated_at
        ],
    )?;
    Ok(())
}

/// Sets the connection's status (and the error it fails with), if there is a connection.
pub(crate) fn set_status(
    tx: &Transaction<'_>,
    status: Status,
    error: Option<&PluginError>,
    now: &str,
) -> Result<(), StoreError> {
    let error = error.map(|e| to_json("connection error", e)).transpose()?;
    tx.execute(
        "UPDATE connection SET status = ?1, error = ?2, updated_at = ?3 WHERE id = 1",
        params![status.stored(), error, now],
    )?;
    Ok(())
}

/// Replaces the generated accounts and services.
pub(crate) fn put_generated(
    tx: &Transaction<'_>,
    accounts: &[Account],
    services: &[Service],
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM accounts", [])?;
    tx.execute("DELETE FROM services", [])?;
    let mut insert = tx.prepare("INSERT OR REPLACE INTO accounts (id, account) VALUES (?1, ?2)")?;
    for account in accounts {
        insert.execute(params![account.id, to_json("account", account)?])?;
    }
    let mut insert = tx.prepare("INSERT OR REPLACE INTO services (id, service) VALUES (?1, ?2)")?;
    for service in services {
        insert.execute(params![service.id, to_json("service", service)?])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_keeps_no_secret_credential() {
        let entered: Credentials = [("api_key", "s3cret"), ("api_url", "https://x.example")]
            .into_iter()
            .collect();
        let public = public_credentials(&entered, &["api_key".to_owned()]);
        assert_eq!(public.get("api_key"), None);
        assert_eq!(public.get("api_url"), Some("https://x.example"));
    }
}
