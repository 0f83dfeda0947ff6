//! `conformance` as a plugin author runs it: every check after a replay mismatch, pending outputs, URL credentials.

use super::*;

/// Writes a fixtures folder whose valid scenario is `fixtures/happy-path` with `change` applied
/// to its exchanges and credentials, and whose invalid one is `fixtures/bad-key-401`.
fn conformance_fixtures(name: &str, change: impl FnOnce(&mut Value, &mut Value)) -> PathBuf {
    let folder = scratch(name);
    let valid = folder.join("valid");
    std::fs::create_dir_all(&valid).expect("scenario folder");
    let read = |file: &str| -> Value {
        let text = std::fs::read_to_string(root().join("fixtures/happy-path").join(file))
            .expect("happy-path file");
        serde_json::from_str(&text).expect("JSON")
    };
    let (mut exchanges, mut credentials) = (read("exchanges.json"), read("credentials.json"));
    change(&mut exchanges, &mut credentials);
    std::fs::write(valid.join("exchanges.json"), exchanges.to_string()).expect("written");
    std::fs::write(valid.join("credentials.json"), credentials.to_string()).expect("written");
    copy_scenario("bad-key-401", &folder);
    let plan = json!({"valid": "valid", "invalid_credentials": "bad-key-401"});
    std::fs::write(folder.join("conformance.json"), plan.to_string()).expect("written");
    folder
}

#[test]
fn conformance_reports_every_check_after_a_replay_mismatch_naming_the_header_and_the_unused_page() {
    let fixtures = conformance_fixtures("conformance-mismatch", |exchanges, _| {
        let list = exchanges["exchanges"].as_array_mut().expect("exchanges");
        // One customer's request now wants `Bearer ` before the key, which the plugin never sends.
        list[1]["request"]["headers"]["api_key"] = json!("Bearer <redacted>");
        // A second page of customers that a plugin reading one page never asks for.
        let mut second_page = list[0].clone();
        second_page["request"]["query"] = json!({"page": "2"});
        list.push(second_page);
    });
    let run = harness(
        &[
            "conformance",
            "--fixtures",
            fixtures.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("25 checks, "), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            r#"FAIL  the plugin asked only for recorded requests: no recorded exchange for valid: GET /reportApi/api/v1/reports/users?customerId=Ac7mE2sOnS9q4RtY1uVw (header api_key: expected "Bearer <redacted>", got a value without "Bearer ")"#
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "FAIL  the full run requests every recorded exchange of the valid scenario: 2 of 12 exchanges of valid never requested"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("GET /reportApi/api/v1/reports/customers?page=2"),
        "{}",
        run.stdout
    );
    // Every other check still ran and is reported.
    for check in [
        "bad credentials give auth",
        "fetch_usage echoes as_of exactly",
        "an unknown account is not_found, never a record",
        "the module loads in every stock Extism host",
    ] {
        assert!(
            run.stdout.contains(&format!("PASS  {check}: ")),
            "{check}: {}",
            run.stdout
        );
    }
    let canary = plugin_contract::Secrets::new([host_harness::conformance::CANARY]);
    assert!(!canary.found_in(&run.stdout), "{}", run.stdout);
}

#[test]
fn an_author_writes_pending_outputs_reads_them_renames_them_and_conformance_then_compares() {
    let fixtures = conformance_fixtures("conformance-pending", |_, _| {});
    let plan = json!({"valid": "valid", "invalid_credentials": "bad-key-401",
        "outputs": {"valid": "valid/outputs.json"}});
    std::fs::write(fixtures.join("conformance.json"), plan.to_string()).expect("written");
    let args = [
        "conformance",
        "--fixtures",
        fixtures.to_str().expect("utf-8 path"),
    ];
    let pending_args = [&args[..], &["--write-pending"]].concat();
    let first = harness(&pending_args, &[]);
    assert_eq!(first.code, 3, "{}{}", first.stdout, first.stderr);
    assert!(
        first.stdout.contains("FAIL  each scenario gives the outputs its author accepted: valid: valid/outputs.json cannot be read"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("no expected outputs for bad-key-401"),
        "{}",
        first.stdout
    );
    let pending = fixtures.join("valid/outputs.json.new");
    let written = std::fs::read_to_string(&pending).expect("the pending outputs are written");
    let calls: Value = serde_json::from_str(&written).expect("JSON");
    let names: Vec<&str> = calls
        .as_array()
        .expect("a list of calls")
        .iter()
        .filter_map(|c| c["call"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "describe_credentials",
            "authenticate",
            "list_accounts",
            "list_services",
            "fetch_usage"
        ]
    );
    assert!(
        written.contains("replay-server") && !written.contains("127.0.0.1"),
        "{written}"
    );

    // The author reads it and accepts it: conformance now passes, and writes nothing.
    std::fs::rename(&pending, fixtures.join("valid/outputs.json")).expect("renamed");
    let accepted = harness(&pending_args, &[]);
    assert_eq!(accepted.code, 0, "{}{}", accepted.stdout, accepted.stderr);
    assert!(!pending.exists());

    // A count that moves fails, naming the call and where.
    let changed = written.replacen("\"quantity\": 3", "\"quantity\": 4", 1);
    assert_ne!(changed, written);
    std::fs::write(fixtures.join("valid/outputs.json"), changed).expect("written");
    let moved = harness(&args, &[]);
    assert_eq!(moved.code, 3, "{}{}", moved.stdout, moved.stderr);
    assert!(
        moved.stdout.contains("valid: fetch_usage (call 5, at /output/records/0/quantity) differs from valid/outputs.json"),
        "{}",
        moved.stdout
    );
    assert!(!pending.exists(), "written without --write-pending");
}

#[test]
fn conformance_refuses_a_scenario_whose_url_credential_points_at_the_real_vendor() {
    let real = "https://us-central1-the-byway-248217.cloudfunctions.net/reportApi/api/v1";
    let fixtures = conformance_fixtures("conformance-real-host", |_, credentials| {
        credentials["api_url"] = json!(real);
    });
    let run = harness(
        &[
            "conformance",
            "--fixtures",
            fixtures.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "scenario valid: credential api_url points at us-central1-the-byway-248217.cloudfunctions.net:443, not at the replay server 127.0.0.1:"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("{replay_url}"), "{}", run.stderr);
}

#[test]
fn replay_refuses_a_url_credential_off_the_replay_server_before_any_call() {
    let folder = scenario_folder("replay-real-host", vec![]);
    let folder = folder.to_str().expect("utf-8 path");
    let real = "https://us-central1-the-byway-248217.cloudfunctions.net/reportApi/api/v1";
    // From the environment, as a person with their real settings exported might run it.
    let run = harness(
        &["accounts", "--replay", folder],
        &[("HARNESS_CRED_API_URL", real)],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("credential api_url points at us-central1-the-byway-248217.cloudfunctions.net:443, not at the replay server"),
        "{}",
        run.stderr
    );
    // A replay reaches only its own server: an extra host is ignored, and said to be.
    let run = harness(
        &[
            "accounts",
            "--replay",
            folder,
            "--allow-host",
            "example.com",
        ],
        &[],
    );
    assert!(
        run.stderr
            .contains("--allow-host is ignored: a replay reaches only its own server"),
        "{}",
        run.stderr
    );
}
