//! A load to profile inside the module: `fetch_usage` of `billable-users` on a tenant of
//! 5,000 customers, again and again, by a module built with its function names.
//!
//! ```sh
//! BENCH_ONLY=profile EXTISM_PROFILE=perf perf record -F 999 -g -o target/bench/perf.data \
//!   cargo bench --bench sync
//! perf report -i target/bench/perf.data --no-children --sort symbol
//! ```
//!
//! `EXTISM_PROFILE=perf` makes wasmtime write `/tmp/perf-<pid>.map`, which names each compiled
//! wasm function for `perf report`. The module is built unstripped and not passed through
//! `wasm-opt` (which drops the names) into `target/profile/`.

use std::path::Path;

use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::PluginModule;
use plugin_contract::VendorPlugin;

use crate::support;
use crate::tenant::{serve, tenant, usage_input, BILLABLE};

/// The calls profiled.
const CALLS: usize = 200;

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
    let mut manifest = shipped.clone();
    manifest.wasm.path = Path::new("wasm32-unknown-unknown/plugin/saas_alerts_plugin.wasm").into();
    manifest.wasm.sha256 = None;
    let path = folder.join("manifest.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&manifest).expect("JSON"),
    )
    .expect("the manifest is written");
    let manifest = PluginManifest::load(&path).expect("manifest loads");
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
