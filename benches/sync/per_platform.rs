//! Per-platform syncs: `fetch_usage` of a service counted from each customer's user list, one
//! vendor request per customer. First in every host against one server that answers at once,
//! then in pools of instances against a server 50 ms late per answer.
//!
//! The floor is what the server itself reports: the sum of its round trips (from each request
//! read to its answer written, the injected latency included), divided by the instances that
//! send at once. What a host adds above it is the host's own: the plugin's work in wasm, the
//! boundary and the host's HTTP.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::{PluginInstance, PluginModule};
use host_harness::runtime::pool::ConnectionPool;
use host_harness::traffic::replay::ReplayServer;
use plugin_contract::{FetchUsageInput, VendorPlugin};

use crate::hosts::{run_script, script_command, setup_node, setup_python, PYTHON};
use crate::measure::{cores, middle, ms, thousands, yes};
use crate::support;
use crate::tenant::{customer_id, serve, tenant, usage_input, write_scenario};

/// The service the hosts' table counts: one request per customer.
const PLATFORM_SERVICE: &str = "billable-users.microsoft-365";
/// The users each generated customer has.
const USERS: usize = 12;
/// The tenant sizes of the hosts' table.
pub const HOST_SIZES: [usize; 2] = [200, 1_000];
/// The vendor's latency in the pools' table.
pub const POOL_LATENCY_MS: u64 = 50;
/// Where a scripted host's time per request goes, as profiled on 2026-12-03.
const HOSTS_NOTE: &str = "What each host adds per request is its own HTTP, profiled on a 1,000-customer sync (2026-12-03; `python -m cProfile -s tottime bench.py …` and `node --cpu-prof bench.js …` against `host-harness serve target/bench/per-platform-1000`). Python: urllib's opener and http.client (`OpenerDirector.open`, `HTTPConnection.request`, the status line and headers parsed by `email.feedparser`), a socket connected and closed per request, and `transport._parse` of the plugin's request; the `allowed_hosts` rule had cost a fifth of it until its normalization was cached. Node: 80 % of the main thread is the wait in `SyncWorker.call` (`sync-worker.js`) for the worker's `node:http` request, a new connection each (`agent: false`), and the hand-off to the worker and back costs 40 to 100 µs. The Rust harness pays for a new connection too, but in native code. A kept-alive connection halved Node's time per request in a trial; it was not adopted, because a connection the vendor closed between two requests would fail a request that a new connection would have made.";
/// The rounds in which the hosts take turns.
const ROUNDS: usize = 3;
/// The instances of the pool whose target the tables check.
const POOL_TARGET: usize = 8;

/// A host timed by its own bench script.
struct Scripted<'a> {
    /// The host, in short.
    name: String,
    /// Its folder in the repository.
    dir: &'a str,
    /// What runs the script.
    program: &'a [&'a str],
    /// The script, in `dir`.
    script: &'a str,
    /// The script's arguments before those every host takes.
    args: Vec<&'a str>,
}

/// One host's per-platform sync, or why it was not measured.
pub struct SyncRow {
    /// The host, with its runtime and SDK.
    pub host: String,
    /// The median sync, or why there is none.
    pub time: Result<Duration, String>,
}

/// The hosts' syncs of one tenant size.
pub struct SizeRows {
    /// The tenant's customers.
    pub customers: usize,
    /// The vendor requests of one sync.
    pub requests: usize,
    /// The sum of the server's round trips of one sync.
    pub floor: Duration,
    /// The pool of [`POOL_TARGET`] instances on the same server; `None` below 1,000 customers.
    pub pool: Option<Duration>,
    /// Rust first, then the scripted hosts.
    pub rows: Vec<SyncRow>,
}

/// Times a per-platform sync of every host on tenants of [`HOST_SIZES`], loading the bundle at
/// `bundle_manifest`: in [`ROUNDS`] rounds in which the hosts take turns, each round a host's
/// median of `runs` syncs; a figure is the median over the rounds, so that a burst of load on
/// this shared machine lands on one round of every host rather than on every run of one.
pub fn measure_hosts(bundle_manifest: &Path, runs: usize) -> Vec<SizeRows> {
    let root = support::root();
    let python_ready = setup_python(&root.join("hosts/python"));
    let node_ready = setup_node(&root.join("hosts/node"));
    let manifest = PluginManifest::load(bundle_manifest).expect("the bundle's manifest loads");
    let module =
        PluginModule::compile(&manifest, &["127.0.0.1".to_owned()]).expect("the bundle loads");
    let services = format!("[\"{PLATFORM_SERVICE}\"]");
    let runs_text = runs.to_string();
    let options = [
        "--service-ids",
        &services,
        "--runs",
        &runs_text,
        "--overhead-calls",
        "1",
    ];
    let node = |sdk| Scripted {
        name: format!("Node, SDK {sdk}"),
        dir: "hosts/node",
        program: &["node"],
        script: "bench.js",
        args: [&["--sdk", sdk][..], &options].concat(),
    };
    let scripted = [
        Scripted {
            name: "Python".to_owned(),
            dir: "hosts/python",
            program: &PYTHON,
            script: "bench.py",
            args: options.to_vec(),
        },
        node("1"),
        node("2"),
    ];
    HOST_SIZES
        .into_iter()
        .map(|customers| {
            let scenario = root.join(format!("target/bench/per-platform-{customers}"));
            write_scenario(&scenario, tenant(customers, USERS));
            let server = ReplayServer::start(&scenario).expect("replay starts");
            let credentials = std::fs::read_to_string(scenario.join("credentials.json"))
                .expect("credentials.json");
            let input = usage_input(&server, Some(vec![PLATFORM_SERVICE.into()]));
            let mut rust = Vec::new();
            let mut floors = Vec::new();
            let mut requests = 0;
            let mut times: Vec<Result<Vec<Duration>, String>> =
                vec![Ok(Vec::new()); scripted.len()];
            let mut versions = vec![String::new(); scripted.len()];
            for _ in 0..ROUNDS {
                let (time, sent, floor) = rust_sync(&module, &server, &input, runs);
                requests = sent;
                floors.push(floor);
                rust.push(time);
                for (at, host) in scripted.iter().enumerate() {
                    let Scripted {
                        dir,
                        program,
                        script: file,
                        args: extra,
                        ..
                    } = host;
                    let Ok(kept) = &mut times[at] else { continue };
                    let ready = if *dir == "hosts/python" {
                        &python_ready
                    } else {
                        &node_ready
                    };
                    let command = script_command(
                        program,
                        file,
                        extra,
                        bundle_manifest,
                        &server,
                        &credentials,
                    );
                    let measured = ready.clone().and_then(|()| {
                        let (report, shown) = run_script(&root.join(dir), &command, customers)?;
                        let fetch_usage = report["fetch_usage_ms"]
                            .as_f64()
                            .ok_or_else(|| format!("printed no fetch_usage_ms: {report}"))?;
                        Ok((Duration::from_secs_f64(fetch_usage / 1000.0), shown))
                    });
                    match measured {
                        Ok((time, shown)) => {
                            kept.push(time);
                            versions[at] = shown;
                        }
                        Err(why) => times[at] = Err(why),
                    }
                }
            }
            let mut rows = vec![SyncRow {
                host: "Rust (`host-harness`, `extism` 1.30)".to_owned(),
                time: Ok(middle(rust)),
            }];
            for (Scripted { name: host, .. }, (time, shown)) in
                scripted.iter().zip(times.into_iter().zip(versions))
            {
                rows.push(match time {
                    Ok(time) => SyncRow {
                        host: format!("{host} ({shown})"),
                        time: Ok(middle(time)),
                    },
                    Err(why) => SyncRow {
                        host: host.clone(),
                        time: Err(why),
                    },
                });
            }
            let pool = (customers >= 1_000).then(|| pool_sync(&module, &input, customers, runs));
            eprintln!("per-platform: {customers} customers measured");
            SizeRows {
                customers,
                requests,
                floor: middle(floors),
                pool,
                rows,
            }
        })
        .collect()
}

/// Times the Rust harness's per-platform sync against `server`: the median of `runs`, the
/// requests of one sync, and the floor (the server's round trips of one sync, on average).
fn rust_sync(
    module: &PluginModule,
    server: &ReplayServer,
    input: &FetchUsageInput,
    runs: usize,
) -> (Duration, usize, Duration) {
    let mut plugin = module.instantiate().expect("instantiates");
    plugin.fetch_usage(input).expect("counts");
    let (served, trips) = (server.served().len(), server.round_trips().len());
    let times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let usage = plugin.fetch_usage(input).expect("counts");
            assert!(usage.failed_accounts.is_empty(), "every account counted");
            started.elapsed()
        })
        .collect();
    // The server notes a round trip once its answer is written, just after the client has it.
    std::thread::sleep(Duration::from_millis(50));
    let requests = (server.served().len() - served) / runs;
    let floor: Duration = server.round_trips()[trips..].iter().sum();
    (middle(times), requests, floor / runs as u32)
}

/// Times a per-platform sync by a pool of [`POOL_TARGET`] instances (`account_ids` sharded).
fn pool_sync(
    module: &PluginModule,
    input: &FetchUsageInput,
    customers: usize,
    runs: usize,
) -> Duration {
    let mut pool = new_pool(module, POOL_TARGET, input);
    let sharded = all_accounts(input, customers);
    pool.fetch_usage(&sharded).expect("counts");
    middle(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                pool.fetch_usage(&sharded).expect("counts");
                started.elapsed()
            })
            .collect(),
    )
}

/// Returns `input` naming every account of a tenant of `customers`: what a pool shards.
fn all_accounts(input: &FetchUsageInput, customers: usize) -> FetchUsageInput {
    FetchUsageInput {
        account_ids: Some((0..customers).map(customer_id).collect()),
        ..input.clone()
    }
}

/// Returns a pool of `instances` new instances of `module` bound to `input`'s credentials.
fn new_pool(
    module: &PluginModule,
    instances: usize,
    input: &FetchUsageInput,
) -> ConnectionPool<PluginInstance> {
    let made: Vec<PluginInstance> = (0..instances)
        .map(|_| module.instantiate().expect("instantiates"))
        .collect();
    ConnectionPool::new(made, input.credentials.clone())
}

/// Writes the hosts' table, and a note for each target missed.
pub fn write_hosts(out: &mut String, sizes: &[SizeRows], runs: usize, not_met: &mut Vec<String>) {
    let mut missed = Vec::new();
    let _ = writeln!(out, "\n## Per-platform sync in every host\n\n`fetch_usage` of `{PLATFORM_SERVICE}` for every account: one request for the customer list, then one user list per customer ({USERS} users each), against one replay server that answers at once (a scenario folder, `target/bench/per-platform-<customers>`). The median over {ROUNDS} rounds, in which the hosts take turns, of each host's median of {runs} syncs after one warm-up, each host timing itself as in *Every host* (`bench.py` and `bench.js` with `--service-ids`). The floor is the sum of the server's round trips during one of the Rust host's syncs (the median over the rounds) (`ReplayServer::round_trips`: each request read to its answer written). The pool is the harness's `ConnectionPool` of {POOL_TARGET} instances, `account_ids` sharded, on the same server: with answers that take no time its sync is bound by the plugin's and the host's work on this machine's {} cores, not by round trips, so its floor/{POOL_TARGET} is shown, not aimed at; the pool's target is read in the next table, where each answer takes {POOL_LATENCY_MS} ms.\n\n| host | customers | requests | sync | × Rust | × floor | target |\n|---|---|---|---|---|---|---|", cores());
    for size in sizes {
        let rust = size
            .rows
            .first()
            .and_then(|r| r.time.as_ref().ok())
            .copied();
        let _ = writeln!(
            out,
            "| floor (the server's round trips) | {} | {} | {} | | 1.00 | |",
            thousands(size.customers),
            size.requests,
            ms(size.floor)
        );
        for (index, row) in size.rows.iter().enumerate() {
            let Ok(time) = row.time else {
                let why = row.time.as_ref().err().map_or("", String::as_str);
                let _ = writeln!(
                    out,
                    "| {} | {} | | not measured: {why} | | | |",
                    row.host,
                    thousands(size.customers)
                );
                continue;
            };
            let to_rust = rust.map_or(f64::NAN, |r| time.as_secs_f64() / r.as_secs_f64());
            let target = if index == 0 {
                String::new()
            } else {
                format!("≤ 1.5 × Rust: {}", yes(to_rust <= 1.5))
            };
            if index > 0 && to_rust > 1.5 {
                missed.push(format!(
                    "{}, {} customers: {to_rust:.2} ×",
                    row.host,
                    thousands(size.customers)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {to_rust:.2} | {:.2} | {target} |",
                row.host,
                thousands(size.customers),
                size.requests,
                ms(time),
                time.as_secs_f64() / size.floor.as_secs_f64()
            );
        }
        if let Some(pool) = size.pool {
            let floor = size.floor / POOL_TARGET as u32;
            let ratio = pool.as_secs_f64() / floor.as_secs_f64();
            let _ = writeln!(
                out,
                "| Rust, a pool of {POOL_TARGET} | {} | {} | {} | {:.2} | {ratio:.2} of floor/{POOL_TARGET} ({}) | |",
                thousands(size.customers),
                size.requests + POOL_TARGET - 1,
                ms(pool),
                rust.map_or(f64::NAN, |r| pool.as_secs_f64() / r.as_secs_f64()),
                ms(floor)
            );
        }
    }
    if !missed.is_empty() {
        not_met.push(format!(
            "**every host's per-platform sync within 1.5 × the Rust host's** ({}). {HOSTS_NOTE}",
            missed.join("; ")
        ));
    }
}

/// Writes the pools' table: 1,000 customers at [`POOL_LATENCY_MS`] per request across pools.
pub fn write_pools(out: &mut String, compiled: &PluginModule, not_met: &mut Vec<String>) {
    let latency = Duration::from_millis(POOL_LATENCY_MS);
    let customers = 1_000;
    let server = serve(tenant(customers, USERS), POOL_LATENCY_MS);
    let input = all_accounts(
        &usage_input(
            &server,
            Some(vec![
                "billable-users.microsoft-365".into(),
                "billable-users.google-workspace".into(),
            ]),
        ),
        customers,
    );
    let _ = writeln!(out, "\n## Per-platform `fetch_usage` in pools, {customers} customers, {} ms per request\n\nSharded by `account_ids` across a pool of instances (`host_harness::runtime::pool`), against a server that answers each request {} ms late and many at once. The floor is the sum of the server's round trips of the sync (each request read to its answer written, the latency included) divided by the pool's instances: one user list per customer plus one customer list per shard.\n\n| pool | wall | vendor requests | floor | wall/floor | target |\n|---|---|---|---|---|---|", latency.as_millis(), latency.as_millis());
    for instances in [1, 4, 8, 16] {
        let mut pool = new_pool(compiled, instances, &input);
        let (served, trips) = (server.served().len(), server.round_trips().len());
        let started = Instant::now();
        let usage = pool.fetch_usage(&input).expect("counts");
        let wall = started.elapsed();
        assert_eq!(usage.records.len(), customers * 2);
        std::thread::sleep(Duration::from_millis(POOL_LATENCY_MS * 2));
        let requests = server.served().len() - served;
        let round_trips: Duration = server.round_trips()[trips..].iter().sum();
        let floor = round_trips / instances as u32;
        let ratio = wall.as_secs_f64() / floor.as_secs_f64();
        let target = if instances == POOL_TARGET {
            if ratio > 1.25 {
                not_met.push(format!("**a pool of {POOL_TARGET} within 1.25 × the floor** ({ratio:.2} ×). See *Per-platform `fetch_usage` in pools*."));
            }
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
}
