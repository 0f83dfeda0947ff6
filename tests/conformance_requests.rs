//! Conformance catches what a plugin sends and logs whatever its fixtures: a secret sent in a
//! header the recording does not list, and a secret in the plugin's log lines.

mod support;

use std::path::{Path, PathBuf};

use host_harness::conformance::{run_conformance, Report};
use host_harness::runtime::manifest::PluginManifest;
use serde_json::{json, Value};
use support::root;

/// Copies the scenarios of `from` (a fixtures folder) named in `scenarios` into a fresh scratch
/// folder `name`, with its `conformance.json` and expected outputs, changing each exchanges and
/// credentials file with `change`.
fn fixtures_from(
    name: &str,
    from: &Path,
    scenarios: &[&str],
    change: impl Fn(&str, &str, &mut Value),
) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&folder);
    for scenario in scenarios {
        std::fs::create_dir_all(folder.join(scenario)).expect("scenario folder");
        for file in ["exchanges.json", "credentials.json"] {
            let text = std::fs::read_to_string(from.join(scenario).join(file)).expect("read");
            let mut json: Value = serde_json::from_str(&text).expect("JSON");
            change(scenario, file, &mut json);
            std::fs::write(folder.join(scenario).join(file), json.to_string()).expect("written");
        }
        // The outputs the author accepted stay as they are: the change is to what is sent.
        let outputs = from.join(scenario).join("outputs.json");
        if outputs.is_file() {
            std::fs::copy(&outputs, folder.join(scenario).join("outputs.json")).expect("copied");
        }
    }
    std::fs::copy(
        from.join("conformance.json"),
        folder.join("conformance.json"),
    )
    .expect("plan copied");
    folder
}

/// Returns the detail of the failed check `name`, failing the test if it passed.
fn failed<'r>(report: &'r Report, name: &str) -> &'r str {
    let check = report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name:?}"));
    assert!(!check.passed, "{name} passed: {}", check.detail);
    &check.detail
}

#[test]
fn a_key_sent_in_a_header_the_recording_does_not_list_fails_naming_the_header() {
    support::build_plugin();
    let manifest = PluginManifest::load(&root().join("manifest.json")).expect("manifest loads");
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/conformance.json")).expect("plan"),
    )
    .expect("JSON");
    let valid = plan["valid"].as_str().expect("valid").to_owned();
    let invalid = plan["invalid_credentials"]
        .as_str()
        .expect("invalid")
        .to_owned();
    let fixtures = fixtures_from(
        "conformance-unlisted-header",
        &root().join("fixtures"),
        &[&valid, &invalid],
        |scenario, file, json| {
            if scenario == valid && file == "exchanges.json" {
                // The customer list's request no longer lists the key header it carries.
                json["exchanges"][0]["request"]["headers"] = json!({});
            }
        },
    );
    let report = run_conformance(&manifest, &fixtures).expect("conformance runs");
    let detail = failed(
        &report,
        "no secret is sent except where the recording has <redacted>",
    );
    assert!(
        detail.contains(&format!(
            "{valid}: GET /reportApi/api/v1/reports/customers: header api_key"
        )),
        "{detail}"
    );
    assert!(!detail.contains("canary"), "{detail}");
    let failing: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name)
        .collect();
    assert_eq!(
        failing,
        ["no secret is sent except where the recording has <redacted>"]
    );
}

#[test]
fn a_token_in_the_plugins_log_line_fails_the_log_check() {
    support::build_fake_vendor();
    let manifest = PluginManifest::load(&root().join("tests/fake-vendor/manifest.json"))
        .expect("manifest loads");
    let from = root().join("tests/fake-vendor/fixtures");
    let quiet = run_conformance(&manifest, &from).expect("conformance runs");
    assert!(quiet.passed(), "{:?}", quiet.checks);
    let fixtures = fixtures_from(
        "conformance-log-token",
        &from,
        &["valid", "invalid-credentials"],
        |scenario, file, json| {
            if scenario == "valid" && file == "credentials.json" {
                json["mode"] = json!("log-token");
            }
        },
    );
    let report = run_conformance(&manifest, &fixtures).expect("conformance runs");
    let detail = failed(&report, "no secret appears in the plugin's log lines");
    assert!(
        detail.ends_with("(valid) holds a secret credential's value in some form"),
        "{detail}"
    );
}
