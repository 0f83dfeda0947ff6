//! WASI plugins: loaded with the option, refused without it.

use super::*;

#[test]
fn a_wasi_plugin_loads_with_the_wasi_option() {
    let manifest = support::fake_vendor_wasi("wasi-on", true);
    let manifest = manifest.to_str().expect("utf-8 path");
    let run = harness(&["describe", "--manifest", manifest], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["vendor"]["id"], "fake-vendor");
    let args = [
        "seed",
        "--manifest",
        manifest,
        "--as-of",
        "2026-11-01T00:00:00Z",
    ];
    let run = harness(&args, &[("HARNESS_CRED_TOKEN", SECRET_KEY)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for part in [
        "Fake Vendor (fake-vendor) 0.1.0, interface 1.0",
        "2 records, 0 warnings, 0 failed accounts",
        "Integration status: active",
    ] {
        assert!(run.stdout.contains(part), "{part:?} not in {}", run.stdout);
    }
}

#[test]
fn a_wasi_plugin_without_the_option_is_refused_naming_the_import_and_the_option() {
    let manifest = support::fake_vendor_wasi("wasi-off", false);
    let run = harness(
        &[
            "describe",
            "--manifest",
            manifest.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for part in [
        "fake_vendor_plugin.wasm imports wasi_snapshot_preview1::",
        "a WASI function, but its manifest does not turn WASI on",
        "set \"wasi\": true in manifest.json",
    ] {
        assert!(run.stderr.contains(part), "{part:?} not in {}", run.stderr);
    }
    assert!(!run.stderr.contains("unknown import"), "{}", run.stderr);
}
