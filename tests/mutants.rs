//! The mutation score of conformance: every deliberately broken variant of the example plugin
//! (`examples/paged-vendor`, one cargo feature `mutant-…` each) must fail conformance with the
//! check that names its bug among the failed ones, and the example itself must pass every check.
//!
//! The mutants and their checks are the table in `examples/paged-vendor/README.md`, read here
//! so that the guide and the test cannot drift apart; the crate's `mutant-…` features must be
//! the same set. Each variant is built in turn into the one target folder (only the example
//! crate recompiles: under 2 s), and its wasm is copied into a folder of its own beside a copy
//! of the manifest before the next build overwrites it; its conformance runs while the next
//! variant builds. On 2 cores the run takes about 35 s when the host has compiled these
//! modules before (wasmtime's cache), about 90 s when not: compiling a module in the debug-built
//! host is most of it.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use host_harness::checks::conformance::{run_conformance, Report};
use host_harness::runtime::manifest::PluginManifest;

use support::{cargo_build, root, target_dir};

/// The example's folder, relative to the repository's root.
const EXAMPLE: &str = "examples/paged-vendor";

/// The file the example's build writes, and its manifest's `wasm.path`.
const WASM: &str = "paged_vendor_plugin.wasm";

/// The profile every variant is built in: the plugin's own (`./dev build`), whose LTO costs
/// little on a crate this small and whose smaller module compiles faster in the host.
const PROFILE: &str = "plugin";

/// A mutant: its cargo feature and the name of the check that must catch it.
#[derive(Debug)]
struct Mutant {
    feature: String,
    check: String,
}

/// Reads the mutant table of the example's README: rows `| `mutant-…` | bug | check |`.
fn mutant_table() -> Vec<Mutant> {
    let readme = std::fs::read_to_string(root().join(EXAMPLE).join("README.md"))
        .expect("the example's README is read");
    readme
        .lines()
        .filter(|line| line.starts_with("| `mutant-"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 5, "a mutant row has three cells: {line}");
            Mutant {
                feature: cells[1].trim_matches('`').to_owned(),
                check: cells[3].to_owned(),
            }
        })
        .collect()
}

/// Lists the `mutant-…` features of the example's `Cargo.toml`.
fn mutant_features() -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(root().join(EXAMPLE).join("Cargo.toml"))
        .expect("the example's Cargo.toml is read");
    manifest
        .lines()
        .filter(|line| line.starts_with("mutant-"))
        .filter_map(|line| line.split_once(" = "))
        .map(|(feature, _)| feature.to_owned())
        .collect()
}

/// Builds the example with `features` (none: the example itself) and copies its wasm into
/// `folder`, beside a copy of its manifest; returns the wasm's bytes.
fn build_into(features: Option<&str>, folder: &Path) -> Vec<u8> {
    let mut args = vec![
        "-p",
        "paged-vendor-plugin",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        PROFILE,
    ];
    if let Some(features) = features {
        args.extend(["--features", features]);
    }
    cargo_build(&args);
    let built = target_dir()
        .join("wasm32-unknown-unknown")
        .join(PROFILE)
        .join(WASM);
    std::fs::create_dir_all(folder).expect("the mutant's folder is made");
    if folder != root().join(EXAMPLE) {
        std::fs::copy(
            root().join(EXAMPLE).join("manifest.json"),
            folder.join("manifest.json"),
        )
        .expect("the manifest is copied");
    }
    std::fs::copy(&built, folder.join(WASM)).expect("the wasm is copied");
    std::fs::read(folder.join(WASM)).expect("the wasm is read")
}

/// Runs conformance on the plugin whose manifest is in `folder`, with the example's fixtures.
fn conformance(folder: &Path) -> Report {
    let manifest = PluginManifest::load(&folder.join("manifest.json")).expect("manifest loads");
    run_conformance(&manifest, &root().join(EXAMPLE).join("fixtures")).expect("conformance runs")
}

/// What conformance made of one mutant.
struct Verdict {
    /// One line for the test's output: caught or missed, and the checks that failed.
    line: String,
    /// When the mutant's check did not fail: the report.
    missed: Option<String>,
}

/// Runs conformance on the mutant built into `folder`.
fn judge(mutant: &Mutant, folder: &Path) -> Verdict {
    let report = conformance(folder);
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name)
        .collect();
    let caught = failed.contains(&mutant.check.as_str());
    Verdict {
        line: format!(
            "{} {}: {} failed ({})",
            if caught { "caught" } else { "MISSED" },
            mutant.feature,
            failed.len(),
            failed.join("; ")
        ),
        missed: (!caught).then(|| {
            format!(
                "{} was not caught by {:?}:\n{}",
                mutant.feature,
                mutant.check,
                host_harness::render::conformance(&report)
            )
        }),
    }
}

fn join(judging: std::thread::ScopedJoinHandle<'_, Verdict>) -> Verdict {
    judging.join().expect("conformance of a mutant ran")
}

#[test]
fn the_mutant_table_lists_every_mutant_feature_once_with_a_check_conformance_has() {
    let table = mutant_table();
    let listed: BTreeSet<String> = table.iter().map(|m| m.feature.clone()).collect();
    assert_eq!(listed.len(), table.len(), "a mutant is listed twice");
    assert_eq!(listed, mutant_features());
    assert!(table.len() >= 12, "{} mutants", table.len());
}

#[test]
fn every_mutant_of_the_example_fails_the_check_that_names_its_bug() {
    let started = Instant::now();
    let table = mutant_table();
    let example = root().join(EXAMPLE);
    let unmutated = build_into(None, &example);
    let report = conformance(&example);
    assert!(
        report.passed(),
        "{}",
        host_harness::render::conformance(&report)
    );
    assert_eq!(
        report.checks.len(),
        19,
        "{}",
        host_harness::render::conformance(&report)
    );
    let names: BTreeSet<&str> = report.checks.iter().map(|c| c.name).collect();

    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mutants");
    // Each mutant's conformance runs while the next one builds: one of each at a time.
    let verdicts: Vec<Verdict> = std::thread::scope(|scope| {
        let mut verdicts = Vec::new();
        let mut judging = None;
        for mutant in &table {
            assert!(
                names.contains(mutant.check.as_str()),
                "{}: conformance has no check named {:?}",
                mutant.feature,
                mutant.check
            );
            let folder = scratch.join(&mutant.feature);
            let wasm = build_into(Some(&mutant.feature), &folder);
            assert_ne!(
                wasm, unmutated,
                "{} built the example unchanged",
                mutant.feature
            );
            verdicts.extend(judging.take().map(join));
            judging = Some(scope.spawn(move || judge(mutant, &folder)));
        }
        verdicts.extend(judging.map(join));
        verdicts
    });
    // The module left in the target folder is the example's, not the last mutant's.
    build_into(None, &example);
    let mut missed: Vec<&str> = Vec::new();
    for verdict in &verdicts {
        println!("{}", verdict.line);
        missed.extend(verdict.missed.as_deref());
    }
    println!(
        "mutation score: {}/{} mutants caught by the check that names their bug, in {:.0?}",
        table.len() - missed.len(),
        table.len(),
        started.elapsed()
    );
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}
