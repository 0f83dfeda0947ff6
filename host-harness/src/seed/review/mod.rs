//! A sync and the review a person approves, per PSA agreement line, as the host shows it.
//!
//! Usage is fetched for the mapped services of every account that is not excluded: mapped ones
//! to review, the others (new customers included) to show usage nobody bills. Mapped vendor accounts and
//! services are grouped by (PSA account, PSA product), so several services mapped to one
//! product add up. Each group is **new revenue** (vendor usage, no PSA line), **reconcile**
//! (quantities differ) or **no change**. A group with any pair the vendor could not read is
//! listed as failed, never as a count.
//!
//! No input can panic the review or make it wrap: every sum is checked and every delta exact.
//! A line whose vendor counts (or PSA agreement lines) add up to more than 2^64−1 shows no
//! quantity at all: like a line fed by a failed pair, it is left out of `lines` and its vendor
//! accounts are listed under `failed`, with a reason that names the PSA line (see [`Review::build`]).
//!
//! Lines and vendor accounts are kept by their ids ([`PsaLine`], [`VendorAccount`]); a person
//! names a line by its key (`psa_account_id/psa_product_id`, [`PsaLine::key`]), and every entry
//! of `failed` lists the PSA lines it leaves without a count, so that
//! [`approve`](crate::seed::approve) can read the review back and refuse them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use plugin_contract::{
    Account, Credentials, CredentialsInput, FetchUsageInput, PluginError, Usage, VendorPlugin,
    Warning,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::seed::line::{PsaLine, VendorAccount};
use crate::seed::mapping::{Mapping, State};
use crate::seed::psa::{PsaIndex, PsaSnapshot};

/// What a person reviews after a sync; `sync` keeps it in `review.json` ([`crate::seed::review_file`])
/// for `approve` to read back.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Review {
    /// The instant counted.
    pub as_of: String,
    /// The PSA snapshot and mapping file the review was made from; `approve` refuses others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_from: Option<MadeFrom>,
    /// One line per (PSA account, PSA product) with a mapped vendor count, sorted.
    pub lines: Vec<ReviewLine>,
    /// Unmapped vendor accounts with usage of a mapped service.
    pub unmapped_with_usage: Vec<UnmappedUsage>,
    /// Mapped vendor accounts (or some of their services) the vendor could not count, or whose
    /// counts cannot be used; one entry per account and reason, sorted by account and services.
    pub failed: Vec<FailedCount>,
    /// The vendor's warnings.
    pub warnings: Vec<Warning>,
}

/// The files a review was made from, by the SHA-256 (hex) of the bytes `sync` read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MadeFrom {
    /// The PSA snapshot's.
    pub psa_sha256: String,
    /// The mapping file's.
    pub mapping_sha256: String,
}

/// One PSA agreement line (or the line that would be new) and what the vendor counts.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ReviewLine {
    /// New revenue, reconcile or no change.
    pub kind: LineKind,
    /// The PSA account.
    pub psa_account_id: String,
    /// Its name in the PSA.
    pub psa_account_name: String,
    /// The PSA product.
    pub psa_product_id: String,
    /// The vendor accounts counted into this line, with their current names, sorted by name,
    /// then id.
    pub vendor_accounts: Vec<VendorAccount>,
    /// What the PSA bills now; absent for new revenue.
    pub psa_quantity: Option<u64>,
    /// What the vendor counts.
    pub vendor_quantity: u64,
    /// Vendor minus PSA, exact for any two counts.
    ///
    /// A JSON number, as it always was; it needs more than 64 bits only when a count is itself
    /// beyond 2^63−1 (a reader that takes `vendor_quantity` takes it the same way).
    pub delta: i128,
}

/// The kind of a review line.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Vendor usage with no PSA line.
    NewRevenue,
    /// The PSA and the vendor differ.
    Reconcile,
    /// They agree.
    NoChange,
}

impl LineKind {
    /// Every kind, in the order a review lists them.
    pub const ALL: [LineKind; 3] = [
        LineKind::NewRevenue,
        LineKind::Reconcile,
        LineKind::NoChange,
    ];

    /// Returns the kind as a person reads it: `new revenue`, `reconcile`, `no change`.
    pub fn label(self) -> &'static str {
        match self {
            LineKind::NewRevenue => "new revenue",
            LineKind::Reconcile => "reconcile",
            LineKind::NoChange => "no change",
        }
    }
}

/// Usage of an unmapped vendor account.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct UnmappedUsage {
    /// The vendor account.
    #[serde(flatten)]
    pub vendor: VendorAccount,
    /// The service.
    pub service_id: String,
    /// The count.
    pub quantity: u64,
}

/// A mapped account whose count is missing, for one reason; the host keeps its last good value.
///
/// An account whose services failed for different reasons has one entry per reason.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct FailedCount {
    /// The vendor account (its name from the vendor, or from the mapping file when the vendor no
    /// longer lists it).
    #[serde(flatten)]
    pub vendor: VendorAccount,
    /// The services without a count.
    pub service_ids: Vec<String>,
    /// Why: the plugin's error for these services (per pair, from
    /// [`plugin_contract::FailedAccount::error_of`]), or the host's when their counts add up to more than
    /// 2^64−1 (see [`Review::build`]).
    pub error: PluginError,
    /// The PSA lines left without a count by it: never approvable.
    #[serde(default)]
    pub psa_lines: Vec<PsaLine>,
}

impl ReviewLine {
    /// Returns the PSA line it is.
    pub fn line(&self) -> PsaLine {
        PsaLine::new(&self.psa_account_id, &self.psa_product_id)
    }
}

/// Returns what a line's PSA quantity (absent: no PSA line) and vendor count make of it: its
/// kind and its delta, vendor minus PSA, exact for any two counts. The one comparison of the
/// PSA's billed sum with the vendor's: the review makes its lines with it and approval checks
/// them with it.
pub fn compare(psa_quantity: Option<u64>, vendor_quantity: u64) -> (LineKind, i128) {
    let kind = match psa_quantity {
        None => LineKind::NewRevenue,
        Some(billed) if billed == vendor_quantity => LineKind::NoChange,
        Some(_) => LineKind::Reconcile,
    };
    let delta = i128::from(vendor_quantity) - i128::from(psa_quantity.unwrap_or(0));
    (kind, delta)
}

/// The vendor's side of one (PSA account, PSA product) line.
struct Group {
    /// The sum of the counts; `None` once it passed 2^64−1.
    total: Option<u64>,
    /// The vendor accounts counted into the line, each with the services counted.
    accounts: BTreeMap<String, BTreeSet<String>>,
}

/// Why a sync could not run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The mapping has no mapped account or no mapped service.
    #[error("the mapping is not finished: map at least one account and one service first")]
    MappingNotFinished,
    /// A call failed as a whole.
    #[error("{call} failed ({}): {}", .error.class.as_str(), .error.message)]
    Call {
        call: &'static str,
        error: PluginError,
    },
}

/// Syncs usage as of `as_of` for `mapping` and builds the review against `psa`: a plugin call
/// ([`fetch_mapped_usage`]), then the host's bookkeeping ([`Review::build`]).
pub fn sync_and_review(
    plugin: &mut impl VendorPlugin,
    credentials: &Credentials,
    mapping: &Mapping,
    psa: &PsaSnapshot,
    as_of: &str,
) -> Result<Review, SyncError> {
    let synced = fetch_mapped_usage(plugin, credentials, mapping, as_of)?;
    Ok(Review::build(synced, mapping, psa))
}

/// What one sync fetched from the plugin.
pub struct Synced {
    /// The vendor's accounts now, for their current names.
    pub accounts: Vec<Account>,
    /// Usage of the mapped services.
    pub usage: Usage,
}

/// Fetches usage of the mapped services as of `as_of` for every account the mapping maps, and
/// every account the vendor lists now (new ones included, to show usage nobody bills), never
/// the excluded ones.
pub fn fetch_mapped_usage(
    plugin: &mut impl VendorPlugin,
    credentials: &Credentials,
    mapping: &Mapping,
    as_of: &str,
) -> Result<Synced, SyncError> {
    if !mapping.is_finished() {
        return Err(SyncError::MappingNotFinished);
    }
    let current = plugin
        .list_accounts(&CredentialsInput::new(credentials.clone()))
        .map_err(|error| SyncError::Call {
            call: "list_accounts",
            error,
        })?;
    let excluded: BTreeSet<&str> = mapping
        .accounts
        .iter()
        .filter(|a| a.state == State::Excluded)
        .map(|a| a.vendor_account_id.as_str())
        .collect();
    let wanted_accounts: BTreeSet<&str> = mapping
        .accounts
        .iter()
        .map(|a| a.vendor_account_id.as_str())
        .chain(current.accounts.iter().map(|a| a.id.as_str()))
        .filter(|id| !excluded.contains(id))
        .collect();
    let usage = plugin
        .fetch_usage(&FetchUsageInput {
            credentials: credentials.clone(),
            as_of: as_of.to_owned(),
            account_ids: Some(wanted_accounts.into_iter().map(str::to_owned).collect()),
            service_ids: Some(
                mapped_products(mapping)
                    .keys()
                    .map(|s| s.to_string())
                    .collect(),
            ),
        })
        .map_err(|error| SyncError::Call {
            call: "fetch_usage",
            error,
        })?;
    Ok(Synced {
        accounts: current.accounts,
        usage,
    })
}

/// Returns the PSA product of each mapped service.
fn mapped_products(mapping: &Mapping) -> BTreeMap<&str, &str> {
    mapping
        .services
        .iter()
        .filter(|s| s.state == State::Mapped)
        .filter_map(|s| Some((s.service_id.as_str(), s.psa_product_id.as_deref()?)))
        .collect()
}

/// Names vendor accounts: as the vendor lists them now, else as the mapping file last saw them.
struct VendorNames<'a> {
    /// The vendor's current name of each account it lists.
    current: BTreeMap<&'a str, &'a str>,
    /// The name the mapping file last saw, for accounts the vendor no longer lists.
    mapped: BTreeMap<&'a str, &'a str>,
}

impl<'a> VendorNames<'a> {
    /// Indexes the names once: a review names every vendor account it shows.
    fn new(current: &'a [Account], mapping: &'a Mapping) -> Self {
        // Of an id listed twice, the first name counts.
        let first_of = |pairs: &mut dyn Iterator<Item = (&'a str, &'a str)>| {
            let mut names = BTreeMap::new();
            for (id, name) in pairs {
                names.entry(id).or_insert(name);
            }
            names
        };
        VendorNames {
            current: first_of(&mut current.iter().map(|a| (a.id.as_str(), a.name.as_str()))),
            mapped: first_of(
                &mut mapping
                    .accounts
                    .iter()
                    .map(|a| (a.vendor_account_id.as_str(), a.vendor_name.as_str())),
            ),
        }
    }

    /// Returns vendor account `id` with its name, or the id when nobody named it.
    fn of(&self, id: &str) -> VendorAccount {
        let (name, listed) = match (self.current.get(id), self.mapped.get(id)) {
            (Some(name), _) => (*name, true),
            (None, Some(name)) => (*name, false),
            (None, None) => (id, false),
        };
        VendorAccount {
            id: id.to_owned(),
            name: name.to_owned(),
            listed,
        }
    }
}

impl Review {
    /// Builds the review of `synced` for `mapping` against `psa`.
    ///
    /// # Counts past 2^64−1
    ///
    /// Counts are `u64`, and a plugin may report any of them, 2^64−1 included. A single count is
    /// shown as the vendor gave it, with its exact delta. A sum that does not fit (services mapped
    /// to one PSA product, vendor accounts mapped to one PSA account, or the PSA's own agreement
    /// lines for one product) is never shown as a number, wrapped or capped: an MSP approving an
    /// invoice must not see a quantity nobody counted. The line is left out of `lines`, as a line
    /// fed by a failed pair is, and each vendor account counted into it gets an entry in `failed`
    /// with the services concerned and a reason naming the PSA line: class `vendor` ("the vendor's
    /// counts for … add up to more than 18446744073709551615 (2^64-1) …") when the vendor's counts
    /// overflow, class `config` when the PSA's agreement lines do. The host keeps the line's last
    /// good value, as for any failed count.
    pub fn build(synced: Synced, mapping: &Mapping, psa: &PsaSnapshot) -> Review {
        let Synced { accounts, usage } = synced;
        let products = mapped_products(mapping);
        let names = VendorNames::new(&accounts, mapping);
        let psa_accounts = mapping.psa_accounts();
        let failed_lines = lines_fed_by_failures(&usage, &psa_accounts, &products);
        let (groups, unmapped_with_usage) =
            group_records(&usage, &psa_accounts, &products, &failed_lines, &names);
        let psa = psa.index();
        let mut lines: Vec<ReviewLine> = Vec::new();
        let mut failed: Vec<FailedCount> = Vec::new();
        for ((psa_account_id, psa_product_id), group) in groups {
            match review_line(psa_account_id, psa_product_id, group, &psa, &names) {
                Ok(Some(line)) => lines.push(line),
                Ok(None) => {}
                Err(overflowed) => failed.extend(overflowed),
            }
        }
        lines.sort_by(|a, b| {
            (a.kind, &a.psa_account_name, &a.psa_product_id).cmp(&(
                b.kind,
                &b.psa_account_name,
                &b.psa_product_id,
            ))
        });
        failed.extend(failed_counts(&usage, &psa_accounts, &products, &names));
        failed.sort_by(|a, b| (&a.vendor.id, &a.service_ids).cmp(&(&b.vendor.id, &b.service_ids)));
        Review {
            as_of: usage.as_of,
            made_from: None,
            lines,
            unmapped_with_usage,
            failed,
            warnings: usage.warnings,
        }
    }
}

/// Returns the (PSA account, PSA product) lines fed by a pair the vendor could not count: they
/// show no count at all, since a partial sum would look like a real quantity.
fn lines_fed_by_failures<'m>(
    usage: &Usage,
    psa_accounts: &HashMap<&'m str, &'m str>,
    products: &BTreeMap<&str, &'m str>,
) -> BTreeSet<(&'m str, &'m str)> {
    let mut lines = BTreeSet::new();
    for failed in &usage.failed_accounts {
        let Some(&psa_account) = psa_accounts.get(failed.account_id.as_str()) else {
            continue;
        };
        for service in &failed.service_ids {
            if let Some(product) = products.get(service.as_str()) {
                lines.insert((psa_account, *product));
            }
        }
    }
    lines
}

/// Adds up the records of mapped accounts per (PSA account, PSA product), leaving out the
/// lines in `failed_lines`, and lists the usage of unmapped accounts.
fn group_records(
    usage: &Usage,
    psa_accounts: &HashMap<&str, &str>,
    products: &BTreeMap<&str, &str>,
    failed_lines: &BTreeSet<(&str, &str)>,
    names: &VendorNames,
) -> (BTreeMap<(String, String), Group>, Vec<UnmappedUsage>) {
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut unmapped_with_usage = Vec::new();
    for record in &usage.records {
        let Some(product) = products.get(record.service_id.as_str()) else {
            continue;
        };
        match psa_accounts.get(record.account_id.as_str()).copied() {
            Some(psa_account) if failed_lines.contains(&(psa_account, *product)) => {}
            Some(psa_account) => {
                let group = groups
                    .entry((psa_account.to_owned(), product.to_string()))
                    .or_insert_with(|| Group {
                        total: Some(0),
                        accounts: BTreeMap::new(),
                    });
                group.total = group
                    .total
                    .and_then(|total| total.checked_add(record.quantity));
                group
                    .accounts
                    .entry(record.account_id.clone())
                    .or_default()
                    .insert(record.service_id.clone());
            }
            None if record.quantity > 0 => unmapped_with_usage.push(UnmappedUsage {
                vendor: names.of(&record.account_id),
                service_id: record.service_id.clone(),
                quantity: record.quantity,
            }),
            None => {}
        }
    }
    (groups, unmapped_with_usage)
}

/// Compares one PSA line with the vendor's counts for it: the review line (none for a zero
/// nobody bills), or, when a sum passes 2^64−1, a failed count for each vendor account in it.
fn review_line(
    psa_account_id: String,
    psa_product_id: String,
    group: Group,
    psa: &PsaIndex,
    names: &VendorNames,
) -> Result<Option<ReviewLine>, Vec<FailedCount>> {
    let psa_account_name = psa
        .account(&psa_account_id)
        .map_or_else(String::new, |a| a.name.clone());
    let psa_quantity = psa.billed(&psa_account_id, &psa_product_id);
    let (vendor_quantity, psa_quantity) = match (group.total, psa_quantity) {
        (Some(vendor), None) => (vendor, None),
        (Some(vendor), Some(Some(billed))) => (vendor, Some(billed)),
        (total, _) => {
            let psa_line = if psa_account_name.is_empty() {
                format!("{psa_product_id} of {psa_account_id}")
            } else {
                format!("{psa_product_id} of {psa_account_name} ({psa_account_id})")
            };
            let error = if total.is_none() {
                PluginError::vendor(format!(
                    "the vendor's counts for the PSA line {psa_line} add up to more than \
                     {} (2^64-1), which no real count reaches; check them at the vendor",
                    u64::MAX
                ))
            } else {
                PluginError::config(format!(
                    "the PSA's agreement lines for {psa_line} add up to more than {} \
                     (2^64-1); fix their quantities in the PSA",
                    u64::MAX
                ))
            };
            let line = PsaLine::new(&psa_account_id, &psa_product_id);
            return Err(group
                .accounts
                .into_iter()
                .map(|(account_id, services)| FailedCount {
                    vendor: names.of(&account_id),
                    service_ids: services.into_iter().collect(),
                    error: error.clone(),
                    psa_lines: vec![line.clone()],
                })
                .collect());
        }
    };
    if psa_quantity.is_none() && vendor_quantity == 0 {
        return Ok(None);
    }
    let (kind, delta) = compare(psa_quantity, vendor_quantity);
    Ok(Some(ReviewLine {
        kind,
        psa_account_name,
        delta,
        psa_account_id,
        psa_product_id,
        vendor_accounts: {
            let mut accounts: Vec<VendorAccount> =
                group.accounts.keys().map(|id| names.of(id)).collect();
            accounts.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            accounts
        },
        psa_quantity,
        vendor_quantity,
    }))
}

/// Lists the mapped accounts the vendor could not count, one entry per account and reason,
/// with the PSA lines each leaves without a count.
fn failed_counts(
    usage: &Usage,
    psa_accounts: &HashMap<&str, &str>,
    products: &BTreeMap<&str, &str>,
    names: &VendorNames,
) -> Vec<FailedCount> {
    let mut failed = Vec::new();
    for account in &usage.failed_accounts {
        let Some(&psa_account) = psa_accounts.get(account.account_id.as_str()) else {
            continue;
        };
        for (error, service_ids) in account.by_error() {
            let psa_lines: BTreeSet<PsaLine> = service_ids
                .iter()
                .filter_map(|service| products.get(service.as_str()))
                .map(|product| PsaLine::new(psa_account, product))
                .collect();
            failed.push(FailedCount {
                vendor: names.of(&account.account_id),
                service_ids,
                error: error.clone(),
                psa_lines: psa_lines.into_iter().collect(),
            });
        }
    }
    failed
}

#[cfg(test)]
mod tests;
