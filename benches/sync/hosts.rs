//! Every host on one tenant: the native baseline, the Rust harness, and the Python and Node
//! reference hosts, each timing itself (`hosts/python/bench.py`, `hosts/node/bench.js`) against
//! the same replay server of the tenant written as a scenario folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::PluginModule;
use host_harness::traffic::replay::{ReplayServer, REPLAY_URL_PLACEHOLDER};
use plugin_contract::{CredentialsInput, VendorPlugin};
use saas_alerts_plugin::credentials::API_PREFIX;
use saas_alerts_plugin::usage::fetch_usage;
use serde_json::{json, Value};

use crate::measure::{median, middle, ms, thousands, us};
use crate::phases::{Stopwatch, TimedHttp};
use crate::support;
use crate::tenant::{tenant, usage_input, write_scenario, BILLABLE, KEY};

/// Pins uv as `./dev hosts` does.
const UV_VERSION: &str = "0.13.9";
/// Counts the `describe_credentials` calls of the per-call overhead.
const OVERHEAD_CALLS: usize = 201;

/// One host's figures, or why it was not measured.
pub struct HostRow {
    /// The host, in short.
    pub host: String,
    /// Its runtime and Extism SDK.
    pub detail: String,
    /// The medians, or why there are none.
    pub times: Result<HostTimes, String>,
}

/// A host's medians.
pub struct HostTimes {
    /// A `fetch_usage` of `billable-users` for all accounts.
    pub fetch_usage: Duration,
    /// The host's HTTP GET of the customer list, the call's one request.
    pub request: Duration,
    /// A `describe_credentials` call; `None` natively.
    pub call: Option<Duration>,
}

/// Measures every host on a tenant of `customers`, loading the bundle at `bundle_manifest`.
pub fn measure(bundle_manifest: &Path, customers: usize, runs: usize) -> Vec<HostRow> {
    let root = support::root();
    let scenario = root.join(format!("target/bench/tenant-{customers}"));
    write_scenario(&scenario, tenant(customers, 0));
    let server = ReplayServer::start(&scenario).expect("replay starts");
    let credentials =
        std::fs::read_to_string(scenario.join("credentials.json")).expect("credentials.json");
    let probe = json!({ "api_key": KEY }).to_string();
    let probe_url = format!("{REPLAY_URL_PLACEHOLDER}{API_PREFIX}/reports/customers");
    let (runs_text, overhead) = (runs.to_string(), OVERHEAD_CALLS.to_string());
    let timing = [
        "--runs",
        &runs_text,
        "--overhead-calls",
        &overhead,
        "--probe-url",
        &probe_url,
        "--probe-headers",
        &probe,
    ];
    let script = |program: &[&str], file: &str, extra: &[&str]| {
        let extra = [extra, &timing[..]].concat();
        script_command(
            program,
            file,
            &extra,
            bundle_manifest,
            &server,
            &credentials,
        )
    };
    let mut rows = vec![
        HostRow {
            host: "native".to_owned(),
            detail: "the plugin's code without wasm, ureq".to_owned(),
            times: Ok(native(&server, runs)),
        },
        HostRow {
            host: "Rust".to_owned(),
            detail: "`host-harness`, `extism` 1.30".to_owned(),
            times: Ok(rust(bundle_manifest, &server, runs)),
        },
    ];
    let python = root.join("hosts/python");
    let command = script(&PYTHON, "bench.py", &[]);
    rows.push(scripted(
        "Python",
        setup_python(&python).and_then(|()| run(&python, &command, customers)),
    ));
    let node = root.join("hosts/node");
    let node_ready = setup_node(&node);
    for sdk in ["1", "2"] {
        let command = script(&["node"], "bench.js", &["--sdk", sdk]);
        let times = node_ready
            .clone()
            .and_then(|()| run(&node, &command, customers));
        rows.push(scripted(&format!("Node, SDK {sdk}"), times));
    }
    eprintln!("hosts: measured");
    rows
}

/// Returns the row of a host script's result, named by the runtime and SDK it reports.
fn scripted(host: &str, result: Result<(HostTimes, String), String>) -> HostRow {
    match result {
        Ok((times, versions)) => HostRow {
            host: host.to_owned(),
            detail: versions,
            times: Ok(times),
        },
        Err(why) => HostRow {
            host: host.to_owned(),
            detail: String::new(),
            times: Err(why),
        },
    }
}

/// Times the plugin's code natively against `server`.
fn native(server: &ReplayServer, runs: usize) -> HostTimes {
    let input = usage_input(server, Some(vec![BILLABLE.into()]));
    let mut requests = Vec::new();
    let mut call = || {
        let mut http = TimedHttp::default();
        fetch_usage(&mut http, &input).expect("counts");
        requests.push(http.request());
    };
    call();
    let fetch_usage = median(runs, &mut call);
    HostTimes {
        fetch_usage,
        request: middle(requests[1..].to_vec()),
        call: None,
    }
}

/// Times the Rust harness on the bundle against `server`.
fn rust(bundle_manifest: &Path, server: &ReplayServer, runs: usize) -> HostTimes {
    let manifest = PluginManifest::load(bundle_manifest).expect("the bundle's manifest loads");
    let mut plugin = PluginModule::compile(&manifest, &["127.0.0.1".to_owned()])
        .and_then(|module| module.instantiate())
        .expect("the bundle loads");
    let watch = Arc::new(Stopwatch::default());
    plugin.set_observer(watch.clone());
    let input = usage_input(server, Some(vec![BILLABLE.into()]));
    let mut requests = Vec::new();
    let mut call = || {
        plugin.fetch_usage(&input).expect("counts");
        requests.push(watch.last_request());
    };
    call();
    let fetch_usage = median(runs, &mut call);
    let request = middle(requests[1..].to_vec());
    let empty = CredentialsInput::default();
    plugin.describe_credentials(&empty).expect("describes");
    let call = median(OVERHEAD_CALLS, || {
        plugin.describe_credentials(&empty).expect("describes");
    });
    HostTimes {
        fetch_usage,
        request,
        call: Some(call),
    }
}

/// Makes uv available and the Python host's environment synced, as `./dev hosts` does.
pub fn setup_python(dir: &Path) -> Result<(), String> {
    let uv = Command::new("python3")
        .args(["-m", "uv", "--version"])
        .output();
    let pinned = uv.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(UV_VERSION));
    if !pinned {
        let pip = [
            "python3",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ];
        let install = format!("uv=={UV_VERSION}");
        setup_step(dir, &[&pip[..], &[install.as_str()]].concat())?;
    }
    setup_step(dir, &["python3", "-m", "uv", "sync", "--locked", "--quiet"])
}

/// Installs the Node host's packages with `npm ci` when they are missing.
pub fn setup_node(dir: &Path) -> Result<(), String> {
    let installed = ["extism-1", "extism-2"]
        .iter()
        .all(|sdk| dir.join("node_modules").join(sdk).exists());
    if installed {
        return Ok(());
    }
    setup_step(
        dir,
        &["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
    )
}

/// Runs one setup command in `dir`; returns why it failed.
fn setup_step(dir: &Path, command: &[&str]) -> Result<(), String> {
    eprintln!("hosts: {} (in {})", command.join(" "), dir.display());
    let output = Command::new(command[0])
        .args(&command[1..])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("`{}` did not start: {e}", command.join(" ")))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{}` failed ({}): {}",
        command.join(" "),
        output.status,
        last_line(&output.stderr)
    ))
}

/// Runs a host's bench script in `dir` and reads its JSON line: the medians, and the runtime
/// and SDK it ran on.
fn run(dir: &Path, command: &[String], customers: usize) -> Result<(HostTimes, String), String> {
    let (report, versions) = run_script(dir, command, customers)?;
    let number = |key: &str| {
        report[key]
            .as_f64()
            .ok_or_else(|| format!("printed no {key}: {report}"))
    };
    let times = HostTimes {
        fetch_usage: Duration::from_secs_f64(number("fetch_usage_ms")? / 1000.0),
        request: Duration::from_secs_f64(number("request_ms")? / 1000.0),
        call: Some(Duration::from_secs_f64(number("call_overhead_us")? / 1e6)),
    };
    Ok((times, versions))
}

/// Runs a host's bench script in `dir`, checks that it counted one record per customer, and
/// returns its JSON line and the runtime and SDK it ran on.
pub fn run_script(
    dir: &Path,
    command: &[String],
    customers: usize,
) -> Result<(Value, String), String> {
    let until = command.iter().position(|a| a == "--manifest");
    let shown = command[..until.unwrap_or(command.len())].join(" ");
    eprintln!("hosts: {shown} …");
    let output = Command::new(&command[0])
        .args(&command[1..])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("`{shown}` did not start: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{shown}` failed ({}): {}",
            output.status,
            last_line(&output.stderr)
        ));
    }
    let line = last_line(&output.stdout);
    let report: Value = serde_json::from_str(&line)
        .map_err(|e| format!("`{shown}` printed {line:?}, not its JSON: {e}"))?;
    let records = report["records"].as_u64().unwrap_or(0) as usize;
    if records != customers {
        return Err(format!(
            "`{shown}` counted {records} records, not {customers}"
        ));
    }
    let versions = format!(
        "{}, {}",
        report["runtime"].as_str().unwrap_or("?"),
        report["sdk"].as_str().unwrap_or("?")
    );
    Ok((report, versions))
}

/// Returns the command that runs `script` (`bench.py` or `bench.js`) of a host with `program`
/// against `server`, loading `manifest` with the scenario's `credentials` (its JSON text).
pub fn script_command(
    program: &[&str],
    script: &str,
    extra: &[&str],
    manifest: &Path,
    server: &ReplayServer,
    credentials: &str,
) -> Vec<String> {
    let mut command: Vec<String> = program.iter().map(|a| a.to_string()).collect();
    command.push(script.to_owned());
    command.extend(extra.iter().map(|a| a.to_string()));
    command.extend(
        [
            "--manifest",
            &manifest.to_string_lossy(),
            "--replay-url",
            server.base_url(),
            "--credentials-json",
            credentials.trim(),
        ]
        .map(str::to_owned),
    );
    command
}

/// The command that runs the Python host's bench script, as `./dev hosts` runs its tests.
pub const PYTHON: [&str; 7] = [
    "python3", "-m", "uv", "run", "--locked", "--quiet", "python",
];

/// Returns the last non-empty line of a process's output.
fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
        .trim()
        .to_owned()
}

/// Returns the Rust host's `fetch_usage` time, if it was measured.
pub fn rust_time(rows: &[HostRow]) -> Option<Duration> {
    let row = rows.iter().find(|r| r.host == "Rust")?;
    row.times.as_ref().ok().map(|t| t.fetch_usage)
}

/// Writes the hosts table, and how each host differs from the Rust one.
pub fn write(out: &mut String, rows: &[HostRow], customers: usize, runs: usize) {
    let scenario: PathBuf = ["target", "bench", &format!("tenant-{customers}")]
        .iter()
        .collect();
    let _ = writeln!(out, "\n## Every host\n\nThe same bundle (`host_harness::bundle::write_bundle`, as `./dev package`) in each host, against one replay server of a {}-customer tenant, written as a scenario folder (`{}`, which `host-harness serve` also reads). Each host times itself: `fetch_usage` of `billable-users` for all accounts, median of {runs} runs after one warm-up, the output decoded; per-call overhead is `describe_credentials`, median of {OVERHEAD_CALLS} calls. The Python and Node rows are `hosts/python/bench.py` (run with `python3 -m uv run --locked`) and `hosts/node/bench.js`, through each host's adapter. The request is the host's GET of the customer list, the call's one request: timed inside the call for native and Rust (the harness's `Observer`), and alone, through the adapter's own HTTP, for Python (`transport.send`) and Node (`sendSync`).\n", thousands(customers), scenario.display());
    let _ = writeln!(
        out,
        "| host | `fetch_usage`, {} customers | × native | the request | per-call overhead |\n|---|---|---|---|---|",
        thousands(customers)
    );
    let measured: Vec<(&str, &HostTimes)> = rows
        .iter()
        .filter_map(|r| Some((r.host.as_str(), r.times.as_ref().ok()?)))
        .collect();
    let native = measured
        .iter()
        .find(|(_, t)| t.call.is_none())
        .map(|(_, t)| t.fetch_usage);
    for row in rows {
        match &row.times {
            Ok(times) => {
                let ratio = native.map_or(String::new(), |n| {
                    format!("{:.2}", times.fetch_usage.as_secs_f64() / n.as_secs_f64())
                });
                let call = times.call.map_or("—".to_owned(), us);
                let _ = writeln!(
                    out,
                    "| {} ({}) | {} | {ratio} | {} | {call} |",
                    row.host,
                    row.detail,
                    ms(times.fetch_usage),
                    ms(times.request)
                );
            }
            Err(why) => {
                let _ = writeln!(out, "| {} | not measured: {why} | | | |", row.host);
            }
        }
    }
    let rest = |t: &HostTimes| t.fetch_usage.saturating_sub(t.request);
    let Some((_, rust)) = measured.iter().find(|(host, _)| *host == "Rust") else {
        return;
    };
    let others: Vec<String> = measured
        .iter()
        .filter(|(host, t)| t.call.is_some() && *host != "Rust")
        .map(|(host, t)| {
            let signed = |a: Duration, b: Duration| {
                let ms = (a.as_secs_f64() - b.as_secs_f64()) * 1000.0;
                format!("{ms:+.1} ms")
            };
            format!(
                "{host} {} in the request and {} in the rest",
                signed(t.request, rust.request),
                signed(rest(t), rest(rust))
            )
        })
        .collect();
    let _ = writeln!(out, "\nThe rest of a call (the call less its request: the plugin's work in wasm, the boundary and the host's decoding) takes {} in the Rust host. Against it: {}. The Node adapter makes each request in a worker thread it waits for (`Atomics.wait`: Node host functions are synchronous; see `hosts/node/README.md`).", ms(rest(rust)), others.join("; "));
}
