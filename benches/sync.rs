//! Sync performance: round trips, CPU inside wasm and memory, side by side in one run.
//!
//! Run with `cargo bench --bench sync`; it prints one table and writes it to `BENCHMARKS.md`.
//! Tenants are generated from a fixed seed (nothing large is committed) and served by the
//! replay server on 127.0.0.1, with injected latency where the table says so.

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use fastrand::Rng;
use host_harness::checks::replay::{Exchange, Recording, ReplayServer};
use host_harness::runtime::manifest::{PluginManifest, MAX_MEMORY_PAGES};
use host_harness::runtime::plugin::{PluginInstance, PluginModule};
use host_harness::runtime::pool::fetch_usage_sharded;
use plugin_contract::{
    Credentials, CredentialsInput, ErrorClass, FetchUsageInput, PluginError, VendorPlugin,
};
use saas_alerts_plugin::usage::MAX_ACCOUNT_IDS;
use saas_alerts_plugin::SaasAlerts;
use serde_json::{json, Value};
use support::json_exchange;
use vendor_kit::http::{HttpGet, HttpResponse, TransportError};

/// Seeds the `fastrand` generator of the tenants; the data also changes with `fastrand`'s
/// algorithm, should a new version change it.
const DATA_SEED: u64 = 0x5aa5_a1e7;
const KEY: &str = "bench-key";
const RUNS: usize = 11;
/// The vendor's latency in the per-platform table.
const PER_PLATFORM_LATENCY_MS: u64 = 50;

/// Why the module is over 200 KB, from the size breakdown the run prints.
const SIZE_NOTE: &str = "**`.wasm` ≤ 200 KB.** The size breakdown shows where the bytes are: \
`core` (formatting, and the float parsing and printing serde_json's numbers pull in) and `alloc` \
are two thirds of the code; `rustc_demangle` is std's backtrace printing, linked because the \
PDK's error type is `anyhow`, whose `Debug` can print a backtrace. The plugin's own code is about \
40 KB (see the breakdown). `opt-level = \"z\"` instead of `\"s\"` saved 1.4 KB (319,365 vs 320,802 B, measured \
once), so the profile stays at `\"s\"`. Getting under 200 KB needs std without backtraces and \
formatting (nightly `-Z build-std` with `panic_immediate_abort`) or a PDK whose error type is \
not `anyhow`; neither is available on stable Rust 1.95.";

fn main() {
    let run_started = Instant::now();
    support::build_plugin();
    let root = support::root();
    let manifest = PluginManifest::load(&root.join("manifest.json")).expect("manifest loads");
    let mut out = String::new();
    let command = "cargo bench --bench sync";
    let _ = writeln!(out, "# Benchmarks\n\nReproduce with `{command}` (release build; writes this file). Machine: {} cores, {}.\n", cores(), machine());

    // ---- the module ----
    let wasm = manifest.read_wasm().expect("wasm built");
    let gzipped = gzip_size(&wasm);
    std::env::set_var("EXTISM_CACHE_CONFIG", "");
    let cold = time(|| compile(&manifest));
    std::env::remove_var("EXTISM_CACHE_CONFIG");
    compile(&manifest);
    let cached = time(|| compile(&manifest));
    let compiled = compile(&manifest);
    let instantiate = average(20, || {
        compiled.instantiate().expect("instantiates");
    });
    let mut plugin = compiled.instantiate().expect("instantiates");
    let empty = CredentialsInput::default();
    let _ = plugin.describe_credentials(&empty);
    let call = average(200, || {
        plugin.describe_credentials(&empty).expect("describes");
    });
    let _ = writeln!(
        out,
        "## The module\n\n| measure | figure | target | met |\n|---|---|---|---|"
    );
    row(
        &mut out,
        "plugin `.wasm`, raw",
        &format!("{} B", wasm.len()),
        "≤ 200 KB",
        wasm.len() <= 200_000,
    );
    row(
        &mut out,
        "plugin `.wasm`, gzip -9",
        &format!("{gzipped} B"),
        "",
        true,
    );
    row(&mut out, "compile, cold (cache off)", &ms(cold), "", true);
    row(
        &mut out,
        "compile, cached",
        &ms(cached),
        "≤ 50 ms",
        cached <= Duration::from_millis(50),
    );
    row(
        &mut out,
        "instantiate",
        &ms(instantiate),
        "≤ 5 ms",
        instantiate <= Duration::from_millis(5),
    );
    row(
        &mut out,
        "per-call overhead (`describe_credentials`)",
        &us(call),
        "",
        true,
    );
    let _ = writeln!(out, "\nWhere the code section's bytes go, per crate, from an unstripped build (`benches/wasm_sizes.py`):\n\n```\n{}```", size_breakdown());

    // ---- billable-users: one request for the whole tenant ----
    let _ = writeln!(out, "\n## `fetch_usage` of `billable-users`\n\nMedian of {RUNS} runs after one warm-up; native is the same plugin code compiled natively, with ureq for HTTP and no wasm: the floor for this work on this machine.\n\n| customers | wasm | native | wasm/native | vendor requests | peak plugin memory |\n|---|---|---|---|---|---|");
    let mut times = Vec::new();
    let mut peak_20k = 0;
    for customers in [1_000, 5_000, 20_000] {
        let server = serve(tenant(customers, 0), 0);
        let input = usage_input(&server, Some(vec!["billable-users".into()]));
        let before = server.served().len();
        let wasm_time = median(5, || {
            plugin.fetch_usage(&input).expect("counts");
        });
        let requests = (server.served().len() - before) / 5;
        let native_time = median(5, || {
            SaasAlerts::new(NativeHttp)
                .fetch_usage(&input)
                .expect("counts");
        });
        let pages = min_pages(&manifest, |p| p.fetch_usage(&input).map(drop)).pages;
        peak_20k = pages;
        let ratio = wasm_time.as_secs_f64() / native_time.as_secs_f64();
        times.push((customers, wasm_time, native_time, requests));
        let _ = writeln!(
            out,
            "| {customers} | {} | {} | {ratio:.2} | {requests} | {} |",
            ms(wasm_time),
            ms(native_time),
            mib(pages)
        );
    }
    // Where the time goes at 5,000 customers: the same parse with one account asked for leaves
    // out building, encoding and decoding the 5,000 records.
    let server = serve(tenant(5_000, 0), 0);
    let all = usage_input(&server, Some(vec!["billable-users".into()]));
    let one = FetchUsageInput {
        account_ids: Some(vec![customer_id(0)]),
        ..all.clone()
    };
    let mut split = Vec::new();
    for input in [&all, &one] {
        plugin.fetch_usage(input).expect("counts");
        split.push(median(RUNS, || {
            plugin.fetch_usage(input).expect("counts");
        }));
        split.push(median(RUNS, || {
            SaasAlerts::new(NativeHttp)
                .fetch_usage(input)
                .expect("counts");
        }));
    }
    let _ = writeln!(out, "\nAt 5,000 customers, all accounts vs one account asked for (same request and parse; one record instead of 5,000 to build and carry across the boundary as JSON):\n\n| accounts asked | wasm | native | wasm/native |\n|---|---|---|---|");
    for (label, wasm_time, native_time) in
        [("all", split[0], split[1]), ("one", split[2], split[3])]
    {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {:.2} |",
            ms(wasm_time),
            ms(native_time),
            wasm_time.as_secs_f64() / native_time.as_secs_f64()
        );
    }
    let (_, t5k, native5k, _) = times[1];
    let (_, t20k, native20k, _) = times[2];
    let ratio5k = t5k.as_secs_f64() / native5k.as_secs_f64();
    let growth = t20k.as_secs_f64() / t5k.as_secs_f64();
    let native_growth = native20k.as_secs_f64() / native5k.as_secs_f64();
    let mut not_met = Vec::new();
    if wasm.len() > 200_000 {
        not_met.push(SIZE_NOTE.to_owned());
    }
    if ratio5k > 1.5 {
        let [all_wasm, all_native, one_wasm, one_native] =
            [split[0], split[1], split[2], split[3]].map(|d| d.as_secs_f64() * 1000.0);
        not_met.push(format!("**wasm/native ≤ 1.5 at 5,000 customers** ({ratio5k:.2}). The split table shows two parts. With one account asked for, the same request and parse alone run at {:.2} × native; this run does not break that part down further (wasm code generation and dlmalloc instead of the system allocator are the likely causes, not measured here). Building the 5,000 records, which the plugin encodes as JSON and the host decodes, adds {:.1} ms in wasm against {} natively, where nothing crosses a boundary. The JSON boundary is the contract, so it stays.", one_wasm / one_native, all_wasm - one_wasm, if all_native - one_native < 1.0 { "less than 1 ms".to_owned() } else { format!("{:.1} ms", all_native - one_native) }));
    }
    if growth > 4.5 {
        not_met.push(format!("**20,000 customers ≤ 4.5 × the 5,000 time** ({growth:.2} ×). The native baseline grows {native_growth:.2} × over the same step, so the excess is in the work both share, not in wasm: indexing and sorting customers by id is n log n (4 × log 20,000 / log 5,000 ≈ 4.65)."));
    }
    let _ = writeln!(out, "\n| target | figure | met |\n|---|---|---|");
    let one_request = times.iter().all(|t| t.3 == 1);
    let _ = writeln!(
        out,
        "| 1 vendor request whatever the number of customers | {} | {} |",
        times
            .iter()
            .map(|t| t.3.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        yes(one_request)
    );
    let _ = writeln!(
        out,
        "| wasm/native ≤ 1.5 at 5,000 customers | {ratio5k:.2} | {} |",
        yes(ratio5k <= 1.5)
    );
    let _ = writeln!(
        out,
        "| 20,000 customers ≤ 4.5 × the 5,000 time | {growth:.2} × | {} |",
        yes(growth <= 4.5)
    );

    // ---- per-platform: one request per customer, 50 ms each ----
    let latency = Duration::from_millis(PER_PLATFORM_LATENCY_MS);
    let customers = 1_000;
    let server = serve(tenant(customers, 12), latency.as_millis() as u64);
    let input = FetchUsageInput {
        account_ids: Some((0..customers).map(customer_id).collect()),
        ..usage_input(
            &server,
            Some(vec![
                "billable-users.microsoft-365".into(),
                "billable-users.google-workspace".into(),
            ]),
        )
    };
    let _ = writeln!(out, "\n## Per-platform `fetch_usage`, {customers} customers, {} ms per request\n\nSharded by `account_ids` across a pool of instances (`host_harness::runtime::pool`). The floor is requests × latency / N, with requests = one user list per customer plus one customer list per shard.\n\n| pool | wall | vendor requests | floor | wall/floor | target |\n|---|---|---|---|---|---|", latency.as_millis());
    for instances in [1, 4, 8, 16] {
        let mut pool: Vec<PluginInstance> = (0..instances)
            .map(|_| compiled.instantiate().expect("instantiates"))
            .collect();
        let before = server.served().len();
        let started = Instant::now();
        let usage = fetch_usage_sharded(&mut pool, &input).expect("counts");
        let wall = started.elapsed();
        assert_eq!(usage.records.len(), customers * 2);
        let requests = server.served().len() - before;
        let floor = latency.mul_f64(requests as f64 / instances as f64);
        let ratio = wall.as_secs_f64() / floor.as_secs_f64();
        let target = if instances == 8 {
            format!("≤ 1.25: {}", yes(ratio <= 1.25))
        } else {
            String::new()
        };
        let label = if instances == 1 {
            "1 (sequential)".to_owned()
        } else {
            instances.to_string()
        };
        let _ = writeln!(
            out,
            "| {label} | {} | {requests} | {} | {ratio:.2} | {target} |",
            ms(wall),
            ms(floor)
        );
    }

    // ---- memory: one customer with 50,000 users ----
    let limit = manifest.limits.memory_max_pages;
    let server = serve(tenant(1, 50_000), 0);
    let input = usage_input(&server, None);
    let pages = min_pages(&manifest, |p| p.fetch_usage(&input).map(drop)).pages;
    drop(server);
    let _ = writeln!(
        out,
        "\n## Memory\n\n| measure | figure | target | met |\n|---|---|---|---|"
    );
    row(
        &mut out,
        "peak plugin memory, one customer with 50,000 users (all services)",
        &mib(pages),
        "≤ `memory_max_pages`",
        pages <= limit,
    );
    row(
        &mut out,
        "manifest `memory_max_pages`",
        &format!("{limit} pages = {}", mib(limit)),
        "set from the measurements below",
        true,
    );
    let _ = writeln!(
        out,
        "\nHeadroom of the manifest's limit over the 50,000-user peak: {:.1} ×; over the 20,000-customer peak above: {:.1} ×.",
        f64::from(limit) / f64::from(pages),
        f64::from(limit) / f64::from(peak_20k)
    );
    let _ = writeln!(out, "\nPeak memory is the smallest `memory_max_pages` (64 KiB pages) with which the call succeeds, found by bisection (to within 0.4 %, one page for small peaks). It counts every wasm memory of the plugin, as Extism's limit does: see the next section.");

    // ---- memory at the documented maxima ----
    let maxima = measure_maxima(&manifest);
    write_maxima(&mut out, &manifest, &maxima, &mut not_met);

    let _ = writeln!(out, "\n## Targets not met, and why\n");
    if not_met.is_empty() {
        let _ = writeln!(out, "Every target is met in this run.");
    }
    for note in &not_met {
        let _ = writeln!(out, "- {note}");
    }
    let _ = writeln!(out, "\nFigures on this shared 2-core machine move by 10 to 20 % from run to run (the small rows most), so a target close to its limit can be met in one run and missed in the next. Memory figures do not: allocation is deterministic, so they repeat to the page.");
    let _ = writeln!(
        out,
        "\nThis run took {:.1} min.",
        run_started.elapsed().as_secs_f64() / 60.0
    );
    print!("{out}");
    let mut file = std::fs::File::create(root.join("BENCHMARKS.md")).expect("BENCHMARKS.md");
    file.write_all(out.as_bytes()).expect("written");
}

/// Builds the plugin unstripped and returns the per-crate code sizes `benches/wasm_sizes.py`
/// reports (its 12 largest lines).
fn size_breakdown() -> String {
    let root = support::root();
    let unstripped = [
        "-q",
        "--target-dir",
        "target/sizes",
        "--config",
        "profile.plugin.strip=false",
    ];
    support::cargo_build(&[&support::PLUGIN_BUILD[..], &unstripped[..]].concat());
    let wasm = root.join("target/sizes/wasm32-unknown-unknown/plugin/saas_alerts_plugin.wasm");
    let report = std::process::Command::new("python3")
        .arg(root.join("benches/wasm_sizes.py"))
        .arg(&wasm)
        .output();
    match report {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            text.lines()
                .skip(1)
                .take(12)
                .map(|l| format!("{l}\n"))
                .collect()
        }
        _ => "(not measured: the unstripped build or python3 failed)\n".to_owned(),
    }
}

fn compile(manifest: &PluginManifest) -> PluginModule {
    PluginModule::compile(manifest, &["127.0.0.1".to_owned()]).expect("compiles")
}

fn serve(recording: Recording, latency_ms: u64) -> ReplayServer {
    let mut recording = recording;
    if latency_ms > 0 {
        for exchange in &mut recording.exchanges {
            exchange.response.delay_ms = Some(latency_ms);
        }
    }
    let credentials: Credentials = [("api_key", KEY), ("api_url", "{replay_url}")]
        .into_iter()
        .collect();
    ReplayServer::serve(recording, credentials).expect("replay starts")
}

fn usage_input(server: &ReplayServer, services: Option<Vec<String>>) -> FetchUsageInput {
    FetchUsageInput {
        credentials: server.credentials().clone(),
        as_of: "2026-11-01T00:00:00Z".into(),
        account_ids: None,
        service_ids: services,
    }
}

/// How a call ends given all the memory wasm32 can address, and the least memory it needs to
/// end that way.
struct Peak {
    /// The fewest 64 KiB pages with which the call ends as it does with 4 GiB; meaningless when
    /// `outcome` is an `internal` error.
    pages: u32,
    /// `Ok`, or the error the plugin gives even with 4 GiB (a refusal naming a limit).
    outcome: Result<(), PluginError>,
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
fn min_pages(
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
struct Maximum {
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

const BILLABLE: &str = "billable-users";

/// The most customers the plugin reads from one response (issue 8, item 12).
const CUSTOMERS_CAP: usize = saas_alerts_plugin::model::MAX_CUSTOMERS;

/// Measures the peak memory of a call at each documented maximum: a vendor response of
/// (just under) `max_http_response_bytes` of realistic customers, of minimal ones, of
/// [`CUSTOMERS_CAP`] customers without names, and of one customer's users; and
/// `fetch_usage` with [`MAX_ACCOUNT_IDS`] ids, found and not found.
fn measure_maxima(manifest: &PluginManifest) -> Vec<Maximum> {
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
fn write_maxima(
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

// ---- the tenant generator ----

/// Returns `true` `percent` times in 100, drawn from `rng`.
fn chance(rng: &mut Rng, percent: u8) -> bool {
    rng.u8(..100) < percent
}

fn customer_id(index: usize) -> String {
    format!("Cu{index:018}")
}

/// Generates `customers` customers with `users` users each: about 40% billable, with guests,
/// shared mailboxes, disabled accounts and several platforms.
fn tenant(customers: usize, users: usize) -> Recording {
    let mut rng = Rng::with_seed(DATA_SEED);
    let mut list = Vec::with_capacity(customers);
    let mut exchanges = Vec::new();
    for index in 0..customers {
        let id = customer_id(index);
        let mut people = Vec::with_capacity(users);
        let mut billable = 0;
        for n in 0..users {
            let (user, is_billable) = user_entry(&mut rng, index, n);
            billable += u64::from(is_billable);
            people.push(user);
        }
        if users == 0 {
            billable = rng.u64(..60);
        }
        list.push(customer_entry(&mut rng, index, billable, users));
        if users > 0 {
            exchanges.push(json_exchange(
                "/reports/users",
                Some(&id),
                &[],
                Value::Array(people),
            ));
        }
    }
    exchanges.insert(
        0,
        json_exchange("/reports/customers", None, &[], Value::Array(list)),
    );
    Recording {
        source: format!("generated with seed {DATA_SEED:#x}"),
        exchanges,
    }
}

/// One customer of the generator, with `billable` billing users out of `users` accounts.
fn customer_entry(rng: &mut Rng, index: usize, billable: u64, users: usize) -> Value {
    let active = chance(rng, 90);
    json!({
        "id": customer_id(index), "name": format!("Customer {index} & Co"), "customerDomain": format!("c{index}.example"),
        "status": if active { "active" } else { "inactive" }, "products": [{"name": "Microsoft"}],
        "billingUsers": {"count": billable}, "totalAccountsAmount": users,
        "mappedToPSA": if chance(rng, 50) { json!([{"product": "autotaskpsa", "mappedTo": format!("{}", 29_000_000 + index)}]) } else { Value::Null }
    })
}

/// User `n` of customer `index` from the generator, and whether it is billable.
fn user_entry(rng: &mut Rng, index: usize, n: usize) -> (Value, bool) {
    let platform = ["ms", "google", "slack", "dropbox", "salesforce"][rng.usize(..4)];
    let kind = rng.usize(..10);
    let is_billable = kind < 4;
    let role = [
        "user",
        "user",
        "Global Administrator",
        "user",
        "guest",
        "shared mailbox",
        "service account",
        "user",
        "user",
        "user",
    ][kind];
    let user = json!({
        "id": format!("u{index}-{n}"), "name": format!("User {n}"), "email": format!("user{n}@c{index}.example"),
        "role": role, "product": {"type": platform}, "accountEnabled": kind != 7,
        "isBillable": is_billable, "ip": format!("203.0.113.{}", n % 250), "time": "2026-11-25T08:14:03.512+00:00"
    });
    (user, is_billable)
}

/// A JSON list of `entry(0)`, `entry(1)`, … with as many entries as fit in `max_bytes`;
/// returns the list and the number of entries.
fn list_body(max_bytes: usize, mut entry: impl FnMut(usize) -> String) -> (String, usize) {
    let mut body = String::with_capacity(max_bytes);
    body.push('[');
    let mut count = 0;
    loop {
        let next = entry(count);
        // The entry, a comma before it and the closing bracket.
        if body.len() + next.len() + 2 > max_bytes {
            break;
        }
        if count > 0 {
            body.push(',');
        }
        body.push_str(&next);
        count += 1;
    }
    body.push(']');
    (body, count)
}

/// Records `GET /reportApi/api/v1<path>[?customerId=…]` answered 200 with `body` as is.
fn text_exchange(path: &str, customer_id: Option<&str>, body: String) -> Exchange {
    let mut exchange = json_exchange(path, customer_id, &[], Value::Null);
    exchange.response.body = None;
    exchange.response.body_text = Some(body);
    exchange
}

/// A recording of `exchanges`, made by this benchmark.
fn recording(exchanges: Vec<Exchange>) -> Recording {
    Recording {
        source: format!("generated with seed {DATA_SEED:#x}"),
        exchanges,
    }
}

// ---- the native baseline's HTTP ----

/// The plugin's transport, natively: ureq, no wasm.
struct NativeHttp;

impl HttpGet for NativeHttp {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
        let mut request = ureq::get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request
            .call()
            .map_err(|e| TransportError::connection(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| TransportError::connection(e.to_string()))?;
        Ok(HttpResponse { status, body })
    }
}

// ---- measuring and printing ----

fn time(f: impl FnOnce() -> PluginModule) -> Duration {
    let started = Instant::now();
    drop(f());
    started.elapsed()
}

fn average(runs: u32, mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..runs {
        f();
    }
    started.elapsed() / runs
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn gzip_size(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip").len()
}

fn row(out: &mut String, measure: &str, figure: &str, target: &str, met: bool) {
    let met = if target.is_empty() { "" } else { yes(met) };
    let _ = writeln!(out, "| {measure} | {figure} | {target} | {met} |");
}

fn yes(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**not met**"
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(pages: u32) -> String {
    format!("{:.1} MiB", f64::from(pages) * 64.0 / 1024.0)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}
