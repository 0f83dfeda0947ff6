//! Where the time goes inside the module: `fetch_usage` of `billable-users` on a tenant of
//! 5,000 customers, again and again, sampled by `perf`, each sample named by the wasm function
//! it was in.
//!
//! The benchmark runs itself again under `perf record` with `BENCH_ONLY=profile` and
//! `EXTISM_PROFILE=perf`, which makes wasmtime write `/tmp/perf-<pid>.map` naming each compiled
//! wasm function for `perf`; the module is built unstripped and not passed through `wasm-opt`
//! (which drops the names), into `target/profile/`. By hand:
//!
//! ```sh
//! BENCH_ONLY=profile EXTISM_PROFILE=perf perf record -F 999 -g -o target/bench/perf.data \
//!   cargo bench --bench sync
//! perf report -i target/bench/perf.data --no-children --sort symbol
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::Command;

use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::PluginModule;
use plugin_contract::VendorPlugin;

use crate::measure::manifest_beside;
use crate::support;
use crate::tenant::{serve, tenant, usage_input, BILLABLE};

/// The calls profiled.
const CALLS: usize = 200;
/// The functions each list of the report names.
const SHOWN: usize = 14;
/// The crates of this project, whose functions name the library routines they call.
const OURS: [&str; 3] = ["saas_alerts_plugin::", "vendor_kit::", "plugin_contract::"];

/// Builds the module with its names and runs the profiled load; returns the calls made.
pub fn run(shipped: &PluginManifest) -> usize {
    let root = support::root();
    let folder = root.join("target/profile");
    support::cargo_build(
        &[
            &support::PLUGIN_BUILD[..],
            &["-q", "--target-dir", "target/profile"],
            &["--config", "profile.plugin.strip=false"],
        ]
        .concat(),
    );
    let wasm = "wasm32-unknown-unknown/plugin/saas_alerts_plugin.wasm";
    let manifest = manifest_beside(shipped, &folder, wasm).expect("manifest loads");
    let mut plugin = PluginModule::compile(&manifest, &["127.0.0.1".to_owned()])
        .and_then(|module| module.instantiate())
        .expect("the module loads");
    let server = serve(tenant(5_000, 0), 0);
    let input = usage_input(&server, Some(vec![BILLABLE.into()]));
    for _ in 0..CALLS {
        plugin.fetch_usage(&input).expect("counts");
    }
    CALLS
}

/// The samples of the profiled load, by wasm function.
pub struct Profile {
    /// Samples taken inside wasm (a wasm function on the stack).
    samples: usize,
    /// Samples per function they were taken in (host functions called from wasm marked so).
    own: BTreeMap<String, usize>,
    /// Samples per wasm function on the stack.
    inclusive: BTreeMap<String, usize>,
}

/// Profiles the load under `perf`; `Err` says why it could not (no `perf`, not allowed).
pub fn measure() -> Result<Profile, String> {
    let root = support::root();
    let data = root.join("target/bench/perf.data");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let record = Command::new("perf")
        .args(["record", "-q", "-F", "999", "-g", "-o"])
        .arg(&data)
        .arg(&exe)
        .arg("--bench")
        .env("BENCH_ONLY", "profile")
        .env("EXTISM_PROFILE", "perf")
        .current_dir(root)
        .output()
        .map_err(|e| format!("`perf record` did not start: {e}"))?;
    if !record.status.success() {
        return Err(format!("`perf record` failed ({})", record.status));
    }
    let script = Command::new("perf")
        .args(["script", "-F", "comm,ip,sym,dso", "-i"])
        .arg(&data)
        .output()
        .map_err(|e| format!("`perf script` did not start: {e}"))?;
    Ok(tally(&String::from_utf8_lossy(&script.stdout)))
}

/// Counts the samples of `perf script` output that have a wasm function on their stack.
fn tally(script: &str) -> Profile {
    let mut profile = Profile {
        samples: 0,
        own: BTreeMap::new(),
        inclusive: BTreeMap::new(),
    };
    for sample in script.split("\n\n") {
        // Each frame: `address symbol (dso)`; wasm functions come from the JIT's perf map.
        let frames: Vec<(String, bool)> = sample
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (rest, dso) = line.trim().rsplit_once(" (")?;
                let (_, symbol) = rest.split_once(' ')?;
                let wasm = dso.starts_with("[JIT]") || dso.contains("perf-");
                Some((short_name(symbol), wasm))
            })
            .collect();
        let on_stack: BTreeSet<&String> = frames
            .iter()
            .filter(|(_, wasm)| *wasm)
            .map(|(s, _)| s)
            .collect();
        let Some((leaf, leaf_is_wasm)) = frames.first() else {
            continue;
        };
        if on_stack.is_empty() {
            continue;
        }
        profile.samples += 1;
        let mut own = if *leaf_is_wasm {
            leaf.clone()
        } else {
            format!("(host) {leaf}")
        };
        // A library routine is named with the project's function that called it.
        if !OURS.iter().any(|crate_name| leaf.contains(crate_name)) {
            let caller = frames[1..]
                .iter()
                .find(|(name, wasm)| *wasm && OURS.iter().any(|c| name.contains(c)));
            if let Some((caller, _)) = caller {
                own = format!("{own}, from {caller}");
            }
        }
        *profile.own.entry(own).or_default() += 1;
        for function in on_stack {
            *profile.inclusive.entry(function.clone()).or_default() += 1;
        }
    }
    profile
}

/// Returns `symbol` without its hash and crate disambiguators, and without generic noise.
fn short_name(symbol: &str) -> String {
    let mut name = symbol.to_owned();
    if let Some(at) = name.rfind("::h") {
        if name.len() - at == 19 {
            name.truncate(at);
        }
    }
    // `core[c5930c85a12de822]::…` from v0 mangling.
    while let Some(open) = name.find('[') {
        match name[open..].find(']') {
            Some(17)
                if name[open + 1..open + 17]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit()) =>
            {
                name.replace_range(open..=open + 17, "");
            }
            _ => break,
        }
    }
    name
}

/// Writes the profile's section: the functions that cost the most, by their own samples and
/// with what they call.
pub fn write(out: &mut String, profile: &Result<Profile, String>) {
    let _ = writeln!(out, "\n## Inside the module\n\nWhere a `fetch_usage` of `billable-users` for 5,000 customers spends its time in wasm at the shipped opt-level: {CALLS} calls sampled by `perf record -F 999 -g` with `EXTISM_PROFILE=perf` (wasmtime names each compiled function), the module built with its names (`profile.rs` says how to run it by hand). Own: the samples taken in the function itself (a host function the module called is marked *(host)*); with callees: the samples with the function on the stack.\n");
    let profile = match profile {
        Ok(profile) if profile.samples > 0 => profile,
        Ok(_) => {
            let _ = writeln!(out, "Not measured: `perf` took no sample inside wasm.");
            return;
        }
        Err(why) => {
            let _ = writeln!(out, "Not measured: {why}.");
            return;
        }
    };
    let top = |counts: &BTreeMap<String, usize>| {
        let mut ranked: Vec<(&String, &usize)> = counts.iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        ranked
            .into_iter()
            .take(SHOWN)
            .map(|(name, n)| (name.clone(), 100.0 * *n as f64 / profile.samples as f64))
            .collect::<Vec<_>>()
    };
    let _ = writeln!(out, "{} samples inside wasm.\n\n| own | function | | with callees | function |\n|---|---|---|---|---|", profile.samples);
    let (own, inclusive) = (top(&profile.own), top(&profile.inclusive));
    for (own, inclusive) in own.iter().zip(&inclusive) {
        let _ = writeln!(
            out,
            "| {:.1} % | `{}` | | {:.1} % | `{}` |",
            own.1,
            own.0.replace('|', "\\|"),
            inclusive.1,
            inclusive.0.replace('|', "\\|")
        );
    }
}
