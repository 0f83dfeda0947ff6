//! How the seed names a PSA line and a vendor account in what it keeps: by their ids, with a
//! vendor account's name beside its id. The texts a person reads or types are made from them
//! ([`PsaLine::key`], [`VendorAccount::label`]) and never read back as identity, except a key a
//! person typed ([`PsaLine::from_str`]) and the texts files of format 1 kept instead of ids (see
//! the `Deserialize` impls): `review.json`, `changes.json`, the history and a store written
//! before these types existed stay readable.

use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// One PSA agreement line, or the line that would be new: a PSA account and a PSA product.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
pub struct PsaLine {
    /// The PSA account.
    pub psa_account_id: String,
    /// The PSA product.
    pub psa_product_id: String,
}

impl PsaLine {
    /// Returns the line of `psa_account_id` and `psa_product_id`.
    pub fn new(psa_account_id: &str, psa_product_id: &str) -> Self {
        PsaLine {
            psa_account_id: psa_account_id.to_owned(),
            psa_product_id: psa_product_id.to_owned(),
        }
    }

    /// Returns the key a person types to name the line: `psa_account_id/psa_product_id`, each id
    /// with `%` written `%25` and `/` written `%2F`, so that no two lines share a key (`A` with
    /// `B/C` is `A/B%2FC`, `A/B` with `C` is `A%2FB/C`).
    pub fn key(&self) -> String {
        format!(
            "{}/{}",
            key_part(&self.psa_account_id),
            key_part(&self.psa_product_id)
        )
    }
}

/// Returns an id as a part of a line key: `%` as `%25`, `/` as `%2F`.
fn key_part(id: &str) -> std::borrow::Cow<'_, str> {
    match id.contains(['%', '/']) {
        true => id.replace('%', "%25").replace('/', "%2F").into(),
        false => id.into(),
    }
}

/// Why a text is not a line key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotAKey {
    /// The text has no `/`, or more than one.
    #[error(
        "{0:?} is not a line key: it is the PSA account id, one /, then the PSA product id \
         (a / inside an id written %2F)"
    )]
    Slashes(String),
    /// A `%` in it starts neither `%25` nor `%2F`.
    #[error("{0:?} is not a line key: a % inside an id is written %25, a / %2F")]
    Percent(String),
}

/// Reads a key as [`PsaLine::key`] writes it (`%2f` in either case).
impl FromStr for PsaLine {
    type Err = NotAKey;

    fn from_str(key: &str) -> Result<Self, NotAKey> {
        let mut parts = key.split('/');
        let (Some(account), Some(product), None) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NotAKey::Slashes(key.to_owned()));
        };
        let unescape = |part: &str| -> Result<String, NotAKey> {
            let mut id = String::with_capacity(part.len());
            let mut rest = part;
            while let Some(at) = rest.find('%') {
                id.push_str(&rest[..at]);
                let escaped = rest.get(at..at + 3).unwrap_or("");
                id.push(match escaped {
                    "%25" => '%',
                    _ if escaped.eq_ignore_ascii_case("%2F") => '/',
                    _ => return Err(NotAKey::Percent(key.to_owned())),
                });
                rest = &rest[at + 3..];
            }
            id.push_str(rest);
            Ok(id)
        };
        Ok(PsaLine {
            psa_account_id: unescape(account)?,
            psa_product_id: unescape(product)?,
        })
    }
}

/// Reads a line as written (an object of its two ids), or as format 1 wrote it: its key.
impl<'de> Deserialize<'de> for PsaLine {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Ids {
                psa_account_id: String,
                psa_product_id: String,
            },
            Key(String),
        }
        match Form::deserialize(deserializer)? {
            Form::Ids {
                psa_account_id,
                psa_product_id,
            } => Ok(PsaLine {
                psa_account_id,
                psa_product_id,
            }),
            Form::Key(key) => key.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// A vendor account as the seed shows it: its id, and its name as the vendor lists it now or,
/// when the vendor no longer lists it, as the mapping file last saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct VendorAccount {
    /// The vendor account's id.
    #[serde(rename = "vendor_account_id")]
    pub id: String,
    /// Its name (the id when nobody named it).
    #[serde(rename = "vendor_name")]
    pub name: String,
    /// False when the vendor no longer lists it.
    #[serde(rename = "vendor_listed")]
    pub listed: bool,
}

impl VendorAccount {
    /// Returns the account as a person reads it: `Name (id)`, the name followed by "(no longer
    /// listed by the vendor)" when it is.
    pub fn label(&self) -> String {
        format!("{} ({})", self.shown_name(), self.id)
    }

    /// Returns the name, followed by "(no longer listed by the vendor)" when it is.
    pub fn shown_name(&self) -> String {
        match self.listed {
            true => self.name.clone(),
            false => format!("{} (no longer listed by the vendor)", self.name),
        }
    }
}

/// Reads an account as written, or as format 1 wrote it: with no `vendor_listed` (the name then
/// says it), or, in a line's or change's `vendor_accounts`, as its label `Name (id)`.
impl<'de> Deserialize<'de> for VendorAccount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Ids {
                vendor_account_id: String,
                vendor_name: String,
                #[serde(default = "listed")]
                vendor_listed: bool,
            },
            Label(String),
        }
        fn listed() -> bool {
            true
        }
        match Form::deserialize(deserializer)? {
            Form::Ids {
                vendor_account_id,
                vendor_name,
                vendor_listed,
            } => Ok(VendorAccount {
                id: vendor_account_id,
                name: vendor_name,
                listed: vendor_listed,
            }),
            Form::Label(label) => label
                .strip_suffix(')')
                .and_then(|rest| rest.rsplit_once(" ("))
                .map(|(name, id)| VendorAccount {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    listed: true,
                })
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "{label:?} is not a vendor account: neither an object of \
                         vendor_account_id and vendor_name nor `Name (id)`"
                    ))
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_lines_share_a_key_and_every_key_reads_back_as_its_line() {
        let lines = [
            PsaLine::new("A", "B/C"),
            PsaLine::new("A/B", "C"),
            PsaLine::new("50%", "P"),
            PsaLine::new("A%2FB", "C"),
            PsaLine::new("", ""),
            PsaLine::new("29683412", "SA-USERS"),
        ];
        let keys: Vec<String> = lines.iter().map(PsaLine::key).collect();
        assert_eq!(
            keys,
            [
                "A/B%2FC",
                "A%2FB/C",
                "50%25/P",
                "A%252FB/C",
                "/",
                "29683412/SA-USERS"
            ]
        );
        for line in &lines {
            assert_eq!(line.key().parse::<PsaLine>().as_ref(), Ok(line));
        }
        assert_eq!("A%2fB/C".parse(), Ok(PsaLine::new("A/B", "C")));
    }

    #[test]
    fn a_text_that_no_line_keys_is_refused() {
        for (text, error) in [
            ("AB", NotAKey::Slashes("AB".into())),
            ("A/B/C", NotAKey::Slashes("A/B/C".into())),
            ("50%/P", NotAKey::Percent("50%/P".into())),
            ("A/P%2", NotAKey::Percent("A/P%2".into())),
            ("A/%41", NotAKey::Percent("A/%41".into())),
        ] {
            assert_eq!(text.parse::<PsaLine>(), Err(error), "{text}");
        }
    }

    #[test]
    fn a_line_is_written_as_its_ids_and_read_from_its_ids_or_its_format_1_key() {
        let line = PsaLine::new("A/B", "C");
        let written = serde_json::to_value(&line).unwrap();
        assert_eq!(
            written,
            serde_json::json!({"psa_account_id": "A/B", "psa_product_id": "C"})
        );
        assert_eq!(serde_json::from_value::<PsaLine>(written).unwrap(), line);
        assert_eq!(
            serde_json::from_str::<PsaLine>("\"A%2FB/C\"").unwrap(),
            line
        );
        assert!(serde_json::from_str::<PsaLine>("\"A/B/C\"").is_err());
    }

    #[test]
    fn a_vendor_account_is_read_from_its_ids_or_its_format_1_label() {
        let account = VendorAccount {
            id: "v1".into(),
            name: "Acme (EU)".into(),
            listed: false,
        };
        let written = serde_json::to_value(&account).unwrap();
        assert_eq!(
            written,
            serde_json::json!({"vendor_account_id": "v1", "vendor_name": "Acme (EU)", "vendor_listed": false})
        );
        assert_eq!(
            serde_json::from_value::<VendorAccount>(written).unwrap(),
            account
        );
        let old: VendorAccount = serde_json::from_str("\"Acme (EU) (v1)\"").unwrap();
        assert_eq!(
            (old.id.as_str(), old.name.as_str(), old.listed),
            ("v1", "Acme (EU)", true)
        );
        let unlisted: VendorAccount =
            serde_json::from_str(r#"{"vendor_account_id": "v1", "vendor_name": "Acme"}"#).unwrap();
        assert!(unlisted.listed);
        assert!(serde_json::from_str::<VendorAccount>("\"Acme\"").is_err());
    }

    #[test]
    fn a_person_reads_an_account_the_vendor_dropped_as_dropped() {
        let mut account = VendorAccount {
            id: "v1".into(),
            name: "Acme".into(),
            listed: true,
        };
        assert_eq!(account.label(), "Acme (v1)");
        account.listed = false;
        assert_eq!(
            account.label(),
            "Acme (no longer listed by the vendor) (v1)"
        );
    }
}
