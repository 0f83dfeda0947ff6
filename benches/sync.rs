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

use host_harness::manifest::PluginManifest;
use host_harness::plugin::{CompiledVendorPlugin, HostedPlugin};
use host_harness::pool::fetch_usage_sharded;
use host_harness::replay::{Recording, ReplayServer};
use plugin_contract::{Credentials, CredentialsInput, FetchUsageInput, VendorPlugin};
use saas_alerts_plugin::transport::{HttpGet, HttpResponse, TransportError};
use saas_alerts_plugin::SaasAlerts;
use serde_json::{json, Value};
use support::json_exchange;

const SEED: u64 = 0x5aa5_a1e7;
const KEY: &str = "bench-key";
const RUNS: usize = 11;

/// Why the module is over 200 KB, from the size breakdown the run prints.
const SIZE_NOTE: &str = "**`.wasm` ≤ 200 KB.** The size breakdown shows where the bytes are: \
`core` (formatting, and the float parsing and printing serde_json's numbers pull in) and `alloc` \
are two thirds of the code; `rustc_demangle` is std's backtrace printing, linked because the \
PDK's error type is `anyhow`, whose `Debug` can print a backtrace. The plugin's own code is under \
30 KB. `opt-level = \"z\"` instead of `\"s\"` saved 1.4 KB (319,365 vs 320,802 B, measured \
once), so the profile stays at `\"s\"`. Getting under 200 KB needs std without backtraces and \
formatting (nightly `-Z build-std` with `panic_immediate_abort`) or a PDK whose error type is \
not `anyhow`; neither is available on stable Rust 1.95.";

fn main() {
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
        let pages = min_pages(&manifest, &input);
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
        not_met.push(format!("**wasm/native ≤ 1.5 at 5,000 customers** ({ratio5k:.2}). The split table shows two parts. With one account asked for, the same request and parse alone run at {:.2} × native; this run does not break that part down further (wasm code generation and dlmalloc instead of the system allocator are the likely causes, not measured here). Building the 5,000 records, which the plugin encodes as JSON and the host decodes, adds {:.1} ms in wasm against {} natively, where nothing crosses a boundary. The JSON boundary is the contract, so it stays; reading customers without the fields the plugin ignores (`model::LeanCustomer`) cut their memory by a quarter but barely moved the time.", one_wasm / one_native, all_wasm - one_wasm, if all_native - one_native < 1.0 { "less than 1 ms".to_owned() } else { format!("{:.1} ms", all_native - one_native) }));
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
    let latency = Duration::from_millis(50);
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
    let _ = writeln!(out, "\n## Per-platform `fetch_usage`, {customers} customers, {} ms per request\n\nSharded by `account_ids` across a pool of instances (`host_harness::pool`). The floor is requests × latency / N, with requests = one user list per customer plus one customer list per shard.\n\n| pool | wall | vendor requests | floor | wall/floor | target |\n|---|---|---|---|---|---|", latency.as_millis());
    for instances in [1, 4, 8, 16] {
        let mut pool: Vec<HostedPlugin> = (0..instances)
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
    let server = serve(tenant(1, 50_000), 0);
    let input = usage_input(&server, None);
    let pages = min_pages(&manifest, &input);
    let limit = manifest.limits.memory_max_pages;
    let _ = writeln!(
        out,
        "\n## Memory\n\n| measure | figure | target | met |\n|---|---|---|---|"
    );
    row(
        &mut out,
        "peak plugin memory, one customer with 50,000 users (all services)",
        &mib(pages),
        "≤ 64 MiB",
        pages <= 1024,
    );
    row(
        &mut out,
        "manifest `memory_max_pages`",
        &format!("{limit} pages = {}", mib(limit)),
        "set from the measurement",
        true,
    );
    let _ = writeln!(
        out,
        "\nHeadroom of the manifest's limit over the 50,000-user peak: {:.1} ×; over the 20,000-customer peak above: {:.1} ×.",
        f64::from(limit) / f64::from(pages),
        f64::from(limit) / f64::from(peak_20k)
    );
    let _ = writeln!(out, "\nPeak memory is the smallest `memory_max_pages` (64 KiB pages) with which the call succeeds, found by bisection.");

    let _ = writeln!(out, "\n## Targets not met, and why\n");
    if not_met.is_empty() {
        let _ = writeln!(out, "Every target is met in this run.");
    }
    for note in &not_met {
        let _ = writeln!(out, "- {note}");
    }
    let _ = writeln!(out, "\nFigures on this shared 2-core machine move by 10 to 20 % from run to run (the small rows most), so a target close to its limit can be met in one run and missed in the next.");
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

fn compile(manifest: &PluginManifest) -> CompiledVendorPlugin {
    CompiledVendorPlugin::compile(manifest, &["127.0.0.1".to_owned()]).expect("compiles")
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

/// Finds the fewest memory pages with which `input` succeeds, by bisection.
fn min_pages(manifest: &PluginManifest, input: &FetchUsageInput) -> u32 {
    let works = |pages: u32| {
        let mut limited = manifest.clone();
        limited.limits.memory_max_pages = pages;
        let Ok(compiled) = CompiledVendorPlugin::compile(&limited, &["127.0.0.1".to_owned()])
        else {
            return false;
        };
        let Ok(mut plugin) = compiled.instantiate() else {
            return false;
        };
        plugin.fetch_usage(input).is_ok()
    };
    let (mut low, mut high) = (1u32, 65_536u32);
    while low < high {
        let middle = low + (high - low) / 2;
        if works(middle) {
            high = middle
        } else {
            low = middle + 1
        }
    }
    low
}

// ---- the tenant generator ----

/// A small xorshift generator: deterministic tenants from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn customer_id(index: usize) -> String {
    format!("Cu{index:018}")
}

/// Generates `customers` customers with `users` users each: about 40% billable, with guests,
/// shared mailboxes, disabled accounts and several platforms.
fn tenant(customers: usize, users: usize) -> Recording {
    let mut rng = Rng(SEED);
    let mut list = Vec::with_capacity(customers);
    let mut exchanges = Vec::new();
    for index in 0..customers {
        let id = customer_id(index);
        let mut people = Vec::with_capacity(users);
        let mut billable = 0;
        for n in 0..users {
            let platform = ["ms", "google", "slack", "dropbox", "salesforce"]
                [(rng.next() % 100 / 25).min(4) as usize];
            let kind = rng.next() % 10;
            let is_billable = kind < 4;
            billable += u64::from(is_billable);
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
            ][kind as usize];
            people.push(json!({
                "id": format!("u{index}-{n}"), "name": format!("User {n}"), "email": format!("user{n}@c{index}.example"),
                "role": role, "product": {"type": platform}, "accountEnabled": kind != 7,
                "isBillable": is_billable, "ip": format!("203.0.113.{}", n % 250), "time": "2026-11-25T08:14:03.512+00:00"
            }));
        }
        if users == 0 {
            billable = rng.next() % 60;
        }
        let active = rng.chance(90);
        list.push(json!({
            "id": id, "name": format!("Customer {index} & Co"), "customerDomain": format!("c{index}.example"),
            "status": if active { "active" } else { "inactive" }, "products": [{"name": "Microsoft"}],
            "billingUsers": {"count": billable}, "totalAccountsAmount": users,
            "mappedToPSA": if rng.chance(50) { json!([{"product": "autotaskpsa", "mappedTo": format!("{}", 29_000_000 + index)}]) } else { Value::Null }
        }));
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
        source: format!("generated with seed {SEED:#x}"),
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
        let mut response = request.call().map_err(|e| TransportError(e.to_string()))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| TransportError(e.to_string()))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

// ---- measuring and printing ----

fn time(f: impl FnOnce() -> CompiledVendorPlugin) -> Duration {
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
