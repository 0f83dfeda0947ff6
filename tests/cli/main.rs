//! The `host-harness` command line, run as a person or a script would run it: one test binary
//! for every subcommand (each binary of `tests/` links the whole harness and wasmtime again,
//! about 40 s on two cores), one module per job; this file holds the first steps a user takes
//! and the helpers the modules share.

#[path = "../support/mod.rs"]
mod support;

mod approve;
mod conformance;
mod hostile;
mod hosts;
mod progress;
mod wasi;

use std::path::{Path, PathBuf};
use std::process::Command;

use host_harness::seed::psa::sha256_hex;
use host_harness::traffic::replay::{Recording, ReplayServer};
use insta::assert_snapshot;
use plugin_contract::Credentials;
use serde_json::{json, Value};
use support::{harness, harness_binary, json_exchange, root, scratch, scrub, Run, SECRET_KEY};

/// A SaaS Alerts-compatible server with two customers, one user list each.
fn vendor_server() -> ReplayServer {
    let key = [("api_key", SECRET_KEY)];
    let get =
        |path: &str, customer: Option<&str>, body: Value| json_exchange(path, customer, &key, body);
    let customers = json!([
        {"id": "cust0000000000000002", "name": "Beta Bakery", "status": "active", "billingUsers": {"count": 12}},
        {"id": "cust0000000000000001", "name": "Alpha Accounting", "status": "inactive", "billingUsers": {"count": 0}}
    ]);
    let recording = Recording {
        source: "built by tests/cli.rs".into(),
        exchanges: vec![
            get("/reports/customers", None, customers),
            get("/reports/users", Some("cust0000000000000001"), json!([])),
            get(
                "/reports/users",
                Some("cust0000000000000002"),
                json!([
                    {"name": "Grace Hopper", "email": "grace@beta-bakery.example", "ip": "203.0.113.9", "isBillable": true, "product": {"type": "ms"}},
                    {"name": "Alan Turing", "email": "alan@beta-bakery.example", "ip": "203.0.113.10", "isBillable": false, "product": {"type": "ms"}}
                ]),
            ),
        ],
    };
    ReplayServer::serve(recording, Credentials::default()).expect("server starts")
}

/// Copies the fixture scenario `name` into `fixtures/name`.
fn copy_scenario(name: &str, fixtures: &Path) {
    let folder = fixtures.join(name);
    std::fs::create_dir_all(&folder).expect("scenario folder");
    for file in ["exchanges.json", "credentials.json"] {
        std::fs::copy(
            root().join("fixtures").join(name).join(file),
            folder.join(file),
        )
        .expect("scenario file copied");
    }
}

/// Writes a replay scenario folder with `exchanges` and credentials pointing at the replay.
fn scenario_folder(name: &str, exchanges: Vec<Value>) -> PathBuf {
    let folder = scratch(name);
    let recording = json!({"source": "tests/cli.rs", "exchanges": exchanges});
    std::fs::write(folder.join("exchanges.json"), recording.to_string()).expect("written");
    let credentials = json!({"api_key": "k", "api_url": "{replay_url}"});
    std::fs::write(folder.join("credentials.json"), credentials.to_string()).expect("written");
    folder
}

/// Writes a copy of `manifest.json` with `change` applied into a folder of its own, with a
/// copy of the wasm beside it (a manifest's module must be inside the manifest's folder).
fn manifest_with(name: &str, change: impl FnOnce(&mut Value)) -> PathBuf {
    support::build_plugin();
    let text = std::fs::read_to_string(root().join("manifest.json")).expect("manifest");
    let mut manifest: Value = serde_json::from_str(&text).expect("manifest is JSON");
    let wasm = root().join(manifest["wasm"]["path"].as_str().expect("wasm path"));
    let folder = scratch(name);
    std::fs::copy(wasm, folder.join("plugin.wasm")).expect("wasm copied");
    manifest["wasm"]["path"] = json!("plugin.wasm");
    change(&mut manifest);
    let path = folder.join("manifest.json");
    std::fs::write(&path, manifest.to_string()).expect("manifest written");
    path
}

#[test]
fn seed_on_the_bundled_fixtures_prints_the_whole_flow_with_mapping_and_review() {
    let args = [
        "seed",
        "--replay",
        "fixtures/happy-path",
        "--psa",
        "fixtures/happy-path/psa.json",
        "--as-of",
        "2026-11-01T00:00:00Z",
    ];
    let run = harness(&args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_snapshot!(scrub(&run.stdout));
}

#[test]
fn a_new_user_lists_accounts_of_a_live_server_with_credentials_from_the_environment() {
    let server = vendor_server();
    let env = [
        ("HARNESS_CRED_API_KEY", SECRET_KEY),
        ("HARNESS_CRED_API_URL", server.base_url()),
    ];
    let run = harness(&["accounts", "--allow-host", "127.0.0.1"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let accounts = run.json();
    let names: Vec<&str> = accounts["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Alpha Accounting", "Beta Bakery"]);
}

/// A reader that closes stdout early (`host-harness accounts | head -1`) ends the output, not
/// the command: no panic, no message, and the command's usual exit (0 here), which tells the
/// outcome of the plugin's call; a shell's `pipefail` then sees that, not a SIGPIPE (141)
/// that would say nothing about the call. The pipe is closed before the harness prints, so
/// its first write meets a closed pipe whatever the pipe's buffer holds.
#[test]
fn accounts_piped_to_head_ends_quietly() {
    use std::process::Stdio;
    let mut command = Command::new(harness_binary());
    command
        .args(["accounts", "--replay", "fixtures/happy-path"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("HARNESS_CRED_") {
            command.env_remove(name);
        }
    }
    let mut child = command.spawn().expect("host-harness runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("host-harness ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_new_user_gets_counts_of_a_live_server_with_credentials_from_a_file() {
    let server = vendor_server();
    let file = scratch("credentials-file").join("credentials.json");
    let credentials = json!({"api_key": SECRET_KEY, "api_url": server.base_url()});
    std::fs::write(&file, credentials.to_string()).expect("credentials written");
    let args = [
        "usage",
        "--credentials",
        file.to_str().expect("utf-8 path"),
        "--allow-host",
        "127.0.0.1",
        "--as-of",
        "2026-11-01T00:00:00Z",
        "--service",
        "billable-users",
        "--service",
        "billable-users.microsoft-365",
    ];
    let run = harness(&args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records: Vec<(String, String, u64)> = run.json()["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().expect("account").to_owned(),
                r["service_id"].as_str().expect("service").to_owned(),
                r["quantity"].as_u64().expect("quantity"),
            )
        })
        .collect();
    let expected = [
        ("cust0000000000000001", "billable-users", 0),
        ("cust0000000000000001", "billable-users.microsoft-365", 0),
        ("cust0000000000000002", "billable-users", 12),
        ("cust0000000000000002", "billable-users.microsoft-365", 1),
    ]
    .map(|(a, s, q)| (a.to_owned(), s.to_owned(), q));
    assert_eq!(records, expected);
    // The user list says 1 billable user where billingUsers.count says 12: warned, not corrected.
    assert_eq!(run.json()["warnings"][0]["code"], "platform_sum_mismatch");
}

#[test]
fn environment_credentials_override_the_file() {
    let server = vendor_server();
    let file = scratch("credentials-override").join("credentials.json");
    std::fs::write(
        &file,
        json!({"api_key": "stale-key", "api_url": server.base_url()}).to_string(),
    )
    .expect("credentials written");
    let args = [
        "authenticate",
        "--credentials",
        file.to_str().expect("utf-8 path"),
        "--allow-host",
        "127.0.0.1",
    ];
    let run = harness(&args, &[("HARNESS_CRED_API_KEY", SECRET_KEY)]);
    assert_eq!(
        run.code, 0,
        "the server accepts only the key from the environment: {}",
        run.stdout
    );
}

#[test]
fn a_url_outside_allowed_hosts_is_a_config_error_before_any_request() {
    let server = vendor_server();
    let env = [
        ("HARNESS_CRED_API_KEY", SECRET_KEY),
        ("HARNESS_CRED_API_URL", server.base_url()),
    ];
    let run = harness(&["authenticate"], &env);
    assert_eq!(run.code, 10);
    let error = &run.json()["error"];
    assert_eq!(error["class"], "config");
    assert!(error["message"]
        .as_str()
        .expect("message")
        .contains("127.0.0.1"));
    assert!(
        server.served().is_empty(),
        "no request may reach the server"
    );
}

#[test]
fn errors_print_typed_json_and_exit_with_the_class_code() {
    for (scenario, command, class, code) in [
        ("bad-key-401", "authenticate", "auth", 11),
        ("no-api-access-403", "authenticate", "permission", 12),
        ("wrong-path-404", "accounts", "config", 10),
        ("rate-limited-429", "usage", "rate_limited", 14),
        ("unavailable-503", "authenticate", "transient", 15),
        ("malformed-json", "accounts", "vendor", 16),
    ] {
        let folder = format!("fixtures/{scenario}");
        let mut args = vec![command, "--replay", &folder];
        if command == "usage" {
            args.extend(["--as-of", "2026-11-01T00:00:00Z"]);
        }
        let run = harness(&args, &[]);
        assert_eq!(run.code, code, "{scenario}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.json()["error"]["class"], class, "{scenario}");
    }
}

#[test]
fn a_request_missing_from_the_recording_fails_loudly_naming_it() {
    let customers = json!({
        "request": {"method": "GET", "path": "/reportApi/api/v1/reports/customers", "headers": {"api_key": "<redacted>"}},
        "response": {"status": 200, "body": [{"id": "c1", "name": "C", "billingUsers": {"count": 1}}]}
    });
    let folder = scenario_folder("unrecorded-request", vec![customers]);
    let run = harness(
        &["usage", "--replay", folder.to_str().expect("utf-8 path")],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("no recorded exchange for GET /reportApi/api/v1/reports/users?customerId=c1"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_recorded_exchange_the_seed_never_requests_fails_the_run() {
    let customers = json!({
        "request": {"method": "GET", "path": "/reportApi/api/v1/reports/customers"},
        "response": {"status": 200, "body": []}
    });
    let extra = json!({
        "request": {"method": "GET", "path": "/reportApi/api/v1/reports/partners/profile"},
        "response": {"status": 200, "body": {}}
    });
    let folder = scenario_folder("unused-exchange", vec![customers, extra]);
    let run = harness(
        &["seed", "--replay", folder.to_str().expect("utf-8 path")],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("never requested: GET /reportApi/api/v1/reports/partners/profile"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_manifest_with_an_unknown_interface_version_is_refused() {
    let manifest = manifest_with("interface-2", |m| m["interface_version"] = json!("2.0"));
    let run = harness(
        &[
            "describe",
            "--manifest",
            manifest.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("implements interface 2.0, but this harness speaks 1.1"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_manifest_whose_version_differs_from_the_module_is_refused() {
    let manifest = manifest_with("version-0.2", |m| m["version"] = json!("0.2.0"));
    let run = harness(
        &[
            "describe",
            "--manifest",
            manifest.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the plugin reports version 0.1.0 but its manifest says 0.2.0"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_wasm_whose_pinned_hash_differs_is_refused() {
    let wrong = "0".repeat(64);
    let manifest = manifest_with("wrong-hash", |m| m["wasm"]["sha256"] = json!(wrong));
    let run = harness(
        &[
            "describe",
            "--manifest",
            manifest.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(&format!("the manifest pins {wrong}: refusing to load it")),
        "{}",
        run.stderr
    );
}

#[test]
fn the_module_a_host_installs_is_at_most_200_kb() {
    support::build_plugin();
    let size = std::fs::metadata(support::plugin_wasm())
        .expect("wasm built")
        .len();
    // The target, kept: `cargo bench --bench sync` shows where the bytes go.
    assert!(size <= 200_000, "the plugin's wasm is {size} bytes");
}

#[test]
fn a_wasm_with_the_pinned_hash_loads() {
    support::build_plugin();
    let wasm = std::fs::read(support::plugin_wasm()).expect("wasm built");
    let manifest = manifest_with("right-hash", |m| {
        m["wasm"]["sha256"] = json!(host_harness::runtime::manifest::sha256_hex(&wasm));
    });
    let run = harness(
        &[
            "describe",
            "--manifest",
            manifest.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["vendor"]["id"], "saas-alerts");
}

#[test]
fn credentials_are_never_taken_from_the_command_line() {
    let run = harness(&["authenticate", "--api-key", SECRET_KEY], &[]);
    assert_eq!(run.code, 2, "clap refuses unknown options with exit code 2");
}

#[test]
fn the_harness_runs_another_vendor_plugin_by_its_manifest() {
    let args = [
        "seed",
        "--manifest",
        "tests/fake-vendor/manifest.json",
        "--as-of",
        "2026-11-01T00:00:00Z",
    ];
    let run = harness(&args, &[("HARNESS_CRED_TOKEN", SECRET_KEY)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Fake Vendor (fake-vendor) 0.1.0, interface 1.0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Integration status: active"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_saas_alerts_plugin_passes_conformance() {
    let run = harness(&["conformance", "--fixtures", "fixtures"], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("25 checks, 0 failed"), "{}", run.stdout);
}

#[test]
fn the_fake_vendor_plugin_passes_conformance() {
    let args = [
        "conformance",
        "--manifest",
        "tests/fake-vendor/manifest.json",
        "--fixtures",
        "tests/fake-vendor/fixtures",
    ];
    let run = harness(&args, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("25 checks, 0 failed"), "{}", run.stdout);
}

#[test]
fn conformance_fails_a_plugin_that_accepts_bad_credentials() {
    let folder = scratch("conformance-accepting");
    copy_scenario("happy-path", &folder);
    let plan = json!({"valid": "happy-path", "invalid_credentials": "happy-path"});
    std::fs::write(folder.join("conformance.json"), plan.to_string()).expect("written");
    let run = harness(
        &[
            "conformance",
            "--fixtures",
            folder.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("FAIL  bad credentials give auth: authenticate succeeded"),
        "{}",
        run.stdout
    );
}

#[test]
fn conformance_refuses_scenarios_outside_the_fixtures_folder_naming_the_entry() {
    let folder = scratch("conformance-outside");
    let fixtures = folder.join("fixtures");
    copy_scenario("bad-key-401", &fixtures);
    copy_scenario("happy-path", &folder);
    let absolute = root().join("fixtures/happy-path");
    for (entry, plan) in [
        (
            "valid",
            json!({"valid": "../happy-path", "invalid_credentials": "bad-key-401"}),
        ),
        (
            "valid",
            json!({"valid": absolute, "invalid_credentials": "bad-key-401"}),
        ),
        (
            "expect \"../happy-path\"",
            json!({"valid": "bad-key-401", "invalid_credentials": "bad-key-401",
                "expect": {"../happy-path": "auth"}}),
        ),
    ] {
        std::fs::write(fixtures.join("conformance.json"), plan.to_string()).expect("written");
        let args = [
            "conformance",
            "--fixtures",
            fixtures.to_str().expect("utf-8"),
        ];
        let run = harness(&args, &[]);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains(&format!("conformance.json: {entry} names"))
                && run
                    .stderr
                    .contains("not a folder inside the fixtures folder"),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    std::fs::remove_dir_all(&folder).expect("removed");
}

/// Runs `map` on the happy path and returns the mapping file it wrote.
fn map_happy_path(name: &str) -> PathBuf {
    let mapping = scratch(name).join("mapping.json");
    let args = [
        "map",
        "--replay",
        "fixtures/happy-path",
        "--psa",
        "fixtures/happy-path/psa.json",
        "--mapping",
        mapping.to_str().expect("utf-8 path"),
    ];
    let run = harness(&args, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    mapping
}

#[test]
fn map_writes_a_mapping_file_saying_what_matched_and_why() {
    let mapping = map_happy_path("map-happy-path");
    let written = std::fs::read_to_string(mapping).expect("mapping written");
    assert_snapshot!(written);
}

#[test]
fn sync_a_month_later_keeps_a_renamed_customer_and_reports_a_vanished_one() {
    let mapping = map_happy_path("map-then-sync");
    let args = [
        "sync",
        "--replay",
        "fixtures/tenant-next-month",
        "--psa",
        "fixtures/happy-path/psa.json",
        "--mapping",
        mapping.to_str().expect("utf-8 path"),
        "--as-of",
        "2026-12-01T00:00:00Z",
        "--json",
    ];
    let run = harness(&args, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let review = run.json();
    let acme = review["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["psa_account_id"] == "29683412")
        .expect("Acme & Sons keeps its PSA line after the rename");
    assert_eq!(
        acme["vendor_accounts"][0],
        json!({"vendor_account_id": "Ac7mE2sOnS9q4RtY1uVw", "vendor_name": "Acme & Sons Holdings", "vendor_listed": true})
    );
    assert_eq!(
        (acme["kind"].as_str(), acme["delta"].as_i64()),
        (Some("reconcile"), Some(1))
    );
    let failed = &review["failed"][0];
    assert_eq!(failed["vendor_account_id"], "Ho0lIlTd4g5h6j7k8l9M");
    assert_eq!(failed["error"]["class"], "not_found");
    assert_snapshot!(scrub(&run.stdout));
}

#[test]
fn sync_refuses_a_mapping_without_a_mapped_service() {
    let mapping = map_happy_path("unfinished-mapping");
    let text = std::fs::read_to_string(&mapping).expect("mapping");
    let mut value: Value = serde_json::from_str(&text).expect("mapping is JSON");
    for service in value["services"].as_array_mut().expect("services") {
        service["state"] = json!("excluded");
    }
    std::fs::write(&mapping, value.to_string()).expect("written");
    let args = [
        "sync",
        "--replay",
        "fixtures/happy-path",
        "--psa",
        "fixtures/happy-path/psa.json",
        "--mapping",
        mapping.to_str().expect("utf-8 path"),
    ];
    let run = harness(&args, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("the mapping is not finished"),
        "{}",
        run.stderr
    );
}

#[test]
fn record_writes_fixtures_without_the_key_or_personal_data_that_replay_to_the_same_counts() {
    let server = vendor_server();
    let out = scratch("recorded");
    let env = [
        ("HARNESS_CRED_API_KEY", SECRET_KEY),
        ("HARNESS_CRED_API_URL", server.base_url()),
    ];
    let as_of = ["--as-of", "2026-11-01T00:00:00Z"];
    let record = [
        "record",
        "--allow-host",
        "127.0.0.1",
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    let run = harness(&[&record[..], &as_of[..]].concat(), &env);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let exchanges = std::fs::read_to_string(out.join("exchanges.json")).expect("exchanges written");
    let credentials =
        std::fs::read_to_string(out.join("credentials.json")).expect("credentials written");
    for personal in [
        SECRET_KEY,
        "grace@",
        "alan@",
        "Grace Hopper",
        "Alan Turing",
        "203.0.113.9",
        "203.0.113.10",
    ] {
        assert!(
            !exchanges.contains(personal) && !credentials.contains(personal),
            "{personal} was written"
        );
    }
    for pseudonym in [
        "person-1@beta-bakery.example",
        "Person 1",
        "198.51.100.",
        "Beta Bakery",
    ] {
        assert!(
            exchanges.contains(pseudonym),
            "{pseudonym} missing from {exchanges}"
        );
    }
    assert!(
        exchanges.contains("\"api_key\": \"<redacted>\""),
        "{exchanges}"
    );
    assert!(credentials.contains("{replay_url}"), "{credentials}");

    // The recording replays strictly and gives the counts the live server gave.
    let live = harness(
        &[&["usage", "--allow-host", "127.0.0.1"][..], &as_of[..]].concat(),
        &env,
    );
    let replayed = harness(
        &[
            &["usage", "--replay", out.to_str().expect("utf-8 path")][..],
            &as_of[..],
        ]
        .concat(),
        &[],
    );
    assert_eq!(replayed.code, 0, "{}{}", replayed.stdout, replayed.stderr);
    assert_eq!(live.json()["records"], replayed.json()["records"]);
    let seed = harness(
        &["seed", "--replay", out.to_str().expect("utf-8 path")],
        &[],
    );
    assert_eq!(
        seed.code, 0,
        "every recorded exchange is used by a replayed seed: {}",
        seed.stderr
    );
}
