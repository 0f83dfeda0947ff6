//! Tests of the review of a sync: lines, their kinds and deltas, unmapped usage, warnings.

use super::*;
use crate::seed::mapping::{AccountMapping, Basis, ServiceMapping};
use crate::seed::psa::{AgreementLine, PsaAccount};
use plugin_contract::ErrorClass;
use plugin_contract::{
    Account, AccountList, Authenticated, Description, FailedAccount, ServiceList, Usage,
    UsageRecord,
};

/// A vendor with accounts a, b (both billed to PSA account P) and a new account n.
#[derive(Default)]
struct Vendor {
    b_fails: bool,
    /// When set, the records and failed accounts `fetch_usage` returns instead.
    usage: Option<(Vec<UsageRecord>, Vec<FailedAccount>)>,
}

impl VendorPlugin for Vendor {
    fn describe_credentials(&mut self, _: &CredentialsInput) -> Result<Description, PluginError> {
        unreachable!("not used by sync")
    }
    fn authenticate(&mut self, _: &CredentialsInput) -> Result<Authenticated, PluginError> {
        unreachable!("not used by sync")
    }
    fn list_accounts(&mut self, _: &CredentialsInput) -> Result<AccountList, PluginError> {
        let account = |id: &str| Account {
            id: id.into(),
            name: id.to_uppercase(),
            description: String::new(),
            status: "active".into(),
            domains: Vec::new(),
            psa_refs: Vec::new(),
        };
        Ok(AccountList {
            accounts: vec![account("a"), account("b"), account("n")],
            warnings: Vec::new(),
        })
    }
    fn list_services(&mut self, _: &CredentialsInput) -> Result<ServiceList, PluginError> {
        unreachable!("not used by sync")
    }
    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        assert_eq!(
            input.account_ids.as_deref(),
            Some(&["a".to_owned(), "b".to_owned(), "n".to_owned()][..])
        );
        let (records, failed_accounts) = match self.usage.clone() {
            Some(usage) => usage,
            None if self.b_fails => (
                vec![record("a", "s", 2), record("n", "s", 5)],
                vec![FailedAccount {
                    account_id: "b".into(),
                    service_ids: vec!["s".into()],
                    error: PluginError::transient("down"),
                    failures: Vec::new(),
                }],
            ),
            None => (
                vec![
                    record("a", "s", 2),
                    record("b", "s", 3),
                    record("n", "s", 5),
                ],
                Vec::new(),
            ),
        };
        Ok(Usage {
            as_of: input.as_of.clone(),
            records,
            warnings: Vec::new(),
            failed_accounts,
        })
    }
}

fn record(account: &str, service: &str, quantity: u64) -> UsageRecord {
    UsageRecord {
        account_id: account.into(),
        service_id: service.into(),
        quantity,
    }
}

fn mapping() -> Mapping {
    mapping_of(&["s"])
}

/// Accounts a and b mapped to PSA account P, and `services` all mapped to product PROD.
fn mapping_of(services: &[&str]) -> Mapping {
    let account = |id: &str| AccountMapping {
        vendor_account_id: id.into(),
        vendor_name: id.to_uppercase(),
        state: State::Mapped,
        psa_account_id: Some("P".into()),
        basis: Basis::MappingFile,
        reason: String::new(),
        suggestions: Vec::new(),
    };
    Mapping {
        accounts: vec![account("a"), account("b")],
        services: services
            .iter()
            .map(|id| ServiceMapping {
                service_id: (*id).into(),
                service_name: id.to_uppercase(),
                state: State::Mapped,
                psa_product_id: Some("PROD".into()),
                reason: String::new(),
            })
            .collect(),
    }
}

fn psa() -> PsaSnapshot {
    psa_billing(&[4])
}

/// PSA account P (Psa Co), billed for PROD on one agreement line per quantity.
fn psa_billing(quantities: &[u64]) -> PsaSnapshot {
    PsaSnapshot {
        source: String::new(),
        accounts: vec![PsaAccount {
            id: "P".into(),
            name: "Psa Co".into(),
        }],
        agreement_lines: quantities
            .iter()
            .map(|&quantity| AgreementLine {
                account_id: "P".into(),
                product_id: "PROD".into(),
                product_name: "S".into(),
                quantity,
            })
            .collect(),
    }
}

fn review_of(
    records: Vec<UsageRecord>,
    failed_accounts: Vec<FailedAccount>,
    mapping: &Mapping,
    psa: &PsaSnapshot,
) -> Review {
    let mut vendor = Vendor {
        usage: Some((records, failed_accounts)),
        ..Vendor::default()
    };
    sync_and_review(&mut vendor, &Credentials::default(), mapping, psa, "t").unwrap()
}

#[test]
fn accounts_mapped_to_one_psa_account_add_up_and_new_accounts_show_as_unmapped_usage() {
    let review = sync_and_review(
        &mut Vendor::default(),
        &Credentials::default(),
        &mapping(),
        &psa(),
        "t",
    )
    .unwrap();
    assert_eq!(review.lines.len(), 1);
    let line = &review.lines[0];
    assert_eq!(
        (
            line.kind,
            line.psa_quantity,
            line.vendor_quantity,
            line.delta
        ),
        (LineKind::Reconcile, Some(4), 5, 1)
    );
    let labels: Vec<String> = line
        .vendor_accounts
        .iter()
        .map(VendorAccount::label)
        .collect();
    assert_eq!(labels, ["A (a)", "B (b)"]);
    assert_eq!(review.unmapped_with_usage[0].vendor.id, "n");
    let json = serde_json::to_value(&review).unwrap();
    assert_eq!(json["lines"][0]["delta"].as_i64(), Some(1), "{json}");
}

#[test]
fn a_line_fed_by_a_failed_count_shows_no_partial_sum() {
    let review = sync_and_review(
        &mut Vendor {
            b_fails: true,
            ..Vendor::default()
        },
        &Credentials::default(),
        &mapping(),
        &psa(),
        "t",
    )
    .unwrap();
    assert!(review.lines.is_empty(), "{:?}", review.lines);
    assert_eq!(review.failed[0].vendor.id, "b");
    assert_eq!(review.failed[0].psa_lines, [PsaLine::new("P", "PROD")]);
}

#[test]
fn a_count_of_u64_max_does_not_panic_the_review() {
    let review = review_of(
        vec![record("a", "s", u64::MAX)],
        Vec::new(),
        &mapping(),
        &psa(),
    );
    let line = &review.lines[0];
    assert_eq!(
        (line.kind, line.vendor_quantity, line.delta),
        (LineKind::Reconcile, u64::MAX, i128::from(u64::MAX) - 4)
    );
    let json = serde_json::to_value(&review).unwrap();
    assert_eq!(
        json["lines"][0]["delta"].as_u64(),
        Some(18_446_744_073_709_551_611)
    );
    assert!(
        crate::render::review(&review).contains(" +18446744073709551611 "),
        "{}",
        crate::render::review(&review)
    );
}

#[test]
fn a_psa_quantity_of_u64_max_gives_an_exact_negative_delta() {
    let review = review_of(
        vec![record("a", "s", 0)],
        Vec::new(),
        &mapping(),
        &psa_billing(&[u64::MAX]),
    );
    assert_eq!(review.lines[0].delta, -i128::from(u64::MAX));
    let json = serde_json::to_string_pretty(&review).unwrap();
    assert!(json.contains("\"delta\": -18446744073709551615"), "{json}");
    assert!(
        crate::render::review(&review).contains(" -18446744073709551615 "),
        "{}",
        crate::render::review(&review)
    );
}

#[test]
fn two_services_summing_past_u64_max_are_not_a_number() {
    let review = review_of(
        vec![record("a", "s", u64::MAX), record("a", "t", 1)],
        Vec::new(),
        &mapping_of(&["s", "t"]),
        &psa(),
    );
    assert!(review.lines.is_empty(), "{:?}", review.lines);
    assert_eq!(review.failed.len(), 1);
    let failed = &review.failed[0];
    assert_eq!(
        (
            failed.vendor.id.as_str(),
            &failed.service_ids[..],
            failed.error.class
        ),
        (
            "a",
            &["s".to_owned(), "t".to_owned()][..],
            ErrorClass::Vendor
        )
    );
    assert!(
        failed
            .error
            .message
            .contains("PROD of Psa Co (P) add up to more than 18446744073709551615"),
        "{}",
        failed.error.message
    );
    assert_eq!(failed.psa_lines, [PsaLine::new("P", "PROD")]);
    let json = serde_json::to_value(&review).unwrap();
    assert_eq!(json["lines"], serde_json::json!([]));
    assert!(!json.to_string().contains("\"vendor_quantity\""), "{json}");
    let text = crate::render::review(&review);
    assert!(
        text.contains("0 reconcile, 0 no change, 1 failed"),
        "{text}"
    );
    assert!(
        text.contains("   - A (a) vendor: the vendor's counts for the PSA line PROD"),
        "{text}"
    );
}

#[test]
fn two_accounts_summing_past_u64_max_on_one_psa_line_are_not_a_number() {
    let review = review_of(
        vec![record("a", "s", u64::MAX), record("b", "s", 1)],
        Vec::new(),
        &mapping(),
        &psa(),
    );
    assert!(review.lines.is_empty(), "{:?}", review.lines);
    let failed: Vec<(&str, ErrorClass)> = review
        .failed
        .iter()
        .map(|f| (f.vendor.id.as_str(), f.error.class))
        .collect();
    assert_eq!(
        failed,
        [("a", ErrorClass::Vendor), ("b", ErrorClass::Vendor)]
    );
}

#[test]
fn psa_lines_summing_past_u64_max_are_not_a_number() {
    let review = review_of(
        vec![record("a", "s", 1)],
        Vec::new(),
        &mapping(),
        &psa_billing(&[u64::MAX, 1]),
    );
    assert!(review.lines.is_empty(), "{:?}", review.lines);
    let failed = &review.failed[0];
    assert_eq!(
        (failed.vendor.id.as_str(), failed.error.class),
        ("a", ErrorClass::Config)
    );
    assert!(
        failed.error.message.contains("PSA's agreement lines"),
        "{}",
        failed.error.message
    );
}

#[test]
fn sums_up_to_u64_max_itself_are_still_counts() {
    let review = review_of(
        vec![record("a", "s", u64::MAX - 1), record("b", "s", 1)],
        Vec::new(),
        &mapping(),
        &psa_billing(&[u64::MAX - 1, 1]),
    );
    let line = &review.lines[0];
    assert_eq!(
        (
            line.kind,
            line.psa_quantity,
            line.vendor_quantity,
            line.delta
        ),
        (LineKind::NoChange, Some(u64::MAX), u64::MAX, 0)
    );
    assert!(review.failed.is_empty());
}

#[test]
fn each_failed_pair_shows_its_own_class_on_its_own_line() {
    let failed = FailedAccount::of(
        "b",
        vec![
            ("s1".into(), PluginError::vendor("count is text")),
            ("s2".into(), PluginError::transient("HTTP 500")),
        ],
    )
    .unwrap();
    let review = review_of(
        vec![record("a", "s1", 1), record("a", "s2", 1)],
        vec![failed],
        &mapping_of(&["s1", "s2"]),
        &psa(),
    );
    assert!(review.lines.is_empty(), "{:?}", review.lines);
    let failed: Vec<(&str, &[String], ErrorClass, &str)> = review
        .failed
        .iter()
        .map(|f| {
            (
                f.vendor.id.as_str(),
                &f.service_ids[..],
                f.error.class,
                f.error.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (
                "b",
                &["s1".to_owned()][..],
                ErrorClass::Vendor,
                "count is text"
            ),
            (
                "b",
                &["s2".to_owned()][..],
                ErrorClass::Transient,
                "HTTP 500"
            ),
        ]
    );
    let text = crate::render::review(&review);
    assert!(
        text.contains("   - B (b) vendor: count is text [s1]\n"),
        "{text}"
    );
    assert!(
        text.contains("   - B (b) transient: HTTP 500 [s2]\n"),
        "{text}"
    );
    assert!(text.contains("2 failed"), "{text}");
}
