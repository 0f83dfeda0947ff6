//! The host profile is enough on its own: every file `HOST-PROFILE.md` names is in the release
//! bundle, the page names no file of the repository outside its last section (which says so),
//! and the transcripts the bundle ships are what `schemas/transcript.json` describes.
//!
//! (`tests/minimal-host/` checks the other half: a host written from the page alone gives the
//! shipped transcripts; `./dev hosts` runs it.)

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use host_harness::bundle::{write_bundle_with_scenarios, ScenarioIndex};
use host_harness::runtime::manifest::PluginManifest;
use host_harness::traffic::transcript::Transcript;
use serde_json::Value;

/// The heading of the profile's section listing what is in the repository only.
const REPOSITORY_ONLY: &str = "## 6. In the repository, not the bundle";

/// Extensions that make a word in code a file name, even without a `/`.
const FILE_EXTENSIONS: [&str; 9] = [
    ".json", ".md", ".wasm", ".rs", ".py", ".js", ".toml", ".lock", ".sh",
];

/// Writes the SaaS Alerts bundle, with its fixtures' scenarios, once per test binary.
fn bundle() -> &'static Path {
    static BUNDLE: OnceLock<PathBuf> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        support::build_plugin();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("host-profile");
        let _ = std::fs::remove_dir_all(&out);
        let manifest =
            PluginManifest::load(&support::root().join("manifest.json")).expect("manifest loads");
        write_bundle_with_scenarios(&manifest, &out, Some(&support::root().join("fixtures")))
            .expect("the bundle is written")
    })
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn scenarios(bundle: &Path) -> Vec<String> {
    let index: ScenarioIndex =
        serde_json::from_value(read_json(&bundle.join("scenarios/index.json"))).expect("index");
    index.scenarios
}

/// Returns the text of every code span of `markdown` (one or more backticks, closed by as many).
fn code_spans(markdown: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].bytes().take_while(|b| *b == b'`').count();
        let fence = &rest[start..start + ticks];
        let body = &rest[start + ticks..];
        match body.find(fence) {
            Some(end) => {
                spans.push(&body[..end]);
                rest = &body[end + ticks..];
            }
            None => break,
        }
    }
    spans
}

/// Returns the words of `markdown`'s code that name a file or folder: `a/b`, `a/`, or a name
/// with a file's extension. A word holding anything else (`:` as in `extism:host/env` or a
/// `repo:path` of another project, `@`, braces, quotes) is not a path of ours, nor is a URL's
/// `host/path` (its first part holds a dot).
fn named_paths(markdown: &str) -> BTreeSet<String> {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "_.-/<>".contains(c);
    code_spans(markdown)
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(|word| word.trim_matches(|c: char| "(),;".contains(c)))
        .filter(|word| word.chars().all(is_path_char))
        .filter(|word| word.chars().any(|c| c.is_ascii_alphanumeric()))
        .filter(|word| word.contains('/') || FILE_EXTENSIONS.iter().any(|ext| word.ends_with(ext)))
        .filter(|word| {
            let first = word.split('/').next().unwrap_or_default();
            !(word.contains('/') && first.contains('.') && !first.starts_with('.'))
        })
        .map(str::to_owned)
        .collect()
}

/// Tells whether the bundle holds `path`: as it is, with `<scenario>` standing for each of its
/// scenarios, or, for a bare file name, somewhere in it.
fn in_bundle(bundle: &Path, path: &str) -> bool {
    let path = path.trim_end_matches('/');
    if path.contains("<scenario>") {
        let all = scenarios(bundle);
        return !all.is_empty()
            && all
                .iter()
                .all(|s| bundle.join(path.replace("<scenario>", s)).exists());
    }
    if bundle.join(path).exists() {
        return true;
    }
    !path.contains('/') && files_under(bundle).iter().any(|f| f.ends_with(path))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder of the bundle") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_bundle_ships_the_profile_and_every_file_it_names() {
    let bundle = bundle();
    let shipped = std::fs::read_to_string(bundle.join("HOST-PROFILE.md")).expect("shipped");
    let source = std::fs::read_to_string(support::root().join("contract/HOST-PROFILE.md"))
        .expect("the profile");
    assert_eq!(shipped, source, "the bundle ships the profile as it is");
    let (page, repository_only) = shipped
        .split_once(REPOSITORY_ONLY)
        .expect("the profile has its section of repository paths");

    let named = named_paths(page);
    for expected in [
        "schemas/transcript.json",
        "vectors/sha256-pin.json",
        "scenarios/index.json",
        "scenarios/<scenario>/transcript.json",
    ] {
        assert!(named.contains(expected), "the profile names {expected}");
    }
    let missing: Vec<&String> = named.iter().filter(|p| !in_bundle(bundle, p)).collect();
    assert!(
        missing.is_empty(),
        "the profile names files the bundle does not hold (a repository path belongs in \
         {REPOSITORY_ONLY:?}): {missing:?}"
    );

    let listed = named_paths(repository_only);
    assert!(!listed.is_empty());
    for path in &listed {
        assert!(
            support::root().join(path.trim_end_matches('/')).exists(),
            "{REPOSITORY_ONLY:?} names {path}, which the repository does not hold"
        );
    }
}

#[test]
fn the_path_finder_sees_paths_and_nothing_else() {
    let text = "`schemas/error.json`, `vectors/`, (`plugin.wasm`) `extism:host/env` \
                `github.com/extism/go-sdk` `extism/extism:runtime/src/pdk.rs` `@extism/extism` \
                `Plugin-originated error: ` `0x7f.1` `/` ``a scenarios/<scenario>/x.json b``";
    let found: Vec<String> = named_paths(text).into_iter().collect();
    assert_eq!(
        found,
        [
            "plugin.wasm",
            "scenarios/<scenario>/x.json",
            "schemas/error.json",
            "vectors/"
        ]
    );
}

#[test]
fn the_bundle_ships_every_scenario_as_recorded_with_its_transcript() {
    let bundle = bundle();
    let fixtures = support::root().join("fixtures");
    let mut recorded: Vec<String> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.join("exchanges.json").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    recorded.sort();
    assert_eq!(scenarios(bundle), recorded);
    let index = read_json(&bundle.join("scenarios/index.json"));
    assert_eq!(index["as_of"], support::AS_OF);

    let schema = read_json(&bundle.join("schemas/transcript.json"));
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for scenario in &recorded {
        for file in ["exchanges.json", "credentials.json"] {
            assert_eq!(
                std::fs::read(bundle.join("scenarios").join(scenario).join(file)).ok(),
                std::fs::read(fixtures.join(scenario).join(file)).ok(),
                "{scenario}/{file} is shipped as recorded"
            );
        }
        let transcript = read_json(
            &bundle
                .join("scenarios")
                .join(scenario)
                .join("transcript.json"),
        );
        let errors: Vec<String> = validator
            .iter_errors(&transcript)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        assert!(errors.is_empty(), "{scenario}: {errors:?}");
        // The types the schema is generated from hold every member: nothing is lost.
        let typed: Transcript = serde_json::from_value(transcript.clone())
            .unwrap_or_else(|e| panic!("{scenario}: {e}"));
        assert_eq!(
            serde_json::to_value(typed).expect("serialized"),
            transcript,
            "{scenario}"
        );
    }
}

#[test]
fn the_shipped_transcripts_name_the_server_by_its_placeholder() {
    let bundle = bundle();
    let text = std::fs::read_to_string(bundle.join("scenarios/happy-path/transcript.json"))
        .expect("shipped");
    assert!(
        text.contains("{server}"),
        "the plugin names the API URL it was given"
    );
    assert!(!text.contains("127.0.0.1:"), "no port of a run is shipped");
    let failed = read_json(&bundle.join("scenarios/one-customer-unreadable/transcript.json"));
    let account = &failed["fetch_usage"]["ok"]["failed_accounts"][0];
    assert!(account["error"]["class"].is_string());
    assert!(
        account["error"].get("message").is_none(),
        "failure messages are removed"
    );
}
