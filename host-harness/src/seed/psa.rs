//! A snapshot of the MSP's PSA: its accounts and the agreement lines billed to them.
//!
//! JSON: `{"accounts": [{"id", "name"}], "agreement_lines": [{"account_id", "product_id",
//! "product_name", "quantity"}]}`. CSV: one row per agreement line with the header
//! `account_id,account_name,product_id,product_name,quantity`; a row with an empty
//! `product_id` lists an account with no line.
//!
//! [`PsaSnapshot::save`] writes a snapshot back in the format it was read in (that is how an
//! approval is applied locally), whole or not at all ([`crate::files`]): JSON pretty-printed; CSV
//! grouped by account in the accounts' order, each account's lines in their order, which is how a
//! PSA export lists them. A CSV text cell a spreadsheet would run as a formula is written with a
//! `'` before it, and read back without it ([`files::csv_text`]).
//!
//! [`PsaSnapshot::index`] looks lines and accounts up by id, so that a review or an approval of
//! 100,000 lines reads the snapshot once instead of once per line.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::files;

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
        PsaSnapshot::load_hashed(path).map(|(snapshot, _)| snapshot)
    }

    /// Reads a snapshot from a `.json` or `.csv` file, with the SHA-256 (hex) of the bytes read.
    pub fn load_hashed(path: &Path) -> Result<(PsaSnapshot, String), PsaError> {
        let error = |problem: String| PsaError {
            path: path.to_owned(),
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        let sha256 = sha256_hex(&bytes);
        let text = String::from_utf8(bytes).map_err(|e| error(e.to_string()))?;
        let snapshot = if is_csv(path) {
            PsaSnapshot::from_csv(&text).map_err(error)?
        } else {
            serde_json::from_str(&text).map_err(|e| error(e.to_string()))?
        };
        Ok((snapshot, sha256))
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
        let mut listed = HashSet::new();
        let text_of = |cell: String| match files::csv_text_read(&cell) {
            read if read.len() == cell.len() => cell,
            read => read.to_owned(),
        };
        for (index, row) in csv::Reader::from_reader(text.as_bytes())
            .deserialize::<Row>()
            .enumerate()
        {
            let row = row.map_err(|e| format!("row {}: {e}", index + 1))?;
            let account_id = text_of(row.account_id);
            if listed.insert(account_id.clone()) {
                snapshot.accounts.push(PsaAccount {
                    id: account_id.clone(),
                    name: text_of(row.account_name),
                });
            }
            if !row.product_id.is_empty() {
                snapshot.agreement_lines.push(AgreementLine {
                    account_id,
                    product_id: text_of(row.product_id),
                    product_name: text_of(row.product_name),
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

    /// Indexes the snapshot's accounts and lines by id.
    pub fn index(&self) -> PsaIndex<'_> {
        let mut index = PsaIndex {
            snapshot: self,
            accounts: HashMap::new(),
            lines: HashMap::new(),
            products: HashMap::new(),
            last_lines: HashMap::new(),
        };
        for account in &self.accounts {
            index.accounts.entry(account.id.as_str()).or_insert(account);
        }
        for (at, line) in self.agreement_lines.iter().enumerate() {
            index
                .lines
                .entry(line.account_id.as_str())
                .or_default()
                .entry(line.product_id.as_str())
                .or_default()
                .push(at);
            index
                .products
                .entry(line.product_id.as_str())
                .or_insert(line.product_name.as_str());
            index.last_lines.insert(line.account_id.as_str(), at);
        }
        index
    }

    /// Writes the snapshot to a `.json` or `.csv` file, in the format its extension names,
    /// whole or not at all.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        files::write(path, &self.encode(path)?)
    }

    /// Returns the snapshot's bytes in the format the extension of `path` names.
    pub fn encode(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        Ok(if is_csv(path) {
            self.to_csv()?.into_bytes()
        } else {
            (serde_json::to_string_pretty(self)? + "\n").into_bytes()
        })
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
        let mut by_account: HashMap<&str, Vec<&AgreementLine>> = HashMap::new();
        for line in &self.agreement_lines {
            by_account
                .entry(line.account_id.as_str())
                .or_default()
                .push(line);
        }
        let quantity = |line: &AgreementLine| line.quantity.to_string();
        let mut listed = HashSet::new();
        for account in &self.accounts {
            if !listed.insert(account.id.as_str()) {
                continue;
            }
            let Some(lines) = by_account.get(account.id.as_str()) else {
                out.write_record(text_cells([&account.id, &account.name, "", ""], ""))?;
                continue;
            };
            for line in lines {
                let cells: [&str; 4] = [
                    &line.account_id,
                    &account.name,
                    &line.product_id,
                    &line.product_name,
                ];
                out.write_record(text_cells(cells, &quantity(line)))?;
            }
        }
        for line in &self.agreement_lines {
            if !listed.contains(line.account_id.as_str()) {
                let cells: [&str; 4] = [&line.account_id, "", &line.product_id, &line.product_name];
                out.write_record(text_cells(cells, &quantity(line)))?;
            }
        }
        let bytes = out.into_inner().map_err(|e| e.into_error())?;
        String::from_utf8(bytes).map_err(std::io::Error::other)
    }
}

/// Returns a CSV row of four text cells, neutralized against formulas, and a quantity, ours.
fn text_cells(text: [&str; 4], quantity: &str) -> [String; 5] {
    let [a, b, c, d] = text.map(|cell| files::csv_text(cell).into_owned());
    [a, b, c, d, quantity.to_owned()]
}

/// The accounts and lines of a [`PsaSnapshot`] by id, built once by [`PsaSnapshot::index`].
pub struct PsaIndex<'a> {
    /// The snapshot indexed.
    snapshot: &'a PsaSnapshot,
    /// Each account by id (the first, of an id listed twice).
    accounts: HashMap<&'a str, &'a PsaAccount>,
    /// The positions of each account's agreement lines by product, in the snapshot's order.
    lines: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    /// Each product's name, as its first agreement line names it.
    products: HashMap<&'a str, &'a str>,
    /// The position of each account's last agreement line.
    last_lines: HashMap<&'a str, usize>,
}

impl PsaIndex<'_> {
    /// Returns the PSA account with `id`.
    pub fn account(&self, id: &str) -> Option<&PsaAccount> {
        self.accounts.get(id).copied()
    }

    /// Returns the positions of the agreement lines billing `product` to `account`.
    pub fn lines_of(&self, account: &str, product: &str) -> &[usize] {
        self.lines
            .get(account)
            .and_then(|products| products.get(product))
            .map_or(&[], Vec::as_slice)
    }

    /// Returns what the snapshot bills `product` to `account`: `None` without a line,
    /// `Some(None)` when its agreement lines add up to more than 2^64−1.
    pub fn billed(&self, account: &str, product: &str) -> Option<Option<u64>> {
        let lines = self.lines_of(account, product);
        let quantities = lines
            .iter()
            .map(|&at| self.snapshot.agreement_lines[at].quantity);
        (!lines.is_empty()).then(|| quantities.into_iter().try_fold(0u64, u64::checked_add))
    }

    /// Returns the position of the last agreement line billed to `account`.
    pub fn last_line_of(&self, account: &str) -> Option<usize> {
        self.last_lines.get(account).copied()
    }

    /// Returns the name the snapshot gives `product`, if any line bills it.
    pub fn product_name(&self, product: &str) -> Option<&str> {
        self.products.get(product).copied()
    }
}

/// Returns the SHA-256 of `bytes` as lowercase hex: what binds a review to its PSA snapshot.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::runtime::manifest::sha256_hex(bytes)
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
    fn formula_names_are_written_defused_and_read_back_as_they_were() {
        let csv = "account_id,account_name,product_id,product_name,quantity\n\
                   1,=HYPERLINK(\"x\"),P1,+SUM(1+1),3\n\
                   -2,@me,,,\n";
        let snapshot = PsaSnapshot::from_csv(csv).unwrap();
        let written = snapshot.to_csv().unwrap();
        assert_eq!(
            written,
            "account_id,account_name,product_id,product_name,quantity\n\
             1,\"'=HYPERLINK(\"\"x\"\")\",P1,'+SUM(1+1),3\n\
             '-2,'@me,,,\n"
        );
        assert_eq!(PsaSnapshot::from_csv(&written).unwrap(), snapshot);
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
