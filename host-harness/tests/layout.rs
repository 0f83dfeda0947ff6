//! The workspace's layout, checked, for every crate (`contract`, `kit`, `plugin`,
//! `host-harness`, `tests/fake-vendor`, `examples/paged-vendor`, `examples/oauth-vendor`), so
//! that the folders keep showing the jobs as the code grows:
//!
//! - no module imports one that imports it back (a cycle between files of a crate);
//! - no folder uses one that uses it back (a cycle between the top-level folders and files of
//!   a crate's `src/`, e.g. `seed` → `render` → `seed`): a folder sits above the ones it
//!   uses. The rule that follows for the harness: `seed` holds the rules of the seed, `render`
//!   lays them out, and `flow` (the seed printed for a person) sits above both;
//! - in the harness, each folder uses only the folders its job needs (`runtime` nothing,
//!   `traffic` the runtime, `conformance` the runtime and the traffic; `files`, which writes
//!   every file, nothing, so that any of them may use it), only the web host and the CLI use
//!   the store, and nothing uses the web host;
//! - no source file (any `.rs` of the workspace, tests and benches included) holds more than
//!   [`MAX_CODE_LINES`] lines of code (neither blank nor a comment), unless its first `//!`
//!   lines give the reason in a sentence starting with "Long because".
//!
//! Each rule has a self-test on a made-up graph or text, so that a rule that can no longer fail
//! is noticed. A module's imports are its `crate::…` paths, outside its `#[cfg(test)]` part
//! (and its `tests` files).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The crates of the workspace, by folder.
const CRATES: [&str; 7] = [
    "contract",
    "kit",
    "plugin",
    "host-harness",
    "tests/fake-vendor",
    "examples/paged-vendor",
    "examples/oauth-vendor",
];

/// The most lines of code a source file may hold without saying why.
const MAX_CODE_LINES: usize = 800;

/// A module graph: each module (`runtime::http`, `render`, …) and the modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// Returns the workspace's root folder.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the harness is inside the workspace")
        .to_path_buf()
}

/// Maps each module of the crate in `krate` (`runtime::http`, `render`, …) to the modules it
/// names; the crate's root (`lib`, `main`) is left out, as it names every module.
fn module_graph(krate: &str) -> Graph {
    let src = root().join(krate).join("src");
    let files = rust_files(&src);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        // A `tests` module is a module's `#[cfg(test)]` part in a file of its own.
        let is_tests = module.split("::").any(|part| part == "tests");
        if module == "main" || module == "lib" || is_tests {
            continue;
        }
        let text = fs::read_to_string(file).expect("a source file is readable");
        let used = uses(&code_of(&text))
            .into_iter()
            .filter_map(|path| longest_module(&modules, &path))
            .filter(|used| *used != module && !module.starts_with(&format!("{used}::")))
            .collect();
        graph.insert(module, used);
    }
    graph
}

/// Returns the code of a file outside its tests and comments.
fn code_of(text: &str) -> String {
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Returns the graph of the top-level folders (and files) of `graph`: `seed::review` using
/// `render` is `seed` using `render`.
fn folder_graph(graph: &Graph) -> Graph {
    let top = |module: &str| module.split("::").next().unwrap_or_default().to_owned();
    let mut folders: Graph = BTreeMap::new();
    for (module, used) in graph {
        let entry = folders.entry(top(module)).or_default();
        for target in used {
            if top(target) != top(module) {
                entry.insert(top(target));
            }
        }
    }
    folders
}

/// Lists every `.rs` file under `dir`, sorted, outside build output and installed packages.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("a source folder is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            if !["target", "node_modules", ".git", "dist"].contains(&name.as_ref()) {
                files.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Returns the module path of a file: `src/runtime/http.rs` → `runtime::http`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("the file is under src");
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Returns every `crate::a::b…` path named in `code`, without the `crate::`.
fn uses(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        paths.push(path.trim_end_matches(':').to_owned());
    }
    paths
}

/// Returns the longest known module that `path` starts with.
fn longest_module(modules: &BTreeSet<String>, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

/// Returns a cycle of the graph, if it has one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Counts the lines of `text` that are neither blank nor a comment.
fn code_lines(text: &str) -> usize {
    text.lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .count()
}

/// Tells whether the first `//!` lines of `text` say why it is long ("Long because …").
fn says_why_long(text: &str) -> bool {
    let doc: Vec<&str> = text
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| line.trim_start_matches("//!").trim())
        .collect();
    doc.join(" ").contains("Long because")
}

/// Lists the files of the workspace over [`MAX_CODE_LINES`] that do not say why, with their
/// count, as paths from the root.
fn long_files() -> Vec<(String, usize)> {
    let root = root();
    rust_files(&root)
        .into_iter()
        .filter_map(|file| {
            let text = fs::read_to_string(&file).expect("a source file is readable");
            let lines = code_lines(&text);
            let shown = file
                .strip_prefix(&root)
                .expect("under the root")
                .to_string_lossy()
                .into_owned();
            (lines > MAX_CODE_LINES && !says_why_long(&text)).then_some((shown, lines))
        })
        .collect()
}

#[test]
fn no_module_of_any_crate_imports_one_that_imports_it_back() {
    for krate in CRATES {
        let graph = module_graph(krate);
        if let Some(cycle) = find_cycle(&graph) {
            panic!("import cycle in {krate}: {}", cycle.join(" -> "));
        }
    }
    assert!(module_graph("host-harness").contains_key("runtime::plugin"));
}

#[test]
fn no_folder_of_any_crate_uses_one_that_uses_it_back() {
    for krate in CRATES {
        if let Some(cycle) = find_cycle(&folder_graph(&module_graph(krate))) {
            panic!("folder cycle in {krate}: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn only_the_web_host_uses_the_store_and_nothing_uses_the_web_host() {
    for (module, used) in &module_graph("host-harness") {
        let top = module.split("::").next().unwrap_or_default();
        for target in used {
            let used_top = target.split("::").next().unwrap_or_default();
            assert!(
                used_top != "ui" || top == "ui",
                "{module} uses {target}: the web host is a face nothing else uses"
            );
            assert!(
                used_top != "store" || top == "ui" || top == "store",
                "{module} uses {target}: only the web host and the CLI use the store"
            );
        }
    }
}

#[test]
fn each_harness_folder_uses_only_the_folders_its_job_needs() {
    let graph = module_graph("host-harness");
    let allowed = [
        ("runtime", &["runtime"][..]),
        ("traffic", &["runtime", "traffic", "files"]),
        (
            "conformance",
            &["runtime", "traffic", "conformance", "files", "schema_files"],
        ),
        ("files", &[]),
        ("clock", &[]),
        ("schema_files", &["files"]),
        // The seed holds rules only: render lays them out, flow prints them.
        (
            "seed",
            &["seed", "runtime", "files", "clock", "schema_files"],
        ),
        // The store keeps the seed's state; the web host is a face over it, used by no one.
        ("store", &["store", "seed", "clock"]),
    ];
    for (module, used) in &graph {
        for (folder, may_use) in allowed {
            if module.split("::").next() != Some(folder) {
                continue;
            }
            for target in used {
                let top = target.split("::").next().unwrap_or_default();
                assert!(
                    may_use.contains(&top),
                    "{module} uses {target}, outside {may_use:?}"
                );
            }
        }
    }
}

#[test]
fn no_source_file_is_long_without_saying_why() {
    let long = long_files();
    let unexplained: Vec<String> = long
        .iter()
        .map(|(file, lines)| format!("{file}: {lines} lines of code"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "over {MAX_CODE_LINES} lines of code, split it by job or say \"Long because …\" in its first //! lines: {}",
        unexplained.join("; ")
    );
}

#[test]
fn a_cycle_is_found_and_named() {
    let graph: Graph = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn a_folder_cycle_is_found_where_the_files_have_none() {
    let graph: Graph = [
        ("seed::flow", vec!["render"]),
        ("render", vec!["seed::review"]),
        ("seed::review", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(find_cycle(&graph), None);
    assert_eq!(
        find_cycle(&folder_graph(&graph)),
        Some(vec!["render".into(), "seed".into(), "render".into()])
    );
}

#[test]
fn a_long_file_must_say_why() {
    let long = "fn f() {}\n".repeat(MAX_CODE_LINES + 1);
    assert_eq!(
        code_lines(&format!("//! Doc.\n\n// note\n{long}")),
        MAX_CODE_LINES + 1
    );
    assert!(!says_why_long(&format!("//! Doc.\n{long}")));
    assert!(says_why_long(&format!(
        "//! Doc.\n//! Long because it is one table.\n{long}"
    )));
    assert!(!says_why_long("fn f() {}\n//! Long because late.\n"));
}
