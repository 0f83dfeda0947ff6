//! The plugin in every Extism host: host profile versions, release bundles, transcripts, `serve`.

use super::*;

#[test]
fn a_manifest_needing_a_newer_host_profile_is_refused() {
    let manifest = manifest_with("host-profile-2", |m| m["host_profile"] = json!("2.0"));
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
            .contains("needs host profile 2.0, but this harness meets 1.0"),
        "{}",
        run.stderr
    );
}

#[test]
fn package_writes_a_pinned_bundle_that_gives_the_same_transcript() {
    support::build_plugin();
    let out = scratch("bundle");
    let run = harness(
        &["package", "--out", out.to_str().expect("utf-8 path")],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle = PathBuf::from(run.stdout.trim());
    assert_eq!(bundle, out.join("saas-alerts-0.1.0"));
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(bundle.join("manifest.json")).expect("manifest written"),
    )
    .expect("manifest is JSON");
    let wasm = std::fs::read(bundle.join("plugin.wasm")).expect("wasm copied");
    assert_eq!(
        manifest["wasm"],
        json!({"path": "plugin.wasm", "sha256": host_harness::runtime::manifest::sha256_hex(&wasm)})
    );
    assert_eq!(manifest["host_profile"], json!("1.0"));
    let mut schemas: Vec<String> = std::fs::read_dir(bundle.join("schemas"))
        .expect("schemas written")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    schemas.sort();
    let mut expected: Vec<&str> = host_harness::conformance::schemas::all()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    expected.insert(0, "1.0");
    assert_eq!(schemas, expected);
    for (name, _) in host_harness::conformance::schemas::INTERFACE_1_0 {
        assert!(bundle.join("schemas/1.0").join(name).is_file(), "{name}");
    }
    assert!(bundle.join("HOST-PROFILE.md").is_file());
    for (name, _) in plugin_contract::host::HOST_VECTORS {
        assert!(bundle.join("vectors").join(name).is_file(), "{name}");
    }

    let transcript = |manifest: &str| {
        let args = [
            "transcript",
            "--manifest",
            manifest,
            "--replay",
            "fixtures/happy-path",
            "--as-of",
            support::AS_OF,
        ];
        let run = harness(&args, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()
    };
    let bundled = transcript(bundle.join("manifest.json").to_str().expect("utf-8 path"));
    assert_eq!(bundled, transcript("manifest.json"));
    assert_eq!(
        bundled["fetch_usage"]["ok"]["records"]
            .as_array()
            .map(Vec::len),
        Some(70),
        "ten customers, seven services each: {bundled}"
    );
}

#[test]
fn packaging_two_vendors_into_one_folder_lists_both_in_its_index() {
    support::build_plugin();
    support::build_fake_vendor();
    let out = scratch("index");
    let dir = out.to_str().expect("utf-8 path");
    for manifest in [
        "manifest.json",
        "tests/fake-vendor/manifest.json",
        "manifest.json",
    ] {
        let run = harness(&["package", "--manifest", manifest, "--out", dir], &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("index.json")).expect("index written"),
    )
    .expect("index is JSON");
    let listed: Vec<(&str, &str, &str, &str)> = index["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .map(|p| {
            let field = |name: &str| p[name].as_str().expect("a string");
            (
                field("id"),
                field("plugin_version"),
                field("interface_version"),
                field("bundle"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("fake-vendor", "0.1.0", "1.0", "fake-vendor-0.1.0"),
            ("saas-alerts", "0.1.0", "1.1", "saas-alerts-0.1.0")
        ],
        "sorted by id, the repackaged one listed once: {index}"
    );
    let wasm = std::fs::read(out.join("saas-alerts-0.1.0/plugin.wasm")).expect("the module");
    assert_eq!(
        index["plugins"][1]["sha256"],
        json!(host_harness::runtime::manifest::sha256_hex(&wasm))
    );
    assert_eq!(index["format"], json!(1));

    std::fs::remove_dir_all(out.join("fake-vendor-0.1.0")).expect("a bundle removed");
    std::fs::write(out.join("index.json"), r#"{"format": 9, "plugins": []}"#).expect("written");
    let run = harness(&["package", "--out", dir], &[]);
    assert_eq!(run.code, 1, "an index of another format is not overwritten");
    assert!(
        run.stderr.contains("is not an index.json of format 1"),
        "{}",
        run.stderr
    );
}

#[test]
fn transcript_puts_the_vendors_retry_after_in_a_rate_limited_error() {
    let args = [
        "transcript",
        "--replay",
        "fixtures/rate-limited-429",
        "--as-of",
        support::AS_OF,
    ];
    let run = harness(&args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["authenticate"],
        json!({"error": {"class": "rate_limited", "http_status": 429, "retry_after_s": 17}})
    );
}

#[test]
fn serve_prints_the_url_then_what_was_served_when_stdin_closes() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(harness_binary())
        .args(["serve", "fixtures/redirect-off-host"])
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let started: Value = serde_json::from_str(&line).expect("a JSON line");
    let url = started["url"].as_str().expect("url").to_owned();
    assert_eq!(started["credentials"]["api_url"], json!(url));
    let port = url.rsplit(':').next().expect("port");
    // What a host that follows the recorded redirect would send next, key included.
    let response = ureq::get(format!("{url}/reportApi/api/v1/reports/customers"))
        .header("api_key", "k")
        .config()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .call()
        .expect("answered");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a location");
    assert_eq!(location, format!("http://localhost:{port}/collect-keys"));
    let followed = ureq::get(location.replace("localhost", "127.0.0.1"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .expect("answered");
    assert_eq!(followed.status().as_u16(), 501);
    drop(child.stdin.take());
    let mut report = String::new();
    stdout.read_line(&mut report).expect("report line");
    assert!(child.wait().expect("serve exits").success());
    let report: Value = serde_json::from_str(&report).expect("a JSON report");
    assert_eq!(report["unmatched"], json!(["GET /collect-keys"]));
    assert_eq!(report["unused"], json!([]));
}
