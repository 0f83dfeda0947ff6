//! Expected outputs: a scenario's outputs as its author read and accepted them, like a
//! snapshot test. Catches any change of output the other checks allow: a count that moved,
//! an account renamed, a message that lost its advice.
//!
//! `conformance.json`'s `outputs` names, per scenario, a file inside the fixtures folder (e.g.
//! `"outputs": {"happy-path": "happy-path/outputs.json"}`): a JSON array with one entry per
//! call, `{"call": "<export>", "output": <JSON>}` or `{"call": "<export>", "error": <JSON>}`,
//! as the plugin sent it, the replay server's address written `replay-server`. The check
//! [`EXPECTED_OUTPUTS`] fails naming the first call whose output differs, and where; it lists
//! the scenarios the run used that have no expected outputs. Each file that is missing or
//! differs gets a [`Pending`] beside it, `<file>.new`, which `host-harness conformance
//! --write-pending` writes: the author reads it and renames it over `<file>` to accept it.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{fail, listed, pass, Check, Output};

/// The name of the check of expected outputs.
pub const EXPECTED_OUTPUTS: &str = "each scenario gives the outputs its author accepted";

/// What a run gave where its expected outputs are missing or differ, to be written for the
/// author to read and accept.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// `<file>.new`, beside the expected outputs' file.
    pub path: PathBuf,
    /// The outputs, pretty JSON ending in a new line.
    pub text: String,
}

/// Returns the file text of `outputs`: one entry per call, pretty JSON.
pub fn outputs_text(outputs: &[&Output]) -> String {
    let entries: Vec<Value> = outputs
        .iter()
        .map(|output| {
            let key = if output.failed { "error" } else { "output" };
            let value = serde_json::from_str(&output.text)
                .unwrap_or_else(|_| Value::String(output.text.clone()));
            json!({"call": output.call, key: value})
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&Value::Array(entries)).unwrap_or_default();
    text.push('\n');
    text
}

/// Compares each scenario's outputs with its expected file; `scenarios` are the scenarios the
/// run used with their outputs in call order, and `named` the plan's `outputs` entries.
pub fn check_outputs(
    fixtures: &Path,
    scenarios: &[(&str, Vec<&Output>)],
    named: &std::collections::BTreeMap<String, String>,
) -> (Check, Vec<Pending>) {
    let (mut problems, mut matched, mut pending) = (Vec::new(), Vec::new(), Vec::new());
    for (scenario, outputs) in scenarios {
        let Some(file) = named.get(*scenario) else {
            continue;
        };
        let path = fixtures.join(file);
        let text = outputs_text(outputs);
        let new = PathBuf::from(format!("{}.new", path.display()));
        let difference = match std::fs::read_to_string(&path) {
            Err(_) => Some(format!("{scenario}: {file} cannot be read")),
            Ok(expected) => match serde_json::from_str::<Value>(&expected) {
                Err(e) => Some(format!("{scenario}: {file} is not JSON: {e}")),
                Ok(expected) => {
                    let actual: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    first_call_differing(&expected, &actual)
                        .map(|what| format!("{scenario}: {what} differs from {file}"))
                }
            },
        };
        match difference {
            Some(problem) => {
                problems.push(problem);
                pending.push(Pending { path: new, text });
            }
            None => matched.push(format!("{scenario} ({} calls)", outputs.len())),
        }
    }
    let without: Vec<&str> = scenarios
        .iter()
        .map(|(scenario, _)| *scenario)
        .filter(|scenario| !named.contains_key(*scenario))
        .collect();
    let unchecked = if without.is_empty() {
        String::new()
    } else {
        format!(
            "no expected outputs for {} (name a file for each in conformance.json's outputs)",
            without.join(", ")
        )
    };
    let check = if problems.is_empty() {
        let mut detail = if matched.is_empty() {
            String::new()
        } else {
            format!("{} as accepted", matched.join(", "))
        };
        if !detail.is_empty() && !unchecked.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str(&unchecked);
        pass(EXPECTED_OUTPUTS, &detail)
    } else {
        let mut detail = listed(problems, "; ");
        detail.push_str(
            " (run conformance with --write-pending, read each <file>.new and rename it over <file> to accept it)",
        );
        if !unchecked.is_empty() {
            detail.push_str("; ");
            detail.push_str(&unchecked);
        }
        fail(EXPECTED_OUTPUTS, detail)
    };
    (check, pending)
}

/// Names the first call whose entry differs between `expected` and `actual`, and the JSON
/// pointer where; `None` when they are equal.
fn first_call_differing(expected: &Value, actual: &Value) -> Option<String> {
    let (Some(expected), Some(actual)) = (expected.as_array(), actual.as_array()) else {
        return (expected != actual).then(|| "the file is not a list of calls and".to_owned());
    };
    for (index, actual_call) in actual.iter().enumerate() {
        let call = actual_call["call"].as_str().unwrap_or("a call");
        let Some(expected_call) = expected.get(index) else {
            return Some(format!(
                "{call} (call {}) is not in the file, and",
                index + 1
            ));
        };
        if let Some(at) = first_difference(expected_call, actual_call, String::new()) {
            let at = if at.is_empty() { "/".to_owned() } else { at };
            return Some(format!("{call} (call {}, at {at})", index + 1));
        }
    }
    (expected.len() > actual.len()).then(|| {
        format!(
            "the run made {} calls where the file has {}, and it",
            actual.len(),
            expected.len()
        )
    })
}

/// Returns the JSON pointer of the first place where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|key| {
                let (x, y) = (a.get(key), b.get(key));
                match (x, y) {
                    (Some(x), Some(y)) => first_difference(x, y, format!("{at}/{key}")),
                    _ => Some(format!("{at}/{key}")),
                }
            })
        }
        (Value::Array(a), Value::Array(b)) => {
            let found = a
                .iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (x, y))| first_difference(x, y, format!("{at}/{i}")));
            found.or_else(|| (a.len() != b.len()).then(|| format!("{at}/{}", a.len().min(b.len()))))
        }
        _ => (a != b).then_some(at),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::tests::output;
    use super::*;

    /// Makes a fixtures folder with a scenario folder `happy`.
    fn fixtures(name: &str) -> PathBuf {
        let folder = std::env::temp_dir().join(format!("outputs-{name}-{}", std::process::id()));
        std::fs::create_dir_all(folder.join("happy")).expect("folder made");
        folder
    }

    #[test]
    fn a_count_that_changed_fails_naming_the_call_and_the_pointer() {
        let folder = fixtures("changed");
        let accepted = [output(
            "list_accounts",
            false,
            json!({"accounts": [{"id": "c1", "seats": 3}]}),
        )];
        let accepted: Vec<&Output> = accepted.iter().collect();
        std::fs::write(folder.join("happy/outputs.json"), outputs_text(&accepted))
            .expect("written");
        let named: BTreeMap<String, String> =
            [("happy".to_owned(), "happy/outputs.json".to_owned())].into();
        let (check, pending) = check_outputs(&folder, &[("happy", accepted.clone())], &named);
        assert!(check.passed, "{}", check.detail);
        assert_eq!(check.detail, "happy (1 calls) as accepted");
        assert!(pending.is_empty());

        let changed = [output(
            "list_accounts",
            false,
            json!({"accounts": [{"id": "c1", "seats": 4}]}),
        )];
        let changed: Vec<&Output> = changed.iter().collect();
        let runs = [("happy", changed.clone()), ("bad-key", Vec::new())];
        let (check, pending) = check_outputs(&folder, &runs, &named);
        std::fs::remove_dir_all(&folder).expect("removed");
        assert!(!check.passed);
        assert_eq!(check.name, EXPECTED_OUTPUTS);
        assert!(
            check.detail.starts_with(
                "happy: list_accounts (call 1, at /output/accounts/0/seats) differs from happy/outputs.json"
            ),
            "{}",
            check.detail
        );
        assert!(check.detail.ends_with("no expected outputs for bad-key (name a file for each in conformance.json's outputs)"), "{}", check.detail);
        assert_eq!(pending.len(), 1);
        assert!(pending[0].path.ends_with("happy/outputs.json.new"));
        assert_eq!(pending[0].text, outputs_text(&changed));
    }

    #[test]
    fn a_missing_expected_file_fails_and_is_written_pending() {
        let folder = fixtures("missing");
        let named: BTreeMap<String, String> =
            [("happy".to_owned(), "happy/outputs.json".to_owned())].into();
        let error = [output(
            "authenticate",
            true,
            json!({"class": "auth", "message": "no"}),
        )];
        let (check, pending) = check_outputs(&folder, &[("happy", error.iter().collect())], &named);
        std::fs::remove_dir_all(&folder).expect("removed");
        assert!(!check.passed);
        assert!(
            check
                .detail
                .starts_with("happy: happy/outputs.json cannot be read"),
            "{}",
            check.detail
        );
        assert!(
            pending[0].text.contains("\"error\": {"),
            "{}",
            pending[0].text
        );
    }

    #[test]
    fn scenarios_without_expected_outputs_are_listed_in_a_passing_check() {
        let (check, pending) =
            check_outputs(Path::new("."), &[("happy", Vec::new())], &BTreeMap::new());
        assert!(check.passed);
        assert_eq!(
            check.detail,
            "no expected outputs for happy (name a file for each in conformance.json's outputs)"
        );
        assert!(pending.is_empty());
    }
}
