//! What every end-to-end test needs: the plugin built to wasm and compiled once per test binary,
//! a replay server per scenario, and JSON made fit for a snapshot.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::{PluginInstance, PluginModule};
use host_harness::traffic::replay::{Exchange, RecordedRequest, RecordedResponse, ReplayServer};
use plugin_contract::{Credentials, CredentialsInput, FetchUsageInput, PluginError};
use serde::Serialize;

/// A key no output may ever contain.
pub const SECRET_KEY: &str = "sa-TEST-key-0f1e2d3c4b5a-must-never-leak";

/// The instant every sync in the tests is counted as of.
pub const AS_OF: &str = "2026-11-01T00:00:00Z";

/// Returns the repository's root folder.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Returns cargo's target folder.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Runs `cargo build` with `args`, failing loudly.
pub fn cargo_build(args: &[&str]) {
    let mut command = nested(Command::new(env!("CARGO")));
    let status = command
        .arg("build")
        .args(args)
        .current_dir(root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build {args:?} failed");
}

/// Gives a nested build the environment the outer `cargo test` had.
///
/// Cargo gives a test the variables of its package (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, …);
/// build scripts that track them (ring's does) would rebuild half the tree on every run.
pub fn nested(mut command: Command) -> Command {
    for (name, _) in std::env::vars() {
        let set_by_cargo_for_tests = [
            "CARGO_MANIFEST_",
            "CARGO_PKG_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_",
            "CARGO_TARGET_TMPDIR",
        ];
        if set_by_cargo_for_tests
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            command.env_remove(name);
        }
    }
    command
}

/// The `cargo build` arguments of the plugin's wasm, before `wasm-opt` shrinks it.
pub const PLUGIN_BUILD: [&str; 6] = [
    "-p",
    "saas-alerts-plugin",
    "--target",
    "wasm32-unknown-unknown",
    "--profile",
    "plugin",
];

/// Builds the plugin's wasm as `./dev build` does (cargo, then `wasm-opt`) once per test
/// binary: the tests run the module the manifest names, the one a host gets.
pub fn build_plugin() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = nested(Command::new(root().join("dev")))
            .arg("build")
            .current_dir(root())
            .status()
            .expect("./dev runs");
        assert!(status.success(), "./dev build failed");
    });
}

/// Returns the plugin's wasm as the manifest names it.
pub fn plugin_wasm() -> PathBuf {
    target_dir().join("plugin/saas_alerts_plugin.wasm")
}

/// Builds the fake vendor plugin of `tests/fake-vendor` once per test binary, and copies its
/// wasm beside its manifest (a manifest's module must be inside the manifest's folder).
pub fn build_fake_vendor() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        cargo_build(&[
            "-p",
            "fake-vendor-plugin",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "plugin",
        ]);
        let built = target_dir().join("wasm32-unknown-unknown/plugin/fake_vendor_plugin.wasm");
        let beside = root().join("tests/fake-vendor/fake_vendor_plugin.wasm");
        std::fs::copy(built, beside).expect("the fake vendor's wasm is copied");
    });
}

/// Returns the fake vendor plugin, loaded by its own manifest.
pub fn fake_vendor() -> &'static PluginModule {
    static COMPILED: OnceLock<PluginModule> = OnceLock::new();
    COMPILED.get_or_init(|| {
        build_fake_vendor();
        let path = root().join("tests/fake-vendor/manifest.json");
        let manifest = PluginManifest::load(&path).expect("manifest loads");
        PluginModule::compile(&manifest, &[]).expect("fake vendor compiles")
    })
}

/// Builds the `host-harness` binary once per test binary and returns its path.
pub fn harness_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            build_plugin();
            build_fake_vendor();
            cargo_build(&["-p", "host-harness", "--bin", "host-harness"]);
            target_dir().join("debug").join("host-harness")
        })
        .clone()
}

/// Returns the plugin from the repository's `manifest.json`, allowed to reach 127.0.0.1.
pub fn compiled_plugin() -> &'static PluginModule {
    static COMPILED: OnceLock<PluginModule> = OnceLock::new();
    COMPILED.get_or_init(|| compile_with(|_| {}))
}

/// Compiles the plugin from `manifest.json` changed by `change`, allowed to reach 127.0.0.1.
pub fn compile_with(change: impl FnOnce(&mut PluginManifest)) -> PluginModule {
    build_plugin();
    let mut manifest = PluginManifest::load(&root().join("manifest.json")).expect("manifest loads");
    change(&mut manifest);
    PluginModule::compile(&manifest, &["127.0.0.1".to_owned()]).expect("plugin compiles")
}

/// A scenario of `fixtures/` being replayed to a fresh plugin instance.
pub struct Scenario {
    pub replay: ReplayServer,
    pub plugin: PluginInstance,
    pub credentials: Credentials,
}

impl Scenario {
    /// Starts replaying `fixtures/<name>` with the recognizable [`SECRET_KEY`] as the key.
    pub fn start(name: &str) -> Scenario {
        Scenario::start_with(name, compiled_plugin())
    }

    /// Starts replaying `fixtures/<name>` to an instance of `compiled`.
    pub fn start_with(name: &str, compiled: &PluginModule) -> Scenario {
        let replay =
            ReplayServer::start(&root().join("fixtures").join(name)).expect("replay starts");
        Scenario::with_replay(replay, compiled)
    }

    /// Runs `replay` (its credentials may use `{replay_url}`) against an instance of `compiled`.
    pub fn with_replay(replay: ReplayServer, compiled: &PluginModule) -> Scenario {
        let mut credentials = replay.credentials().clone();
        credentials.insert("api_key", SECRET_KEY);
        let plugin = compiled.instantiate().expect("plugin instantiates");
        Scenario {
            replay,
            plugin,
            credentials,
        }
    }

    /// Returns the call input carrying the scenario's credentials.
    pub fn input(&self) -> CredentialsInput {
        CredentialsInput::new(self.credentials.clone())
    }

    /// Returns a `fetch_usage` input as of [`AS_OF`] with optional filters.
    pub fn usage_input(
        &self,
        accounts: Option<&[&str]>,
        services: Option<&[&str]>,
    ) -> FetchUsageInput {
        let owned = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect();
        FetchUsageInput {
            credentials: self.credentials.clone(),
            as_of: AS_OF.to_owned(),
            account_ids: accounts.map(owned),
            service_ids: services.map(owned),
        }
    }

    /// Returns a call's result with the vendor requests it made, as pretty JSON fit for a
    /// snapshot (fields in the contract's order).
    pub fn step<T: Serialize>(&self, result: Result<T, PluginError>) -> String {
        #[derive(Serialize)]
        struct Step<T> {
            result: Outcome<T>,
            vendor_requests: Vec<String>,
        }
        self.replay
            .check_unmatched()
            .expect("every request was recorded");
        let step = Step {
            result: Outcome::from(result),
            vendor_requests: self
                .replay
                .served()
                .iter()
                .map(|s| format!("{} -> {}", s.request, s.status))
                .collect(),
        };
        scrub(&serde_json::to_string_pretty(&step).expect("step serializes"))
    }
}

/// Records `GET /reportApi/api/v1<path>[?customerId=…]` answered 200 with a JSON `body`; the
/// request must carry `headers`.
pub fn json_exchange(
    path: &str,
    customer_id: Option<&str>,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> Exchange {
    Exchange {
        request: RecordedRequest {
            method: "GET".into(),
            path: format!("/reportApi/api/v1{path}"),
            query: customer_id
                .map(|id| ("customerId".to_owned(), id.to_owned()))
                .into_iter()
                .collect(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: None,
        },
        response: RecordedResponse {
            status: 200,
            headers: [("content-type".to_owned(), "application/json".to_owned())].into(),
            body: Some(body),
            body_text: None,
            delay_ms: None,
            not_http: false,
        },
    }
}

/// Returns the input of a call that takes only credentials.
pub fn credentials_input(credentials: &Credentials) -> CredentialsInput {
    CredentialsInput::new(credentials.clone())
}

/// A call's output, or `{"error": ...}`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Outcome<T> {
    Output(T),
    Failure { error: PluginError },
}

impl<T> From<Result<T, PluginError>> for Outcome<T> {
    fn from(result: Result<T, PluginError>) -> Self {
        result.map_or_else(|error| Outcome::Failure { error }, Outcome::Output)
    }
}

/// Replaces the replay server's port and fails if the key appears.
pub fn scrub(text: &str) -> String {
    assert!(
        !text.contains(SECRET_KEY),
        "the API key leaked into: {text}"
    );
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("127.0.0.1:") {
        let (before, after) = rest.split_at(i + "127.0.0.1:".len());
        out.push_str(before);
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        out.push_str(if digits > 0 { "PORT" } else { "" });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The `cargo build` arguments of the fake vendor plugin built for WASI preview 1.
pub const FAKE_VENDOR_WASI_BUILD: [&str; 6] = [
    "-p",
    "fake-vendor-plugin",
    "--target",
    "wasm32-wasip1",
    "--profile",
    "plugin",
];

/// Builds the fake vendor plugin for `wasm32-wasip1` (its module then imports WASI functions)
/// once per test binary, and returns the built module's path in the target folder.
pub fn build_fake_vendor_wasi() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            cargo_build(&FAKE_VENDOR_WASI_BUILD);
            target_dir().join("wasm32-wasip1/plugin/fake_vendor_plugin.wasm")
        })
        .clone()
}

/// Writes the `wasm32-wasip1` fake vendor beside a copy of its manifest, in a fresh scratch
/// folder `name` of this test binary, with `"wasi": true` when `wasi` (no `wasi` field
/// otherwise); returns the manifest's path.
pub fn fake_vendor_wasi(name: &str, wasi: bool) -> PathBuf {
    let built = build_fake_vendor_wasi();
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("scratch folder");
    std::fs::copy(&built, folder.join("fake_vendor_plugin.wasm"))
        .expect("the wasip1 fake vendor's wasm is copied");
    let text = std::fs::read_to_string(root().join("tests/fake-vendor/manifest.json"))
        .expect("the fake vendor's manifest");
    let mut manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    manifest["wasm"] = serde_json::json!({"path": "fake_vendor_plugin.wasm"});
    if wasi {
        manifest["wasi"] = serde_json::json!(true);
    }
    let path = folder.join("manifest.json");
    std::fs::write(&path, manifest.to_string()).expect("manifest written");
    path
}

/// What one run of the command printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Returns stdout as JSON, failing the test when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// Runs `host-harness args…` from the repository root with only the given credential variables,
/// failing the test when [`SECRET_KEY`] is printed.
pub fn harness(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(harness_binary());
    command.args(args).current_dir(root());
    for (name, _) in std::env::vars() {
        if name.starts_with("HARNESS_CRED_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("host-harness runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(SECRET_KEY) && !run.stderr.contains(SECRET_KEY),
        "the key leaked"
    );
    run
}

/// Returns a fresh scratch folder `name` of this test binary's own.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}
