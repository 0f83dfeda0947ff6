//! A snapshot of the MSP's PSA: its accounts and the agreement lines billed to them.
//!
//! JSON: `{"accounts": [{"id", "name"}], "agreement_lines": [{"account_id", "product_id",
//! "product_name", "quantity"}]}`. CSV: one row per agreement line with the header
//! `account_id,account_name,product_id,product_name,quantity`; a row with an empty
//! `product_id` lists an account with no line.
//!
//! [`PsaSnapshot::save`] writes a snapshot back in the format it was read in (that is how an
//! approval is applied locally): JSON pretty-printed; CSV grouped by account in the accounts'
//! order, each account's lines in their order, which is how a PSA export lists them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The PSA's accounts and agreement lines.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PsaSnapshot {
    /// Where the snapshot came from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Every PSA account (company, customer) the MSP bills.
    pub accounts: Vec<PsaAccount>,
    /// What each account is billed for.
    #[serde(default)]
    pub agreement_lines: Vec<AgreementLine>,
}

/// A PSA account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PsaAccount {
    /// The PSA's id.
    pub id: String,
    /// The name as the PSA shows it.
    pub name: String,
}

/// One product billed to one PSA account (an addition, a contract service, a recurring line).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgreementLine {
    /// The PSA account billed.
    pub account_id: String,
    /// The PSA's product id.
    pub product_id: String,
    /// The product's name.
    pub product_name: String,
    /// The quantity billed now.
    pub quantity: u64,
}

/// Why a PSA snapshot cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the PSA snapshot {path}: {problem}")]
pub struct PsaError {
    path: PathBuf,
    problem: String,
}

impl PsaSnapshot {
    /// Reads a snapshot from a `.json` or `.csv` file.
    pub fn load(path: &Path) -> Result<PsaSnapshot, PsaError> {
        let error = |problem: String| PsaError {
            path: path.to_owned(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        if is_csv(path) {
            PsaSnapshot::from_csv(&text).map_err(error)
        } else {
            serde_json::from_str(&text).map_err(|e| error(e.to_string()))
        }
    }

    fn from_csv(text: &str) -> Result<PsaSnapshot, String> {
        #[derive(Deserialize)]
        struct Row {
            account_id: String,
            account_name: String,
            #[serde(default)]
            product_id: String,
            #[serde(default)]
            product_name: String,
            #[serde(default)]
            quantity: Option<u64>,
        }
        let mut snapshot = PsaSnapshot::default();
        for (index, row) in csv::Reader::from_reader(text.as_bytes())
            .deserialize::<Row>()
            .enumerate()
        {
            let row = row.map_err(|e| format!("row {}: {e}", index + 1))?;
            if !snapshot.accounts.iter().any(|a| a.id == row.account_id) {
                snapshot.accounts.push(PsaAccount {
                    id: row.account_id.clone(),
                    name: row.account_name,
                });
            }
            if !row.product_id.is_empty() {
                snapshot.agreement_lines.push(AgreementLine {
                    account_id: row.account_id,
                    product_id: row.product_id,
                    product_name: row.product_name,
                    quantity: row.quantity.unwrap_or(0),
                });
            }
        }
        Ok(snapshot)
    }

    /// Returns the PSA account with `id`.
    pub fn account(&self, id: &str) -> Option<&PsaAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// Writes the snapshot to a `.json` or `.csv` file, in the format its extension names.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = if is_csv(path) {
            self.to_csv()?
        } else {
            serde_json::to_string_pretty(self)? + "\n"
        };
        std::fs::write(path, text)
    }

    /// Returns the snapshot as CSV: each account's lines, or one row without a product; lines
    /// of an account the snapshot does not list come last, with no account name.
    fn to_csv(&self) -> std::io::Result<String> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record([
            "account_id",
            "account_name",
            "product_id",
            "product_name",
            "quantity",
        ])?;
        let row = |line: &AgreementLine, name: &str| {
            [
                line.account_id.clone(),
                name.to_owned(),
                line.product_id.clone(),
                line.product_name.clone(),
                line.quantity.to_string(),
            ]
        };
        for account in &self.accounts {
            let mut lines = self
                .agreement_lines
                .iter()
                .filter(|l| l.account_id == account.id)
                .peekable();
            if lines.peek().is_none() {
                out.write_record([account.id.as_str(), &account.name, "", "", ""])?;
            }
            for line in lines {
                out.write_record(row(line, &account.name))?;
            }
        }
        for line in &self.agreement_lines {
            if self.account(&line.account_id).is_none() {
                out.write_record(row(line, ""))?;
            }
        }
        let bytes = out.into_inner().map_err(|e| e.into_error())?;
        String::from_utf8(bytes).map_err(std::io::Error::other)
    }
}

/// Tells whether `path` names a CSV file.
fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_lines_and_accounts_without_lines_are_kept() {
        let csv = "account_id,account_name,product_id,product_name,quantity\n\
                   1,\"Acme & Sons\",P1,Monitoring,3\n\
                   1,\"Acme & Sons\",P2,Backup,1\n\
                   2,Initech,,,\n";
        let snapshot = PsaSnapshot::from_csv(csv).unwrap();
        assert_eq!(snapshot.accounts.len(), 2);
        assert_eq!(snapshot.accounts[0].name, "Acme & Sons");
        assert_eq!(snapshot.agreement_lines.len(), 2);
        assert_eq!(snapshot.agreement_lines[0].quantity, 3);
    }

    #[test]
    fn csv_written_back_reads_as_the_same_snapshot() {
        let csv = "account_id,account_name,product_id,product_name,quantity\n\
                   1,\"Acme & Sons, Inc.\",P1,Monitoring,3\n\
                   1,\"Acme & Sons, Inc.\",P1,Monitoring,2\n\
                   2,Initech,,,\n\
                   3,Hooli,P2,Backup,0\n";
        let snapshot = PsaSnapshot::from_csv(csv).unwrap();
        let written = snapshot.to_csv().unwrap();
        assert_eq!(written, csv);
        assert_eq!(PsaSnapshot::from_csv(&written).unwrap(), snapshot);
    }
}
