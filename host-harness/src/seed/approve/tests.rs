//! Tests of an approval: what it writes, in which order, and what it refuses.

use super::*;
use crate::seed::line::VendorAccount;
use crate::seed::mapping::{AccountMapping, Basis, ServiceMapping};
use crate::seed::psa::PsaAccount;
use crate::seed::review::FailedCount;
use plugin_contract::PluginError;

fn line(kind: LineKind, account: &str, psa: Option<u64>, counted: u64) -> ReviewLine {
    ReviewLine {
        kind,
        psa_account_id: account.into(),
        psa_account_name: format!("{account} Co"),
        psa_product_id: "PROD".into(),
        vendor_accounts: vec![vendor(account)],
        psa_quantity: psa,
        vendor_quantity: counted,
        delta: i128::from(counted) - i128::from(psa.unwrap_or(0)),
    }
}

/// Returns vendor account `v{account}`, named `V{account}`.
fn vendor(account: &str) -> VendorAccount {
    VendorAccount {
        id: format!("v{account}"),
        name: format!("V{account}"),
        listed: true,
    }
}

/// Returns the lines of `keys`, as a person types them.
fn keyed(keys: &[&str]) -> Vec<PsaLine> {
    keys.iter().map(|key| key.parse().expect("a key")).collect()
}

/// Returns the keys of `lines`.
fn keys_of(lines: &[PsaLine]) -> Vec<String> {
    lines.iter().map(PsaLine::key).collect()
}

/// New revenue on N, reconcile on R (3 → 5), no change on S, a failed count on F.
fn review() -> Review {
    Review {
        as_of: "2026-11-01T00:00:00Z".into(),
        made_from: None,
        lines: vec![
            line(LineKind::NewRevenue, "N", None, 4),
            line(LineKind::Reconcile, "R", Some(3), 5),
            line(LineKind::NoChange, "S", Some(2), 2),
        ],
        unmapped_with_usage: Vec::new(),
        failed: vec![FailedCount {
            vendor: vendor("F"),
            service_ids: vec!["s".into()],
            error: PluginError::transient("HTTP 503"),
            psa_lines: keyed(&["F/PROD"]),
        }],
        warnings: Vec::new(),
    }
}

/// Accounts N, R, S and F, billing PROD on R (3), S (2) and F (1), and OTHER on N.
fn psa() -> PsaSnapshot {
    let account = |id: &str| PsaAccount {
        id: id.into(),
        name: format!("{id} Co"),
    };
    let billing = |account: &str, product: &str, quantity| AgreementLine {
        account_id: account.into(),
        product_id: product.into(),
        product_name: format!("{product} name"),
        quantity,
    };
    PsaSnapshot {
        source: String::new(),
        accounts: ["N", "R", "S", "F"].map(account).to_vec(),
        agreement_lines: vec![
            billing("N", "OTHER", 9),
            billing("R", "PROD", 3),
            billing("S", "PROD", 2),
            billing("F", "PROD", 1),
        ],
    }
}

/// Vendor accounts vN, vR, vS and vF mapped to N, R, S and F, service s to PROD.
fn mapping() -> Mapping {
    let account = |id: &str| AccountMapping {
        vendor_account_id: format!("v{id}"),
        vendor_name: format!("V{id}"),
        state: State::Mapped,
        psa_account_id: Some(id.into()),
        basis: Basis::MappingFile,
        reason: String::new(),
        suggestions: Vec::new(),
    };
    Mapping {
        accounts: ["N", "R", "S", "F"].map(account).to_vec(),
        services: vec![ServiceMapping {
            service_id: "s".into(),
            service_name: "S".into(),
            state: State::Mapped,
            psa_product_id: Some("PROD".into()),
            reason: String::new(),
        }],
    }
}

/// Approves `choice` of `review` on `psa` with the test's mapping.
fn approved(
    review: &Review,
    choice: Choice<'_>,
    psa: &mut PsaSnapshot,
) -> Result<Approval, ApproveError> {
    approve(review, &mapping(), choice, psa)
}

fn quantities(psa: &PsaSnapshot) -> Vec<(String, String, u64)> {
    psa.agreement_lines
        .iter()
        .map(|l| (l.account_id.clone(), l.product_id.clone(), l.quantity))
        .collect()
}

#[test]
fn all_approves_new_revenue_and_reconcile_and_skips_no_change_and_failed() {
    let mut psa = psa();
    let approval = approved(&review(), Choice::All, &mut psa).unwrap();
    let changed: Vec<PsaLine> = approval
        .change_set
        .changes
        .iter()
        .map(Change::line)
        .collect();
    assert_eq!(keys_of(&changed), ["N/PROD", "R/PROD"]);
    assert_eq!(approval.change_set.changes[0].old_quantity, None);
    assert_eq!(
        (
            approval.change_set.changes[1].old_quantity,
            approval.change_set.changes[1].new_quantity
        ),
        (Some(3), 5)
    );
    assert_eq!(keys_of(&approval.unchanged), ["S/PROD"]);
    assert_eq!(keys_of(&approval.failed), ["F/PROD"]);
    let billed: Vec<(&str, &str, u64)> = vec![
        ("N", "OTHER", 9),
        ("N", "PROD", 4),
        ("R", "PROD", 5),
        ("S", "PROD", 2),
        ("F", "PROD", 1),
    ];
    let billed: Vec<(String, String, u64)> = billed
        .into_iter()
        .map(|(a, p, q)| (a.into(), p.into(), q))
        .collect();
    assert_eq!(quantities(&psa), billed);
    assert_eq!(psa.agreement_lines[1].product_name, "PROD name");
}

#[test]
fn chosen_lines_change_only_those() {
    let mut psa = psa();
    let keys = keyed(&["R/PROD", "R/PROD"]);
    let approval = approved(&review(), Choice::Lines(&keys), &mut psa).unwrap();
    assert_eq!(approval.change_set.changes.len(), 1);
    assert!(approval.unchanged.is_empty());
    assert_eq!(psa.agreement_lines.len(), 4);
    assert_eq!(psa.agreement_lines[1].quantity, 5);
}

#[test]
fn a_failed_line_is_refused_naming_why_and_nothing_changes() {
    let mut psa = psa();
    let keys = keyed(&["R/PROD", "F/PROD"]);
    let error = approved(&review(), Choice::Lines(&keys), &mut psa).unwrap_err();
    assert!(matches!(error, ApproveError::FailedLine { .. }), "{error}");
    assert!(
        error.to_string().contains(
            "F/PROD cannot be approved: a failed count feeds it (VF (vF) transient: HTTP 503)"
        ),
        "{error}"
    );
    assert_eq!(psa, self::psa());
}

#[test]
fn a_key_naming_no_line_is_refused() {
    let mut psa = psa();
    let keys = keyed(&["R/PROD", "R/OTHER"]);
    let error = approved(&review(), Choice::Lines(&keys), &mut psa).unwrap_err();
    assert!(
        matches!(&error, ApproveError::NoSuchLine { key } if key == "R/OTHER"),
        "{error}"
    );
    assert_eq!(psa, self::psa());
}

#[test]
fn a_psa_changed_since_the_review_is_refused_so_approving_twice_is_too() {
    let mut psa = psa();
    approved(&review(), Choice::All, &mut psa).unwrap();
    let after = psa.clone();
    let error = approved(&review(), Choice::All, &mut psa).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the PSA snapshot bills 4 on N/PROD but the review showed no line: it changed since \
         the review (approved already?); sync again and review; nothing was approved"
    );
    assert_eq!(psa, after);
}

#[test]
fn an_approved_no_change_line_changes_nothing() {
    let mut psa = psa();
    let keys = keyed(&["S/PROD"]);
    let approval = approved(&review(), Choice::Lines(&keys), &mut psa).unwrap();
    assert!(approval.change_set.changes.is_empty());
    assert_eq!(keys_of(&approval.unchanged), ["S/PROD"]);
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let written = crate::seed::history::write_approval(
        &approval,
        &psa,
        &out.join("psa.json"),
        "",
        &out,
        "now",
        &|_| {},
    );
    assert!(written.unwrap().is_none());
    assert!(!out.exists());
}

#[test]
fn several_agreement_lines_for_one_product_keep_their_sum_equal_to_the_approved_count() {
    let split = |quantities: &[u64]| {
        let mut psa = psa();
        psa.agreement_lines.retain(|l| l.account_id != "R");
        for &quantity in quantities {
            psa.agreement_lines.push(AgreementLine {
                account_id: "R".into(),
                product_id: "PROD".into(),
                product_name: "PROD name".into(),
                quantity,
            });
        }
        psa
    };
    let approved_to = |new: u64, lines: &[u64]| {
        let mut review = review();
        let old: u64 = lines.iter().sum();
        review.lines[1] = line(LineKind::Reconcile, "R", Some(old), new);
        let mut psa = split(lines);
        let keys = keyed(&["R/PROD"]);
        approved(&review, Choice::Lines(&keys), &mut psa).unwrap();
        psa.agreement_lines
            .iter()
            .filter(|l| l.account_id == "R")
            .map(|l| l.quantity)
            .collect::<Vec<u64>>()
    };
    // An increase goes onto the first line; a decrease comes off the lines in order.
    assert_eq!(approved_to(9, &[1, 2]), [7, 2]);
    assert_eq!(approved_to(2, &[1, 2]), [0, 2]);
    assert_eq!(approved_to(0, &[1, 2]), [0, 0]);
    let max = MAX_PLAUSIBLE_QUANTITY;
    assert_eq!(approved_to(max, &[0, 1]), [max - 1, 1]);
}

#[test]
fn new_revenue_for_a_product_the_psa_never_bills_is_refused() {
    let mut psa = psa();
    psa.agreement_lines.retain(|l| l.product_id != "PROD");
    let mut review = review();
    review.lines.truncate(1);
    let error = approved(&review, Choice::All, &mut psa).unwrap_err();
    assert!(
        matches!(&error, ApproveError::UnknownProduct { key, .. } if key == "N/PROD"),
        "{error}"
    );
}

/// Returns the error of approving all of `review()` changed by `spoil`, checking that the
/// PSA snapshot is left as it was.
fn refusal(spoil: impl FnOnce(&mut Review)) -> ApproveError {
    let mut review = review();
    spoil(&mut review);
    let mut psa = psa();
    let error = approved(&review, Choice::All, &mut psa).unwrap_err();
    assert_eq!(psa, self::psa());
    error
}

#[test]
fn a_spoofed_review_is_refused_naming_what_is_wrong() {
    let error = refusal(|r| r.as_of = "not-a-time".into());
    assert!(
        matches!(error, ApproveError::NotAnInstant { .. }),
        "{error}"
    );
    let error = refusal(|r| r.as_of = "2026-02-30T00:00:00Z".into());
    assert!(
        matches!(error, ApproveError::NotAnInstant { .. }),
        "{error}"
    );
    let error = refusal(|r| r.lines[0].psa_account_id = "NOPE".into());
    assert!(
        matches!(&error, ApproveError::UnknownAccount { account, .. } if account == "NOPE"),
        "{error}"
    );
    let error = refusal(|r| {
        r.lines[1].vendor_quantity = u64::MAX;
        r.lines[1].delta = i128::from(u64::MAX) - 3;
    });
    assert_eq!(
        error.to_string(),
        "the review's line R/PROD counts 18446744073709551615, more than its 1 (vendor \
         account, service) pairs can: each counts at most 10000000 (the contract's bound); \
         nothing was approved"
    );
    let error = refusal(|r| {
        r.lines[1].vendor_quantity = MAX_PLAUSIBLE_QUANTITY + 1;
        r.lines[1].delta = i128::from(MAX_PLAUSIBLE_QUANTITY + 1) - 3;
    });
    assert!(matches!(error, ApproveError::Implausible { .. }), "{error}");
    let error = refusal(|r| r.lines[1].delta = 7);
    assert!(
        matches!(error, ApproveError::Inconsistent { .. }),
        "{error}"
    );
    let error = refusal(|r| r.lines[2].kind = LineKind::Reconcile);
    assert!(
        matches!(error, ApproveError::Inconsistent { .. }),
        "{error}"
    );
    let error = refusal(|r| r.lines[1].vendor_accounts = vec![vendor("Evil")]);
    assert!(
        matches!(error, ApproveError::UnknownVendorAccount { .. }),
        "{error}"
    );
    let error = refusal(|r| r.lines[1].psa_product_id = "OTHER".into());
    assert!(matches!(error, ApproveError::NotMapped { .. }), "{error}");
    let error = refusal(|r| r.lines.push(line(LineKind::Reconcile, "R", Some(3), 5)));
    assert!(
        matches!(&error, ApproveError::DuplicateLine { key } if key == "R/PROD"),
        "{error}"
    );
}

#[test]
fn the_change_set_names_psa_accounts_as_the_snapshot_does_not_as_the_review() {
    let mut review = review();
    review.lines[1].psa_account_name = "=HYPERLINK(\"https://evil.example\")".into();
    let mut psa = psa();
    let approval = approved(&review, Choice::All, &mut psa).unwrap();
    assert_eq!(approval.change_set.changes[1].psa_account_name, "R Co");
}

#[test]
fn ids_with_a_slash_are_approved_by_their_own_key_only() {
    // (A, B/C) and (A/B, C) would both be A/B/C unescaped.
    let mut psa = psa();
    psa.accounts.extend(["A", "A/B"].map(|id| PsaAccount {
        id: id.into(),
        name: format!("{id} Co"),
    }));
    for (account, product) in [("A", "B/C"), ("A/B", "C")] {
        psa.agreement_lines.push(AgreementLine {
            account_id: account.into(),
            product_id: product.into(),
            product_name: product.into(),
            quantity: 1,
        });
    }
    let mut mapping = mapping();
    let mut vendor = mapping.accounts[0].clone();
    for id in ["A", "A/B"] {
        vendor.vendor_account_id = format!("v{id}");
        vendor.psa_account_id = Some(id.into());
        mapping.accounts.push(vendor.clone());
    }
    let mut service = mapping.services[0].clone();
    for product in ["B/C", "C"] {
        service.service_id = product.into();
        service.psa_product_id = Some(product.into());
        mapping.services.push(service.clone());
    }
    let mut review = review();
    for (account, product) in [("A", "B/C"), ("A/B", "C")] {
        let mut line = line(LineKind::Reconcile, account, Some(1), 2);
        line.psa_product_id = product.into();
        review.lines.push(line);
    }
    let lines: Vec<PsaLine> = review.lines[3..].iter().map(ReviewLine::line).collect();
    assert_eq!(keys_of(&lines), ["A/B%2FC", "A%2FB/C"]);
    assert!("A/B/C".parse::<PsaLine>().is_err());
    for line in lines {
        let key = line.key();
        let chosen = [line];
        let approval =
            approve(&review, &mapping, Choice::Lines(&chosen), &mut psa.clone()).unwrap();
        let changed: Vec<PsaLine> = approval
            .change_set
            .changes
            .iter()
            .map(Change::line)
            .collect();
        assert_eq!(keys_of(&changed), [key]);
    }
}

#[test]
fn new_lines_go_after_their_accounts_last_line_in_the_changes_order() {
    let mut psa = psa();
    let change = |account: &str, product: &str| Change {
        psa_account_id: account.into(),
        psa_account_name: String::new(),
        psa_product_id: product.into(),
        old_quantity: None,
        new_quantity: 1,
        vendor_accounts: Vec::new(),
    };
    let changes = [
        change("N", "A"),
        change("N", "B"),
        change("S", "C"),
        change("X", "D"),
        change("X", "E"),
    ];
    apply(&mut psa, &changes);
    let order: Vec<(&str, &str)> = psa
        .agreement_lines
        .iter()
        .map(|l| (l.account_id.as_str(), l.product_id.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("N", "OTHER"),
            ("N", "A"),
            ("N", "B"),
            ("R", "PROD"),
            ("S", "PROD"),
            ("S", "C"),
            ("F", "PROD"),
            ("X", "D"),
            ("X", "E"),
        ]
    );
}

#[test]
fn a_review_reads_back_from_its_json() {
    let json = serde_json::to_string(&review()).unwrap();
    let read: Review = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&read).unwrap(), json);
}
