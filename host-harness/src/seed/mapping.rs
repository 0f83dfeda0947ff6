//! Mapping vendor accounts and services to PSA accounts and products, as the host does it.
//!
//! Accounts are matched, strongest first, by a `psa_refs` id naming a PSA account, then by an
//! exact, character-for-character name (the host's only automatic rule). Names that agree only
//! once case, spacing, punctuation, `&`/`and` and legal suffixes (Inc, LLC, Ltd…) are set aside
//! are offered as suggestions, never applied. Two vendor accounts claiming one PSA account, or
//! one name matching two PSA accounts, are flagged and left for a person. Services are matched
//! by exact product name. Decisions already in a mapping file (mapped, excluded) are kept, by
//! vendor id, so a customer renamed at the vendor keeps its mapping.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use plugin_contract::{Account, Service};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::seed::psa::PsaSnapshot;

/// The mapping file a person reviews and edits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Mapping {
    /// One entry per vendor account, sorted by vendor id.
    pub accounts: Vec<AccountMapping>,
    /// One entry per vendor service, sorted by service id.
    pub services: Vec<ServiceMapping>,
}

/// Where a vendor account goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccountMapping {
    /// The vendor's account id (the key; names may change).
    pub vendor_account_id: String,
    /// The vendor's name when mapped, for the person reading the file.
    pub vendor_name: String,
    /// The decision.
    pub state: State,
    /// The PSA account, when mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psa_account_id: Option<String>,
    /// What the decision rests on.
    pub basis: Basis,
    /// Why, for a person.
    pub reason: String,
    /// Candidates a person may choose, never applied automatically.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
}

/// A PSA account a person might map a vendor account to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Suggestion {
    /// The PSA account.
    pub psa_account_id: String,
    /// Its name.
    pub psa_name: String,
    /// Why it is suggested.
    pub why: String,
}

/// Where a vendor service goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceMapping {
    /// The vendor's service id.
    pub service_id: String,
    /// The service's name.
    pub service_name: String,
    /// The decision.
    pub state: State,
    /// The PSA product, when mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psa_product_id: Option<String>,
    /// Why.
    pub reason: String,
}

/// What a mapping decision rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The vendor links the account to a PSA id.
    PsaRef,
    /// The names are identical.
    ExactName,
    /// A person's decision in the mapping file.
    MappingFile,
    /// Several candidates claim it (PSA links, names, or another vendor account): the entry
    /// waits for a person to choose.
    Conflict,
    /// Nothing: the entry waits for a person.
    Nothing,
}

/// A mapping decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Goes to the named PSA record.
    Mapped,
    /// Left out on purpose; never synced.
    Excluded,
    /// Waits for a person.
    Unmapped,
}

impl State {
    /// Returns the state's name as the mapping file spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Mapped => "mapped",
            State::Excluded => "excluded",
            State::Unmapped => "unmapped",
        }
    }
}

impl Mapping {
    /// Tells whether the mapping is finished: at least one account and one service mapped.
    pub fn is_finished(&self) -> bool {
        self.accounts.iter().any(|a| a.state == State::Mapped)
            && self.services.iter().any(|s| s.state == State::Mapped)
    }

    /// Returns the PSA account a vendor account is mapped to.
    pub fn psa_account_of(&self, vendor_account_id: &str) -> Option<&str> {
        self.accounts
            .iter()
            .find(|a| a.vendor_account_id == vendor_account_id && a.state == State::Mapped)
            .and_then(|a| a.psa_account_id.as_deref())
    }

    /// Returns the PSA account of every mapped vendor account, by vendor id, indexed once (of
    /// an id listed twice, the first mapped entry counts, as in [`Mapping::psa_account_of`]).
    pub fn psa_accounts(&self) -> HashMap<&str, &str> {
        let mut mapped = HashMap::new();
        for account in self.accounts.iter().filter(|a| a.state == State::Mapped) {
            if let Some(psa_account) = account.psa_account_id.as_deref() {
                mapped
                    .entry(account.vendor_account_id.as_str())
                    .or_insert(psa_account);
            }
        }
        mapped
    }
}

/// A person's change to the mapping, from a mapping screen or a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    /// Maps a vendor account to a PSA account (several vendor accounts may feed one).
    MapAccount {
        vendor_account_id: String,
        psa_account_id: String,
    },
    /// Puts a vendor account back to waiting for a person.
    UnmapAccount { vendor_account_id: String },
    /// Leaves a vendor account out of billing: never synced.
    ExcludeAccount { vendor_account_id: String },
    /// Maps a vendor service to a PSA product.
    MapService {
        service_id: String,
        psa_product_id: String,
    },
    /// Puts a vendor service back to waiting for a person.
    UnmapService { service_id: String },
}

/// Why an edit was refused; the mapping is left as it was.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The mapping has no such vendor account.
    #[error("the mapping has no vendor account {0:?}")]
    NoVendorAccount(String),
    /// The mapping has no such vendor service.
    #[error("the mapping has no vendor service {0:?}")]
    NoService(String),
    /// The PSA snapshot has no such account.
    #[error("the PSA snapshot has no account {0:?}")]
    NoPsaAccount(String),
    /// No agreement line of the PSA snapshot bills such a product.
    #[error("the PSA snapshot bills no product {0:?}")]
    NoPsaProduct(String),
}

impl Mapping {
    /// Applies a person's `edit`, checked against `psa`; the entry then rests on a person's
    /// decision ([`Basis::MappingFile`]) and is kept by every later [`auto_map`].
    pub fn apply(&mut self, edit: &Edit, psa: &PsaSnapshot) -> Result<(), EditError> {
        match edit {
            Edit::MapAccount {
                vendor_account_id,
                psa_account_id,
            } => {
                let name = psa
                    .account(psa_account_id)
                    .map(|a| a.name.clone())
                    .ok_or_else(|| EditError::NoPsaAccount(psa_account_id.clone()))?;
                let entry = self.account_mut(vendor_account_id)?;
                entry.state = State::Mapped;
                entry.psa_account_id = Some(psa_account_id.clone());
                entry.basis = Basis::MappingFile;
                entry.reason = format!("mapped by a person to {name}");
            }
            Edit::UnmapAccount { vendor_account_id } => {
                let entry = self.account_mut(vendor_account_id)?;
                entry.state = State::Unmapped;
                entry.psa_account_id = None;
                entry.basis = Basis::Nothing;
                entry.reason = "unmapped by a person".into();
            }
            Edit::ExcludeAccount { vendor_account_id } => {
                let entry = self.account_mut(vendor_account_id)?;
                entry.state = State::Excluded;
                entry.psa_account_id = None;
                entry.basis = Basis::MappingFile;
                entry.reason = "excluded from billing by a person".into();
            }
            Edit::MapService {
                service_id,
                psa_product_id,
            } => {
                if !psa
                    .agreement_lines
                    .iter()
                    .any(|l| &l.product_id == psa_product_id)
                {
                    return Err(EditError::NoPsaProduct(psa_product_id.clone()));
                }
                let entry = self.service_mut(service_id)?;
                entry.state = State::Mapped;
                entry.psa_product_id = Some(psa_product_id.clone());
                entry.reason = "mapped by a person".into();
            }
            Edit::UnmapService { service_id } => {
                let entry = self.service_mut(service_id)?;
                entry.state = State::Unmapped;
                entry.psa_product_id = None;
                entry.reason = "unmapped by a person".into();
            }
        }
        Ok(())
    }

    fn account_mut(&mut self, id: &str) -> Result<&mut AccountMapping, EditError> {
        self.accounts
            .iter_mut()
            .find(|a| a.vendor_account_id == id)
            .ok_or_else(|| EditError::NoVendorAccount(id.to_owned()))
    }

    fn service_mut(&mut self, id: &str) -> Result<&mut ServiceMapping, EditError> {
        self.services
            .iter_mut()
            .find(|s| s.service_id == id)
            .ok_or_else(|| EditError::NoService(id.to_owned()))
    }
}

/// Which vendor accounts a mapping screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    /// Every account.
    All,
    /// Mapped ones.
    Mapped,
    /// Ones waiting for a person.
    Unmapped,
    /// Unmapped ones with a suggestion.
    Suggestion,
    /// Unmapped ones that several candidates claim.
    Conflict,
    /// Ones left out of billing.
    Excluded,
}

impl Show {
    /// Every filter, in the order a screen offers them.
    pub const ALL: [Show; 6] = [
        Show::All,
        Show::Mapped,
        Show::Unmapped,
        Show::Suggestion,
        Show::Conflict,
        Show::Excluded,
    ];

    /// Returns the filter's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Show::All => "all",
            Show::Mapped => "mapped",
            Show::Unmapped => "unmapped",
            Show::Suggestion => "suggestion",
            Show::Conflict => "conflict",
            Show::Excluded => "excluded",
        }
    }

    /// Returns the filter of this name.
    pub fn parse(name: &str) -> Option<Show> {
        Show::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Tells whether `entry` passes the filter.
    pub fn admits(self, entry: &AccountMapping) -> bool {
        match self {
            Show::All => true,
            Show::Mapped => entry.state == State::Mapped,
            Show::Unmapped => entry.state == State::Unmapped,
            Show::Suggestion => entry.state == State::Unmapped && !entry.suggestions.is_empty(),
            Show::Conflict => entry.state == State::Unmapped && entry.basis == Basis::Conflict,
            Show::Excluded => entry.state == State::Excluded,
        }
    }
}

/// Maps `accounts` and `services` onto `psa`, keeping the decisions of `previous`.
pub fn auto_map(
    accounts: &[Account],
    services: &[Service],
    psa: &PsaSnapshot,
    previous: &Mapping,
) -> Mapping {
    let mut mapped: Vec<AccountMapping> = accounts
        .iter()
        .map(|account| map_account(account, psa, previous))
        .collect();
    flag_shared_psa_accounts(&mut mapped);
    mapped.sort_by(|a, b| a.vendor_account_id.cmp(&b.vendor_account_id));
    let mut services: Vec<ServiceMapping> = services
        .iter()
        .map(|service| map_service(service, psa, previous))
        .collect();
    services.sort_by(|a, b| a.service_id.cmp(&b.service_id));
    Mapping {
        accounts: mapped,
        services,
    }
}

fn map_account(account: &Account, psa: &PsaSnapshot, previous: &Mapping) -> AccountMapping {
    let entry = |state, psa_account_id: Option<&str>, basis, reason: String| AccountMapping {
        vendor_account_id: account.id.clone(),
        vendor_name: account.name.clone(),
        state,
        psa_account_id: psa_account_id.map(str::to_owned),
        basis,
        reason,
        suggestions: Vec::new(),
    };
    if let Some(kept) = previous
        .accounts
        .iter()
        .find(|a| a.vendor_account_id == account.id && a.state != State::Unmapped)
    {
        return entry(
            kept.state,
            kept.psa_account_id.as_deref(),
            Basis::MappingFile,
            "kept from the mapping file".into(),
        );
    }
    let by_ref: BTreeSet<&str> = account
        .psa_refs
        .iter()
        .filter_map(|r| psa.account(&r.id).map(|a| a.id.as_str()))
        .collect();
    if by_ref.len() == 1 {
        let id = by_ref.iter().next().copied();
        return entry(
            State::Mapped,
            id,
            Basis::PsaRef,
            "the vendor links this account to that PSA id".into(),
        );
    }
    if by_ref.len() > 1 {
        let ids: Vec<&str> = by_ref.into_iter().collect();
        return entry(
            State::Unmapped,
            None,
            Basis::Conflict,
            format!(
                "conflict: the vendor links it to several PSA accounts ({})",
                ids.join(", ")
            ),
        );
    }
    let exact: Vec<&str> = psa
        .accounts
        .iter()
        .filter(|p| p.name == account.name)
        .map(|p| p.id.as_str())
        .collect();
    match exact.as_slice() {
        [id] => entry(
            State::Mapped,
            Some(id),
            Basis::ExactName,
            "the PSA has an account of exactly this name".into(),
        ),
        [] => {
            let mut unmapped = entry(
                State::Unmapped,
                None,
                Basis::Nothing,
                "no PSA account has this name or id".into(),
            );
            unmapped.suggestions = suggestions(account, psa);
            unmapped
        }
        ids => entry(
            State::Unmapped,
            None,
            Basis::Conflict,
            format!(
                "conflict: the name matches several PSA accounts ({})",
                ids.join(", ")
            ),
        ),
    }
}

/// Unmaps automatic matches that claim a PSA account another vendor account also claims.
fn flag_shared_psa_accounts(mapped: &mut [AccountMapping]) {
    let mut claims: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in mapped.iter().filter(|a| a.state == State::Mapped) {
        if let Some(id) = &entry.psa_account_id {
            claims
                .entry(id.clone())
                .or_default()
                .push(entry.vendor_account_id.clone());
        }
    }
    for entry in mapped.iter_mut().filter(|a| a.basis != Basis::MappingFile) {
        let Some(id) = entry.psa_account_id.clone() else {
            continue;
        };
        let Some(claimants) = claims.get(&id).filter(|c| c.len() > 1) else {
            continue;
        };
        if claimants.contains(&entry.vendor_account_id) {
            entry.state = State::Unmapped;
            entry.psa_account_id = None;
            entry.basis = Basis::Conflict;
            entry.reason = format!(
                "conflict: vendor accounts {} all match PSA account {id}",
                claimants.join(", ")
            );
        }
    }
}

fn suggestions(account: &Account, psa: &PsaSnapshot) -> Vec<Suggestion> {
    let wanted = normalize_name(&account.name);
    psa.accounts
        .iter()
        .filter(|p| !wanted.is_empty() && normalize_name(&p.name) == wanted)
        .map(|p| Suggestion {
            psa_account_id: p.id.clone(),
            psa_name: p.name.clone(),
            why: "same name once case, spacing, punctuation and legal suffixes are set aside"
                .into(),
        })
        .collect()
}

fn map_service(service: &Service, psa: &PsaSnapshot, previous: &Mapping) -> ServiceMapping {
    let entry = |state, psa_product_id: Option<String>, reason: &str| ServiceMapping {
        service_id: service.id.clone(),
        service_name: service.name.clone(),
        state,
        psa_product_id,
        reason: reason.to_owned(),
    };
    if let Some(kept) = previous
        .services
        .iter()
        .find(|s| s.service_id == service.id && s.state != State::Unmapped)
    {
        return entry(
            kept.state,
            kept.psa_product_id.clone(),
            "kept from the mapping file",
        );
    }
    let products: BTreeSet<&str> = psa
        .agreement_lines
        .iter()
        .filter(|l| l.product_name == service.name)
        .map(|l| l.product_id.as_str())
        .collect();
    match products.into_iter().collect::<Vec<_>>().as_slice() {
        [id] => entry(
            State::Mapped,
            Some(id.to_string()),
            "a PSA product has exactly this name",
        ),
        [] => entry(State::Unmapped, None, "no PSA product has this name"),
        _ => entry(
            State::Unmapped,
            None,
            "conflict: several PSA products have this name",
        ),
    }
}

/// Folds a company name for comparison: lowercase, `&` as `and`, punctuation and legal suffixes
/// dropped, spacing collapsed.
pub fn normalize_name(name: &str) -> String {
    const SUFFIXES: [&str; 14] = [
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ab",
        "plc",
        "pty",
        "sa",
    ];
    let folded: String = name
        .to_lowercase()
        .replace('&', " and ")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| SUFFIXES.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::psa::{AgreementLine, PsaAccount};
    use plugin_contract::PsaRef;

    fn account(id: &str, name: &str, refs: &[&str]) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            status: "active".into(),
            domains: Vec::new(),
            psa_refs: refs
                .iter()
                .map(|r| PsaRef {
                    system: "psa".into(),
                    id: r.to_string(),
                })
                .collect(),
        }
    }

    fn psa(accounts: &[(&str, &str)]) -> PsaSnapshot {
        PsaSnapshot {
            source: String::new(),
            accounts: accounts
                .iter()
                .map(|(id, name)| PsaAccount {
                    id: id.to_string(),
                    name: name.to_string(),
                })
                .collect(),
            agreement_lines: Vec::new(),
        }
    }

    fn decide(accounts: &[Account], psa: &PsaSnapshot) -> Vec<(String, State, Option<String>)> {
        auto_map(accounts, &[], psa, &Mapping::default())
            .accounts
            .into_iter()
            .map(|a| (a.vendor_account_id, a.state, a.psa_account_id))
            .collect()
    }

    #[test]
    fn a_persons_edits_are_checked_against_the_psa_and_kept_by_the_next_auto_map() {
        let accounts = [account("v1", "Acme", &[]), account("v2", "Globex", &[])];
        let psa = psa(&[("p1", "Acme Corp"), ("p2", "Initech")]);
        let mut mapping = auto_map(&accounts, &[], &psa, &Mapping::default());
        let map = |vendor: &str, psa: &str| Edit::MapAccount {
            vendor_account_id: vendor.into(),
            psa_account_id: psa.into(),
        };
        assert_eq!(
            mapping.apply(&map("v1", "p9"), &psa),
            Err(EditError::NoPsaAccount("p9".into()))
        );
        assert_eq!(
            mapping.apply(&map("v9", "p1"), &psa),
            Err(EditError::NoVendorAccount("v9".into()))
        );
        mapping.apply(&map("v1", "p1"), &psa).unwrap();
        let exclude = Edit::ExcludeAccount {
            vendor_account_id: "v2".into(),
        };
        mapping.apply(&exclude, &psa).unwrap();
        assert!(Show::Excluded.admits(&mapping.accounts[1]));
        let again = auto_map(&accounts, &[], &psa, &mapping);
        assert_eq!(again.psa_account_of("v1"), Some("p1"));
        assert_eq!(again.accounts[1].state, State::Excluded);
        let unmap = Edit::UnmapAccount {
            vendor_account_id: "v1".into(),
        };
        mapping.apply(&unmap, &psa).unwrap();
        assert_eq!(mapping.psa_account_of("v1"), None);
        let product = Edit::MapService {
            service_id: "s1".into(),
            psa_product_id: "NOPE".into(),
        };
        assert_eq!(
            mapping.apply(&product, &psa),
            Err(EditError::NoPsaProduct("NOPE".into()))
        );
    }

    #[test]
    fn exact_names_map_and_near_names_are_only_suggested() {
        let psa = psa(&[("1", "Acme & Sons"), ("2", "Hooli Ltd")]);
        let mapping = auto_map(
            &[
                account("a", "Acme & Sons", &[]),
                account("b", "Hooli Ltd.", &[]),
            ],
            &[],
            &psa,
            &Mapping::default(),
        );
        assert_eq!(mapping.accounts[0].psa_account_id.as_deref(), Some("1"));
        assert_eq!(mapping.accounts[1].state, State::Unmapped);
        assert_eq!(mapping.accounts[1].suggestions[0].psa_account_id, "2");
    }

    #[test]
    fn a_psa_ref_beats_a_name() {
        let psa = psa(&[("1", "Acme"), ("2", "Other")]);
        assert_eq!(
            decide(&[account("a", "Acme", &["2"])], &psa),
            [("a".into(), State::Mapped, Some("2".into()))]
        );
    }

    #[test]
    fn two_vendor_accounts_claiming_one_psa_account_are_flagged_not_guessed() {
        let psa = psa(&[("1", "Acme")]);
        let decisions = decide(
            &[account("a", "Acme", &[]), account("b", "Other", &["1"])],
            &psa,
        );
        assert!(decisions
            .iter()
            .all(|(_, state, id)| *state == State::Unmapped && id.is_none()));
    }

    #[test]
    fn one_name_matching_two_psa_accounts_is_flagged() {
        let psa = psa(&[("1", "Acme"), ("2", "Acme")]);
        let mapping = auto_map(&[account("a", "Acme", &[])], &[], &psa, &Mapping::default());
        assert_eq!(mapping.accounts[0].state, State::Unmapped);
        assert!(mapping.accounts[0].reason.starts_with("conflict"));
    }

    #[test]
    fn decisions_in_the_mapping_file_are_kept_by_id_across_renames() {
        let psa = psa(&[("1", "Acme")]);
        let first = auto_map(&[account("a", "Acme", &[])], &[], &psa, &Mapping::default());
        let renamed = auto_map(&[account("a", "Acme Renamed", &[])], &[], &psa, &first);
        assert_eq!(renamed.accounts[0].psa_account_id.as_deref(), Some("1"));
        assert_eq!(renamed.accounts[0].vendor_name, "Acme Renamed");
    }

    #[test]
    fn finished_needs_an_account_and_a_service() {
        let psa = PsaSnapshot {
            source: String::new(),
            accounts: vec![PsaAccount {
                id: "1".into(),
                name: "Acme".into(),
            }],
            agreement_lines: vec![AgreementLine {
                account_id: "1".into(),
                product_id: "P".into(),
                product_name: "Seats".into(),
                quantity: 1,
            }],
        };
        let service = |name: &str| Service {
            id: "s".into(),
            name: name.into(),
            description: String::new(),
            category: "other".into(),
            subcategory: "other".into(),
            unit: "seat".into(),
        };
        assert!(auto_map(
            &[account("a", "Acme", &[])],
            &[service("Seats")],
            &psa,
            &Mapping::default()
        )
        .is_finished());
        assert!(!auto_map(
            &[account("a", "Acme", &[])],
            &[service("Other")],
            &psa,
            &Mapping::default()
        )
        .is_finished());
    }

    #[test]
    fn names_fold_case_spacing_punctuation_and_legal_suffixes() {
        assert_eq!(normalize_name("Hooli Ltd."), "hooli");
        assert_eq!(normalize_name("  ACME &  Sons, LLC "), "acme and sons");
        assert_eq!(
            normalize_name("Umbrella Health, LLC"),
            normalize_name("umbrella health")
        );
        assert_eq!(normalize_name("Ltd"), "ltd");
    }
}
