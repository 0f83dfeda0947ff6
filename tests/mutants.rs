//! The mutation score of conformance: every deliberately broken variant of each example plugin
//! (`examples/paged-vendor` and `examples/oauth-vendor`, one cargo feature `mutant-…` each) must
//! fail conformance with the check that names its bug among the failed ones, and the example
//! itself must pass every check.
//!
//! The mutants and their checks are the table in each example's `README.md`, read here
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

use host_harness::conformance::{run_conformance, Report};
use host_harness::runtime::manifest::PluginManifest;

use support::{cargo_build, root, target_dir};

/// An example plugin with mutants.
#[derive(Clone, Copy)]
struct Example {
    /// Its folder, relative to the repository's root.
    folder: &'static str,
    /// Its crate.
    package: &'static str,
    /// The file its build writes, and its manifest's `wasm.path`.
    wasm: &'static str,
    /// How many checks conformance makes of it.
    checks: usize,
}

/// The template on a bearer token the MSP types.
const PAGED: Example = Example {
    folder: "examples/paged-vendor",
    package: "paged-vendor-plugin",
    wasm: "paged_vendor_plugin.wasm",
    checks: 27,
};

/// The template on OAuth2 client credentials.
const OAUTH: Example = Example {
    folder: "examples/oauth-vendor",
    package: "oauth-vendor-plugin",
    wasm: "oauth_vendor_plugin.wasm",
    checks: 27,
};

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
fn mutant_table(example: Example) -> Vec<Mutant> {
    let readme = std::fs::read_to_string(root().join(example.folder).join("README.md"))
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
fn mutant_features(example: Example) -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(root().join(example.folder).join("Cargo.toml"))
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
fn build_into(example: Example, features: Option<&str>, folder: &Path) -> Vec<u8> {
    let mut args = vec![
        "-p",
        example.package,
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
        .join(example.wasm);
    std::fs::create_dir_all(folder).expect("the mutant's folder is made");
    if folder != root().join(example.folder) {
        std::fs::copy(
            root().join(example.folder).join("manifest.json"),
            folder.join("manifest.json"),
        )
        .expect("the manifest is copied");
    }
    std::fs::copy(&built, folder.join(example.wasm)).expect("the wasm is copied");
    std::fs::read(folder.join(example.wasm)).expect("the wasm is read")
}

/// Runs conformance on the plugin whose manifest is in `folder`, with the example's fixtures.
fn conformance(example: Example, folder: &Path) -> Report {
    let manifest = PluginManifest::load(&folder.join("manifest.json")).expect("manifest loads");
    let fixtures = root().join(example.folder).join("fixtures");
    run_conformance(&manifest, &fixtures).expect("conformance runs")
}

/// What conformance made of one mutant.
struct Verdict {
    /// One line for the test's output: caught or missed, and the checks that failed.
    line: String,
    /// When the mutant's check did not fail: the report.
    missed: Option<String>,
}

/// Runs conformance on the mutant built into `folder`.
fn judge(example: Example, mutant: &Mutant, folder: &Path) -> Verdict {
    let report = conformance(example, folder);
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
fn each_mutant_table_lists_every_mutant_feature_once() {
    for (example, at_least) in [(PAGED, 12), (OAUTH, 9)] {
        let table = mutant_table(example);
        let listed: BTreeSet<String> = table.iter().map(|m| m.feature.clone()).collect();
        assert_eq!(
            listed.len(),
            table.len(),
            "{}: a mutant is listed twice",
            example.folder
        );
        assert_eq!(listed, mutant_features(example), "{}", example.folder);
        assert!(
            table.len() >= at_least,
            "{}: {} mutants",
            example.folder,
            table.len()
        );
    }
}

#[test]
fn every_mutant_of_the_paged_example_fails_the_check_that_names_its_bug() {
    score(PAGED);
}

#[test]
fn every_mutant_of_the_oauth_example_fails_the_check_that_names_its_bug() {
    score(OAUTH);
}

/// Builds the example and each of its mutants, and shows that conformance passes the one and
/// catches each other with the check its table names.
fn score(example: Example) {
    let started = Instant::now();
    let table = mutant_table(example);
    let folder = root().join(example.folder);
    let unmutated = build_into(example, None, &folder);
    let report = conformance(example, &folder);
    assert!(
        report.passed(),
        "{}",
        host_harness::render::conformance(&report)
    );
    assert_eq!(
        report.checks.len(),
        example.checks,
        "{}",
        host_harness::render::conformance(&report)
    );
    let names: BTreeSet<&str> = report.checks.iter().map(|c| c.name).collect();

    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("mutants")
        .join(example.package);
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
            let wasm = build_into(example, Some(&mutant.feature), &folder);
            assert_ne!(
                wasm, unmutated,
                "{} built the example unchanged",
                mutant.feature
            );
            verdicts.extend(judging.take().map(join));
            judging = Some(scope.spawn(move || judge(example, mutant, &folder)));
        }
        verdicts.extend(judging.map(join));
        verdicts
    });
    // The module left in the target folder is the example's, not the last mutant's.
    build_into(example, None, &folder);
    let mut missed: Vec<&str> = Vec::new();
    for verdict in &verdicts {
        println!("{}", verdict.line);
        missed.extend(verdict.missed.as_deref());
    }
    println!(
        "mutation score of {}: {}/{} mutants caught by the check that names their bug, in {:.0?}",
        example.folder,
        table.len() - missed.len(),
        table.len(),
        started.elapsed()
    );
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}
