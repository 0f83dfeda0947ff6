//! The account-mapping screen with 5,000 accounts on each side, as the web host renders it:
//! the first render of the page (both lists, 50 rows each) and a search typed into the PSA
//! side (from 2 characters) or the vendor filter, each answered by the server as a fragment.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use host_harness::seed::mapping::{AccountMapping, Basis, Mapping, State};
use host_harness::seed::psa::{PsaAccount, PsaSnapshot};
use host_harness::store::connection::Status;
use host_harness::ui::lists::{psa_accounts, vendor_accounts, Query};
use host_harness::ui::pages::{accounts, Context};

use crate::measure::{middle, ms, row};

/// Accounts on each side.
pub const ACCOUNTS: usize = 5_000;
/// What a person notices as a wait after typing.
const TARGET: Duration = Duration::from_millis(50);

fn query(text: &str) -> Query {
    Query {
        text: text.to_lowercase(),
        typed: text.to_owned(),
        page: 0,
    }
}

/// Writes the section, measured `runs` times each (the middle run is reported).
pub fn write(out: &mut String, runs: usize, not_met: &mut Vec<String>) {
    let psa = PsaSnapshot {
        source: String::new(),
        accounts: (0..ACCOUNTS)
            .map(|i| PsaAccount {
                id: format!("{}", 40_000_000 + i),
                name: format!("Customer {i:05} Holdings"),
            })
            .collect(),
        agreement_lines: Vec::new(),
    };
    let mapping = Mapping {
        accounts: (0..ACCOUNTS)
            .map(|i| AccountMapping {
                vendor_account_id: format!("v{i:05}"),
                vendor_name: format!("Customer {i:05} Holdings Inc."),
                state: if i % 2 == 0 {
                    State::Mapped
                } else {
                    State::Unmapped
                },
                psa_account_id: (i % 2 == 0).then(|| format!("{}", 40_000_000 + i)),
                basis: if i % 2 == 0 {
                    Basis::ExactName
                } else {
                    Basis::Nothing
                },
                reason: "generated".into(),
                suggestions: Vec::new(),
            })
            .collect(),
        services: Vec::new(),
    };
    let context = Context {
        vendor: "Vendor".into(),
        plugin_version: "0.1.0".into(),
        interface_version: "1.1".into(),
        status: Status::Pending,
        csrf: "csrf".into(),
        replaying: true,
        store: "bench.db".into(),
    };
    let time = |f: &dyn Fn() -> usize| -> (Duration, usize) {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let started = Instant::now();
            bytes = f();
            times.push(started.elapsed());
        }
        (middle(times), bytes)
    };
    let (page, page_bytes) = time(&|| {
        let left = psa_accounts(&psa, &query(""));
        let right = vendor_accounts(&mapping, &psa, &query(""), None, "csrf");
        accounts(&context, None, &left, &right).into_string().len()
    });
    let (search, search_bytes) = time(&|| psa_accounts(&psa, &query("04 9")).into_string().len());
    let (filter, filter_bytes) = time(&|| {
        vendor_accounts(&mapping, &psa, &query("holdings"), Some("unmapped"), "csrf")
            .into_string()
            .len()
    });
    let _ = writeln!(
        out,
        "\n## The account-mapping screen, {ACCOUNTS} accounts a side\n\nRendered by the web host (`host-harness ui`) on the server, 50 rows a list; a search is answered as a fragment the page puts in place. `BENCH_ONLY=mapping cargo bench --bench sync` runs this section alone.\n"
    );
    let _ = writeln!(out, "| step | time | target | met |\n|---|---|---|---|");
    for (name, took, bytes) in [
        ("first render of the page (both lists)", page, page_bytes),
        ("search PSA accounts (\"04 9\")", search, search_bytes),
        (
            "filter vendor accounts (unmapped, \"holdings\")",
            filter,
            filter_bytes,
        ),
    ] {
        let name = format!("{name}, {bytes} bytes");
        row(
            out,
            &name,
            &ms(took),
            &format!("≤ {} ms", TARGET.as_millis()),
            took <= TARGET,
        );
        if took > TARGET {
            not_met.push(format!("mapping screen: {name} took {}", ms(took)));
        }
    }
}
