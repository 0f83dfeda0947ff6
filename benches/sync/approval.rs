//! Approving a large review: `approve --all` of 100,000 reconcile lines, as the CLI does it
//! (check the review, apply it to the PSA snapshot, write the four files), without a plugin.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use host_harness::seed::approve::{approve, Choice};
use host_harness::seed::history::write_approval;
use host_harness::seed::mapping::{AccountMapping, Basis, Mapping, ServiceMapping, State};
use host_harness::seed::psa::{AgreementLine, PsaAccount, PsaSnapshot};
use host_harness::seed::review::{Review, Synced};
use plugin_contract::{Account, Usage, UsageRecord};

use crate::measure::{middle, ms, row, thousands};

/// The lines approved.
pub const LINES: usize = 100_000;
/// The target for approving them, checks and files included: linear, so about what reading them
/// costs (issue 17 measured 73 s for 60,000 lines when it was quadratic).
const TARGET: Duration = Duration::from_secs(2);

/// What one approval of `LINES` lines took, by step.
struct Timing {
    review: Duration,
    approve: Duration,
    write: Duration,
}

/// Returns a PSA snapshot of `lines` accounts billing 1 of one product, its mapping and the
/// review of a vendor counting 2 on each: `lines` reconcile lines.
fn tenant(lines: usize) -> (PsaSnapshot, Mapping, Synced) {
    let id = |i: usize| format!("{i:08}");
    let psa = PsaSnapshot {
        source: String::new(),
        accounts: (0..lines)
            .map(|i| PsaAccount {
                id: id(i),
                name: format!("Customer {i}"),
            })
            .collect(),
        agreement_lines: (0..lines)
            .map(|i| AgreementLine {
                account_id: id(i),
                product_id: "SEATS".into(),
                product_name: "Seats".into(),
                quantity: 1,
            })
            .collect(),
    };
    let mapping = Mapping {
        accounts: (0..lines)
            .map(|i| AccountMapping {
                vendor_account_id: format!("v{}", id(i)),
                vendor_name: format!("Customer {i}"),
                state: State::Mapped,
                psa_account_id: Some(id(i)),
                basis: Basis::ExactName,
                reason: String::new(),
                suggestions: Vec::new(),
            })
            .collect(),
        services: vec![ServiceMapping {
            service_id: "users".into(),
            service_name: "Seats".into(),
            state: State::Mapped,
            psa_product_id: Some("SEATS".into()),
            reason: String::new(),
        }],
    };
    let accounts = (0..lines)
        .map(|i| Account {
            id: format!("v{}", id(i)),
            name: format!("Customer {i}"),
            description: String::new(),
            status: "active".into(),
            domains: Vec::new(),
            psa_refs: Vec::new(),
        })
        .collect();
    let usage = Usage {
        as_of: crate::support::AS_OF.into(),
        records: (0..lines)
            .map(|i| UsageRecord {
                account_id: format!("v{}", id(i)),
                service_id: "users".into(),
                quantity: 2,
            })
            .collect(),
        warnings: Vec::new(),
        failed_accounts: Vec::new(),
    };
    (psa, mapping, Synced { accounts, usage })
}

/// Approves every line of a fresh tenant of `lines` lines into a scratch folder, once.
fn once(lines: usize) -> Timing {
    let (psa, mapping, synced) = tenant(lines);
    let started = Instant::now();
    let review = Review::build(synced, &mapping, &psa);
    let review_took = started.elapsed();
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let psa_path = scratch.path().join("psa.json");
    psa.save(&psa_path).expect("written");
    let (mut psa, psa_sha256) = PsaSnapshot::load_hashed(&psa_path).expect("read");
    let started = Instant::now();
    let approval = approve(&review, &mapping, Choice::All, &mut psa).expect("approved");
    let approve_took = started.elapsed();
    assert_eq!(approval.change_set.changes.len(), lines);
    let started = Instant::now();
    write_approval(
        &approval,
        &psa,
        &psa_path,
        &psa_sha256,
        scratch.path(),
        "2026-11-01T00:00:00Z",
        &|_| {},
    )
    .expect("written")
    .expect("changes");
    Timing {
        review: review_took,
        approve: approve_took,
        write: started.elapsed(),
    }
}

/// Measures approving `LINES` lines `runs` times and writes its section; notes a missed target.
pub fn write(out: &mut String, runs: usize, not_met: &mut Vec<String>) {
    let timings: Vec<Timing> = (0..runs).map(|_| once(LINES)).collect();
    let pick = |f: fn(&Timing) -> Duration| middle(timings.iter().map(f).collect());
    let (review, approve, write) = (pick(|t| t.review), pick(|t| t.approve), pick(|t| t.write));
    let total = approve + write;
    let _ = writeln!(
        out,
        "\n## Approving a review\n\n`approve --all` of {} reconcile lines (one PSA account each), \
         median of {runs} runs, no plugin: the review is built by the library as `sync` builds it.\n\n\
         | measure | figure | target | met |\n|---|---|---|---|",
        thousands(LINES)
    );
    row(
        out,
        "build the review (the host's bookkeeping of a sync)",
        &ms(review),
        "",
        true,
    );
    row(
        out,
        "check the review and apply it to the PSA snapshot",
        &ms(approve),
        "",
        true,
    );
    row(
        out,
        "write the history, PSA snapshot and change set (staged, renamed)",
        &ms(write),
        "",
        true,
    );
    let target = format!("≤ {}", ms(TARGET));
    row(out, "approve, in all", &ms(total), &target, total <= TARGET);
    if total > TARGET {
        not_met.push(format!(
            "**Approving {} lines took {}**, over {}: the approval is linear (one index of \
             the PSA snapshot), so the machine's load is the first suspect.",
            thousands(LINES),
            ms(total),
            ms(TARGET)
        ));
    }
}
