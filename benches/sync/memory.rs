//! Peak plugin memory, found by bisecting `memory_max_pages`, at the documented maxima.

use std::fmt::Write as _;
use std::time::Instant;

use fastrand::Rng;
use host_harness::runtime::manifest::{PluginManifest, MAX_MEMORY_PAGES};
use host_harness::runtime::plugin::{PluginInstance, PluginModule};
use plugin_contract::{CredentialsInput, ErrorClass, FetchUsageInput, PluginError, VendorPlugin};
use saas_alerts_plugin::usage::MAX_ACCOUNT_IDS;
use serde_json::json;

use crate::measure::{mib, thousands};
use crate::per_platform::POOL_LATENCY_MS as PER_PLATFORM_LATENCY_MS;
use crate::support::json_exchange;
use crate::tenant::{
    customer_entry, customer_id, list_body, recording, serve, tenant, text_exchange, usage_input,
    user_entry, BILLABLE, DATA_SEED,
};

/// How a call ends given all the memory wasm32 can address, and the least memory it needs to
/// end that way.
pub struct Peak {
    /// The fewest 64 KiB pages with which the call ends as it does with 4 GiB; meaningless when
    /// `outcome` is an `internal` error.
    pub pages: u32,
    /// `Ok`, or the error the plugin gives even with 4 GiB (a refusal naming a limit).
    pub outcome: Result<(), PluginError>,
}

impl Peak {
    /// Whether the call ends as it should (succeeds, or refuses with a typed error that is
    /// not `internal`) within `limit` pages.
    fn fits(&self, limit: u32) -> bool {
        !self.fails_anyway() && self.pages <= limit
    }

    /// Whether the call fails as `internal` whatever the memory.
    fn fails_anyway(&self) -> bool {
        matches!(&self.outcome, Err(e) if e.class == ErrorClass::Internal)
    }
}

/// Finds, by bisection, the fewest memory pages with which `call` on a fresh instance ends as
/// it does with [`MAX_MEMORY_PAGES`]: successfully, or with the same typed, non-`internal`
/// error. The bisection stops within 1/256 of the answer (one page for small peaks) and
/// returns the smallest page count seen to work.
pub fn min_pages(
    manifest: &PluginManifest,
    call: impl Fn(&mut PluginInstance) -> Result<(), PluginError>,
) -> Peak {
    let outcome_with = |pages: u32| -> Result<(), PluginError> {
        let mut limited = manifest.clone();
        limited.limits.memory_max_pages = pages;
        let loaded = PluginModule::compile(&limited, &["127.0.0.1".to_owned()])
            .and_then(|compiled| compiled.instantiate());
        match loaded {
            Ok(mut plugin) => call(&mut plugin),
            Err(e) => Err(PluginError::internal(e.to_string())),
        }
    };
    let outcome = outcome_with(MAX_MEMORY_PAGES);
    let reference = outcome.as_ref().map_err(|e| e.class);
    if reference == Err(ErrorClass::Internal) {
        return Peak {
            pages: MAX_MEMORY_PAGES,
            outcome,
        };
    }
    let (mut low, mut high) = (1u32, MAX_MEMORY_PAGES);
    while high - low > high / 256 {
        let middle = low + (high - low) / 2;
        if outcome_with(middle).as_ref().map_err(|e| e.class) == reference {
            high = middle
        } else {
            low = middle + 1
        }
    }
    Peak {
        pages: high,
        outcome,
    }
}

/// What a row of the maxima measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The largest customer list, of customers from the generator.
    Realistic,
    /// The largest customer list, of minimal entries: the most customers per byte.
    Minimal,
    /// The largest customer list holding [`CUSTOMERS_CAP`] customers without names.
    AtCap,
    /// The largest user list of one customer.
    Users,
    /// `fetch_usage` with [`MAX_ACCOUNT_IDS`] ids.
    AccountIds,
}

/// A call at one documented maximum, and the memory it needs.
pub struct Maximum {
    kind: Kind,
    /// The documented maximum, as the manifest or the plugin names it.
    limit: String,
    /// What the call is given at that maximum.
    input: String,
    /// The call.
    call: &'static str,
    /// The customers in the vendor's response (or the ids asked for).
    customers: usize,
    peak: Peak,
}

impl Maximum {
    /// Whether the plugin should accept this input: all but a customer list longer than the
    /// cap, which the plugin should refuse.
    fn accepted(&self) -> bool {
        self.kind != Kind::Minimal || self.customers <= CUSTOMERS_CAP
    }
}

/// The most customers the plugin reads from one response (issue 8, item 12).
const CUSTOMERS_CAP: usize = saas_alerts_plugin::model::MAX_CUSTOMERS;

/// Measures the peak memory of a call at each documented maximum: a vendor response of
/// (just under) `max_http_response_bytes` of realistic customers, of minimal ones, of
/// [`CUSTOMERS_CAP`] customers without names, and of one customer's users; and
/// `fetch_usage` with [`MAX_ACCOUNT_IDS`] ids, found and not found.
pub fn measure_maxima(manifest: &PluginManifest) -> Vec<Maximum> {
    let max_body = usize::try_from(manifest.limits.max_http_response_bytes).expect("a usize");
    let body_limit = format!("`max_http_response_bytes` ({} B)", thousands(max_body));
    let ids_limit = format!("`MAX_ACCOUNT_IDS` ({})", thousands(MAX_ACCOUNT_IDS));
    let mut maxima = Vec::new();
    let mut measure =
        |kind: Kind,
         limit: &str,
         input: &str,
         call: &'static str,
         customers: usize,
         run: &dyn Fn(&mut PluginInstance) -> Result<(), PluginError>| {
            let started = Instant::now();
            let peak = min_pages(manifest, run);
            eprintln!(
                "maxima: {input}, {call}: {} ({:?}) in {:.1} s",
                mib(peak.pages),
                peak.outcome.as_ref().map_err(|e| &e.message),
                started.elapsed().as_secs_f64()
            );
            maxima.push(Maximum {
                kind,
                limit: limit.to_owned(),
                input: input.to_owned(),
                call,
                customers,
                peak,
            });
        };
    let all_accounts = "`fetch_usage` of `billable-users`, all accounts";

    // The largest customer list: from the generator, of minimal entries, and of the most
    // customers the cap lets through, without names (so that `list_accounts` warns about
    // each) and padded with a field the plugin skips.
    let entry = |index: usize, pad: usize| {
        let pad = if pad == 0 {
            String::new()
        } else {
            format!(r#","pad":"{}""#, "x".repeat(pad - 9))
        };
        format!(
            r#"{{"id":"{}","billingUsers":{{"count":1}}{pad}}}"#,
            customer_id(index)
        )
    };
    let bare = entry(0, 0).len();
    let pad = (max_body - 2) / CUSTOMERS_CAP - 1 - bare;
    for kind in [Kind::Realistic, Kind::Minimal, Kind::AtCap] {
        let mut rng = Rng::with_seed(DATA_SEED);
        let (body, customers) = list_body(max_body, |index| match kind {
            Kind::Realistic => {
                let billable = rng.u64(..60);
                customer_entry(&mut rng, index, billable, 0).to_string()
            }
            Kind::AtCap if index >= CUSTOMERS_CAP => "x".repeat(max_body),
            Kind::AtCap => entry(index, pad),
            _ => entry(index, 0),
        });
        let what = match kind {
            Kind::Realistic => format!(
                "customers from the generator ({} B each on average)",
                body.len() / customers
            ),
            Kind::Minimal => format!("minimal customers (`{}`, {bare} B)", entry(0, 0)),
            _ => format!(
                "customers without names, each padded to {} B by a field the plugin skips",
                bare + pad
            ),
        };
        let input = format!(
            "customers response of {} B: {} {what}",
            thousands(body.len()),
            thousands(customers)
        );
        let limit = if kind == Kind::AtCap {
            format!(
                "{body_limit} and the cap of {} customers",
                thousands(CUSTOMERS_CAP)
            )
        } else {
            body_limit.clone()
        };
        let server = serve(
            recording(vec![text_exchange("/reports/customers", None, body)]),
            0,
        );
        let usage = usage_input(&server, Some(vec![BILLABLE.into()]));
        let credentials = CredentialsInput::new(server.credentials().clone());
        measure(kind, &limit, &input, all_accounts, customers, &|p| {
            p.fetch_usage(&usage).map(drop)
        });
        measure(kind, &limit, &input, "`list_accounts`", customers, &|p| {
            p.list_accounts(&credentials).map(drop)
        });
    }

    // One customer's user list at its largest.
    let mut rng = Rng::with_seed(DATA_SEED);
    let mut flags = Vec::new();
    let (body, users) = list_body(max_body, |n| {
        let (user, billable) = user_entry(&mut rng, 0, n);
        flags.push(billable);
        user.to_string()
    });
    let billable = flags[..users].iter().filter(|b| **b).count() as u64;
    let customer = customer_entry(&mut Rng::with_seed(DATA_SEED), 0, billable, users);
    let input = format!(
        "one customer's `/reports/users` response of {} B: {} users from the generator",
        thousands(body.len()),
        thousands(users)
    );
    let server = serve(
        recording(vec![
            json_exchange("/reports/customers", None, &[], json!([customer])),
            text_exchange("/reports/users", Some(&customer_id(0)), body),
        ]),
        0,
    );
    let usage = usage_input(&server, None);
    measure(
        Kind::Users,
        &body_limit,
        &input,
        "`fetch_usage` of all 7 services (the per-platform ones read the users)",
        1,
        &|p| p.fetch_usage(&usage).map(drop),
    );
    drop(server);

    // The most account ids one call takes, all found, then none found.
    let server = serve(tenant(MAX_ACCOUNT_IDS, 0), 0);
    let found = FetchUsageInput {
        account_ids: Some((0..MAX_ACCOUNT_IDS).map(customer_id).collect()),
        ..usage_input(&server, Some(vec![BILLABLE.into()]))
    };
    let tenant_size = thousands(MAX_ACCOUNT_IDS);
    measure(
        Kind::AccountIds,
        &ids_limit,
        &format!("{tenant_size} `account_ids`, a tenant of as many customers from the generator"),
        "`fetch_usage` of `billable-users`",
        MAX_ACCOUNT_IDS,
        &|p| p.fetch_usage(&found).map(drop),
    );
    let missing = FetchUsageInput {
        account_ids: Some(
            (0..MAX_ACCOUNT_IDS)
                .map(|index| format!("Gone{index:016}"))
                .collect(),
        ),
        ..usage_input(&server, None)
    };
    measure(
        Kind::AccountIds,
        &ids_limit,
        &format!("{tenant_size} `account_ids` none of which exist, the same tenant: every pair fails as `not_found`, the largest output"),
        "`fetch_usage` of all 7 services",
        MAX_ACCOUNT_IDS,
        &|p| p.fetch_usage(&missing).map(drop),
    );
    maxima
}

/// Writes the section on the documented maxima: the table, the limits and why, and a note on
/// any target the limits miss.
pub fn write_maxima(
    out: &mut String,
    manifest: &PluginManifest,
    maxima: &[Maximum],
    not_met: &mut Vec<String>,
) {
    let limit = manifest.limits.memory_max_pages;
    let body_bytes = manifest.limits.max_http_response_bytes;
    let margin = |peak: &Peak| (f64::from(limit) / f64::from(peak.pages) - 1.0) * 100.0;
    let find = |kind: Kind, call: &str| maxima.iter().find(|m| m.kind == kind && m.call == call);
    let _ = writeln!(out, "\n## Peak memory at the documented maxima\n");
    let _ = writeln!(out, "One call at each documented maximum: a vendor response of just under `max_http_response_bytes`, or `fetch_usage` with `MAX_ACCOUNT_IDS` ids (`plugin/src/usage.rs`). Extism 1.30 counts the growth of every wasm memory of the plugin against `memory_max_pages`: the plugin's own, and the Extism kernel's, where the host writes each response body and the call's input and output. Wasm memory never shrinks. So a body is held twice (the kernel's copy and the plugin's) before the plugin reads it, and the output at least twice (the plugin's JSON and the kernel's copy the host reads); beyond that, memory grows with the customers a call reads and the records it returns, which the body limit alone does not bound. Peak as in the section above; a call the plugin refuses shows the memory it needs to refuse it.\n");
    let _ = writeln!(out, "| documented maximum | input | call | peak | fits {limit} pages ({}) | margin |\n|---|---|---|---|---|---|", mib(limit));
    for maximum in maxima {
        let peak = &maximum.peak;
        let figure = match &peak.outcome {
            Ok(()) => mib(peak.pages),
            Err(e) if peak.fails_anyway() => format!("fails even with 4 GiB: {}", e.message),
            Err(e) => format!(
                "{} to refuse it as `{}`: {}",
                mib(peak.pages),
                class_name(e.class),
                e.message
            ),
        };
        let room = if peak.fits(limit) {
            format!("{:.0} %", margin(peak))
        } else if peak.fails_anyway() {
            String::new()
        } else {
            format!("short by {}", mib(peak.pages - limit))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {figure} | {} | {room} |",
            maximum.limit,
            maximum.input,
            maximum.call,
            if peak.fits(limit) { "yes" } else { "**no**" }
        );
    }

    // The limits, from the rows the plugin should accept (and its refusals, once it refuses).
    let counted: Vec<&Maximum> = maxima
        .iter()
        .filter(|m| m.accepted() || m.peak.outcome.is_err())
        .collect();
    let largest = counted.iter().max_by_key(|m| m.peak.pages).expect("rows");
    let tightest = counted
        .iter()
        .min_by(|a, b| margin(&a.peak).total_cmp(&margin(&b.peak)))
        .expect("rows");
    let all_fit = counted.iter().all(|m| m.peak.fits(limit));
    let enough = all_fit && margin(&tightest.peak) >= 25.0;
    let step = 1024; // 64 MiB
    let needed = (f64::from(largest.peak.pages) * 1.25 / f64::from(step)).ceil() as u32 * step;
    let realistic = find(Kind::Realistic, "`list_accounts`").expect("the realistic row");
    let _ = writeln!(
        out,
        "\n**The limits, and why.** `memory_max_pages` is {limit} pages ({}) and `max_http_response_bytes` {} B ({:.0} MiB). The largest peak of an input the plugin accepts is {} for {} on a {}; the smallest multiple of 64 MiB that leaves every such row 25 % of room is {needed} pages ({}). {}",
        mib(limit),
        thousands(body_bytes as usize),
        body_bytes as f64 / 1048576.0,
        mib(largest.peak.pages),
        largest.call,
        largest.input,
        mib(needed),
        if enough {
            format!("With the manifest's limit every such row fits with at least {:.0} % to spare ({} on a {}), against the 25 % aimed for.", margin(&tightest.peak), tightest.call, tightest.input)
        } else if all_fit {
            format!("The manifest's limit leaves only {:.0} % ({} on a {}), under the 25 % aimed for.", margin(&tightest.peak), tightest.call, tightest.input)
        } else {
            "The manifest's limit does not hold every such row: see the rows marked **no**.".to_owned()
        }
    );
    let _ = writeln!(out, "\n`max_http_response_bytes` stays at {:.0} MiB: realistic customers fill it with {} of them, more than any SaaS Alerts partner has, and lowering it would gain little, since what a call needs beyond twice its body grows with the customers it reads, not with bytes. A `fetch_usage` of the per-platform services makes one vendor request per customer, so `timeout_ms` ({} s) bounds the customers one such call covers long before memory does: {} at the {PER_PLATFORM_LATENCY_MS} ms per request of the per-platform table.", body_bytes as f64 / 1048576.0, thousands(realistic.customers), manifest.limits.timeout_ms / 1000, thousands((manifest.limits.timeout_ms / PER_PLATFORM_LATENCY_MS) as usize));

    // The adversarial list: the cap on customers.
    let minimal = find(Kind::Minimal, "`list_accounts`").expect("the minimal row");
    let at_cap = find(Kind::AtCap, "`list_accounts`").expect("the cap row");
    let capped = maxima
        .iter()
        .filter(|m| m.kind == Kind::Minimal)
        .all(|m| matches!(&m.peak.outcome, Err(e) if e.class == ErrorClass::Vendor));
    let _ = writeln!(out, "\n**Minimal entries.** A body of minimal entries holds {} customers, {:.1} × as many as realistic ones. The plugin reads at most {} customers of one response (`model::MAX_CUSTOMERS`) and refuses a longer list as `vendor`, naming the cap, needing {} to do so; the worst list it accepts, {} customers without names padded to the body limit, needs {}.", thousands(minimal.customers), minimal.customers as f64 / realistic.customers as f64, thousands(CUSTOMERS_CAP), mib(minimal.peak.pages), thousands(at_cap.customers), mib(at_cap.peak.pages));

    let unfit: Vec<String> = maxima
        .iter()
        .filter(|m| !m.peak.fits(limit))
        .map(|m| format!("{} on a {} ({})", m.call, m.input, mib(m.peak.pages)))
        .collect();
    if !unfit.is_empty() || !enough {
        let mut note = format!(
            "**Every documented maximum fits `memory_max_pages` ({}) with 25 % to spare.**",
            mib(limit)
        );
        if !unfit.is_empty() {
            let _ = write!(note, " Not within it: {}.", unfit.join("; "));
        }
        if !capped {
            let _ = write!(note, " The plugin did not refuse the minimal-entries lists past its cap of {} customers.", thousands(CUSTOMERS_CAP));
        }
        if !enough {
            let _ = write!(
                note,
                " The rows the plugin accepts need {} pages for 25 % of room.",
                needed
            );
        }
        not_met.push(note);
    }
}

fn class_name(class: ErrorClass) -> String {
    serde_json::to_value(class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{class:?}"))
}
