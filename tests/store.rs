//! The MSP's steps on one store from the CLI (`map`, `sync`, `approve --store`), as a scheduled
//! job runs them beside `host-harness ui`: each step is one transaction, a kill in the middle
//! of an approval keeps nothing of it, the files scripts read come out of it and a mapping
//! file goes back in, and the key is in no byte of the store.

mod support;

use std::path::Path;

use host_harness::store::Store;
use plugin_contract::Secrets;
use support::{build_plugin, harness, scratch, Run};

const SCENARIO: &str = "fixtures/happy-path";
const PSA: &str = "fixtures/happy-path/psa.json";
const AS_OF: &str = "2026-11-26T12:00:00Z";

fn step(store: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let store = store.to_str().expect("a UTF-8 path");
    let mut all = vec![args[0], "--store", store, "--replay", SCENARIO];
    all.extend_from_slice(&args[1..]);
    harness(&all, env)
}

/// Returns every byte of the files in `folder`: the store and SQLite's journal files.
fn store_bytes(folder: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(folder).expect("the folder lists") {
        let path = entry.expect("an entry").path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(path).expect("a store file reads");
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    text
}

#[test]
fn map_sync_and_approve_share_one_store_and_a_kill_during_approval_keeps_nothing_of_it() {
    build_plugin();
    let folder = scratch("store-flow");
    let store = folder.join("host.db");

    let mapped = step(&store, &["map", "--psa", PSA], &[]);
    assert_eq!(mapped.code, 0, "{}", mapped.stderr);
    assert!(mapped.stdout.contains("Acme & Sons"), "{}", mapped.stdout);

    let synced = step(&store, &["sync", "--as-of", AS_OF], &[]);
    assert_eq!(synced.code, 0, "{}", synced.stderr);
    assert!(
        synced.stdout.contains("Sync 1 kept in"),
        "{}",
        synced.stdout
    );

    let before = Store::open(&store).unwrap().psa().unwrap().unwrap().1;
    let killed = step(
        &store,
        &["approve", "--all"],
        &[("HOST_HARNESS_TEST_STOP_AT", "approval-written")],
    );
    assert_ne!(killed.code, 0, "the approval was to be killed half way");
    {
        let opened = Store::open(&store).unwrap();
        assert!(
            opened.approvals().unwrap().is_empty(),
            "a killed approval was kept"
        );
        assert_eq!(
            opened.psa().unwrap().unwrap().1,
            before,
            "the PSA changed without its approval"
        );
    }

    let approved = step(&store, &["approve", "--all"], &[]);
    assert_eq!(approved.code, 0, "{}", approved.stderr);
    let opened = Store::open(&store).unwrap();
    let approvals = opened.approvals().unwrap();
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0].psa_sha256_before, before);
    assert_ne!(opened.psa().unwrap().unwrap().1, before);
    let mapping = opened.mapping().unwrap();
    drop(opened);

    // The files scripts read come out of the store, and a mapping file goes back in.
    let out = folder.join("export");
    let exported = step(&store, &["export", "--out", out.to_str().unwrap()], &[]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    for name in [
        "mapping.json",
        "psa.json",
        "review.json",
        "changes.json",
        "changes.csv",
    ] {
        assert!(
            out.join(name).exists(),
            "{name} not exported: {}",
            exported.stdout
        );
    }
    let csv = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    assert!(
        csv.starts_with("psa_account_id,psa_account_name,psa_product_id"),
        "{csv}"
    );
    let mapping_file = out.join("mapping.json");
    let imported = step(
        &store,
        &["import", "--mapping", mapping_file.to_str().unwrap()],
        &[],
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert_eq!(Store::open(&store).unwrap().mapping().unwrap(), mapping);

    let again = step(&store, &["sync", "--as-of", AS_OF, "--json"], &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let review = again.json();
    let kinds: Vec<&str> = review["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.is_empty());
    assert!(kinds.iter().all(|k| *k == "no_change"), "{kinds:?}");

    let key = Secrets::new(["replay-api-key"]);
    assert!(
        !key.found_in(&store_bytes(&folder)),
        "the key is in the store"
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn a_sync_before_any_account_and_service_are_mapped_is_refused() {
    build_plugin();
    let folder = scratch("store-unmapped");
    let store = folder.join("host.db");
    let synced = step(&store, &["sync", "--as-of", AS_OF], &[]);
    assert_eq!(synced.code, 1, "{}", synced.stdout);
    assert!(synced.stderr.contains("not finished"), "{}", synced.stderr);
    std::fs::remove_dir_all(&folder).unwrap();
}
