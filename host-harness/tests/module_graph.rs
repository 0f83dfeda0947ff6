//! The harness's layout, checked: no module imports one that imports it back, and each folder
//! uses only the folders its job needs (`runtime` nothing, `checks` the runtime; `files`, which
//! writes every file, nothing, so that any of them may use it), so the folders keep showing the
//! three jobs as the code grows.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Maps each module of `src/` (`runtime::http`, `render`, …) to the modules it names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "main" || module == "lib" {
            continue;
        }
        let text = fs::read_to_string(file).expect("a source file is readable");
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or("")
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let used = uses(&code)
            .into_iter()
            .filter_map(|path| longest_module(&modules, &path))
            .filter(|used| *used != module && !module.starts_with(&format!("{used}::")))
            .collect();
        graph.insert(module, used);
    }
    graph
}

/// Lists every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
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
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
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

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = module_graph();
    assert!(graph.contains_key("runtime::plugin"), "{graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn only_the_web_host_uses_the_store_and_nothing_uses_the_web_host() {
    for (module, used) in &module_graph() {
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
fn the_runtime_uses_no_other_folder_and_the_checks_only_the_runtime() {
    let graph = module_graph();
    let allowed = [
        ("runtime", &["runtime"][..]),
        ("checks", &["runtime", "checks", "files"]),
        ("files", &[]),
        ("clock", &[]),
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
fn a_cycle_is_found_and_named() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
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
