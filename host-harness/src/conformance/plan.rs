//! `conformance.json`, the plan of a conformance run: which scenarios of a fixtures folder to
//! replay and what each must give. Its own module, because both the checks and the schemas
//! read it.
//!
//! A scenario is named by its folder relative to the fixtures folder, and must stay inside it:
//! a name that is absolute, holds `..`, or resolves through a link to a folder outside is
//! refused, naming the entry, so that a fixtures folder is a whole that conformance runs on,
//! not a pointer to any folder of the machine.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use plugin_contract::ErrorClass;
use schemars::JsonSchema;
use serde::Deserialize;

/// `conformance.json`: which scenarios of the fixtures folder to use.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The scenario folder whose credentials work, relative to the fixtures folder: every call
    /// is made on it.
    pub valid: String,
    /// The scenario folder whose credentials the vendor rejects, relative to the fixtures
    /// folder: `authenticate` must fail with class `auth`.
    pub invalid_credentials: String,
    /// How many accounts `list_accounts` gives on the valid scenario, inactive ones included;
    /// unchecked when absent.
    #[serde(default)]
    pub accounts: Option<usize>,
    /// Scenario folders, relative to the fixtures folder, each with the class its run must fail
    /// with first: the error of the first of the five calls that fails (in the order a host
    /// makes them), or when none does, the error of `fetch_usage`'s first failed account.
    #[serde(default)]
    pub expect: BTreeMap<String, ErrorClass>,
    /// Scenario folders, relative to the fixtures folder, each with the file, relative to the
    /// fixtures folder too, that holds the outputs its run must give (the five calls on a
    /// scenario of its own; `authenticate` alone on `invalid_credentials`), as the author
    /// accepted them: `host-harness conformance --write-pending` writes `<file>.new` to read
    /// and rename.
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
}

/// Why a plan cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// `conformance.json` could not be read.
    #[error("cannot read {}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `conformance.json` is not a plan.
    #[error("cannot use {}", .path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// An entry names a folder outside the fixtures folder.
    #[error(
        "conformance.json: {entry} names {scenario:?}, which is not a folder inside the fixtures \
         folder: name a scenario by its folder relative to the fixtures folder, without `..` \
         or links that leave it"
    )]
    Outside { entry: String, scenario: String },
}

impl Plan {
    /// Reads `conformance.json` in `fixtures`, refusing an entry that names a folder outside.
    pub fn read(fixtures: &Path) -> Result<Plan, PlanError> {
        let path = fixtures.join("conformance.json");
        let text = std::fs::read_to_string(&path).map_err(|source| PlanError::Read {
            path: path.clone(),
            source,
        })?;
        let plan: Plan =
            serde_json::from_str(&text).map_err(|source| PlanError::Parse { path, source })?;
        for (entry, scenario) in plan.entries() {
            if !stays_inside(fixtures, scenario) {
                return Err(PlanError::Outside {
                    entry,
                    scenario: scenario.to_owned(),
                });
            }
        }
        Ok(plan)
    }

    /// Returns every scenario the plan names, with the entry that names it.
    fn entries(&self) -> impl Iterator<Item = (String, &str)> {
        [
            ("valid".to_owned(), self.valid.as_str()),
            (
                "invalid_credentials".to_owned(),
                self.invalid_credentials.as_str(),
            ),
        ]
        .into_iter()
        .chain(
            self.expect
                .keys()
                .map(|scenario| (format!("expect {scenario:?}"), scenario.as_str())),
        )
        .chain(self.outputs.iter().flat_map(|(scenario, file)| {
            [
                (format!("outputs {scenario:?}"), scenario.as_str()),
                (format!("outputs {scenario:?}"), file.as_str()),
            ]
        }))
    }
}

/// Tells whether `scenario` names a folder (or a file) inside `fixtures`: relative, with plain
/// components only, and still inside once links are resolved: itself when it exists, else
/// the folder it would be written in.
fn stays_inside(fixtures: &Path, scenario: &str) -> bool {
    let relative = Path::new(scenario);
    let plain = relative.components().next().is_some()
        && relative
            .components()
            .all(|part| matches!(part, Component::Normal(_)));
    if !plain {
        return false;
    }
    let Ok(root) = fixtures.canonicalize() else {
        return true;
    };
    let target = fixtures.join(relative);
    match target.canonicalize() {
        Ok(found) => found.starts_with(&root) && found != root,
        // Not there: a scenario is reported by the replay, naming its file; a file to write
        // must be written inside.
        Err(_) => target
            .parent()
            .and_then(|parent| parent.canonicalize().ok())
            .is_none_or(|parent| parent.starts_with(&root)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes a fixtures folder holding `conformance.json` with `plan` and a scenario `ok`.
    fn fixtures_with(name: &str, plan: serde_json::Value) -> PathBuf {
        let folder = std::env::temp_dir().join(format!("plan-{name}-{}", std::process::id()));
        std::fs::create_dir_all(folder.join("ok")).expect("folder made");
        std::fs::write(folder.join("conformance.json"), plan.to_string()).expect("written");
        folder
    }

    #[test]
    fn scenario_names_leaving_the_fixtures_folder_are_refused_naming_the_entry() {
        let outside = std::env::temp_dir().join(format!("plan-outside-{}", std::process::id()));
        std::fs::create_dir_all(&outside).expect("folder made");
        let cases = [
            (
                "valid",
                serde_json::json!({"valid": "../outside", "invalid_credentials": "ok"}),
            ),
            (
                "invalid_credentials",
                serde_json::json!({"valid": "ok", "invalid_credentials": outside}),
            ),
            (
                "expect \"ok/../..\"",
                serde_json::json!({"valid": "ok", "invalid_credentials": "ok", "expect": {"ok/../..": "auth"}}),
            ),
            (
                "valid",
                serde_json::json!({"valid": ".", "invalid_credentials": "ok"}),
            ),
            (
                "valid",
                serde_json::json!({"valid": "", "invalid_credentials": "ok"}),
            ),
            (
                "valid",
                serde_json::json!({"valid": "link", "invalid_credentials": "ok"}),
            ),
            (
                "outputs \"ok\"",
                serde_json::json!({"valid": "ok", "invalid_credentials": "ok",
                    "outputs": {"ok": "../outputs.json"}}),
            ),
            (
                "outputs \"ok\"",
                serde_json::json!({"valid": "ok", "invalid_credentials": "ok",
                    "outputs": {"ok": "link/outputs.json"}}),
            ),
        ];
        for (index, (entry, plan)) in cases.into_iter().enumerate() {
            let fixtures = fixtures_with(&format!("out{index}"), plan);
            std::os::unix::fs::symlink(&outside, fixtures.join("link")).expect("link made");
            let error = Plan::read(&fixtures).expect_err("refused");
            std::fs::remove_dir_all(&fixtures).expect("removed");
            assert!(
                matches!(&error, PlanError::Outside { entry: named, .. } if named == entry),
                "{index}: {error}"
            );
        }
        std::fs::remove_dir_all(&outside).expect("removed");
    }

    #[test]
    fn scenario_folders_inside_the_fixtures_folder_are_read() {
        let plan = serde_json::json!({"valid": "ok", "invalid_credentials": "nested/bad",
            "expect": {"missing": "transient"},
            "outputs": {"ok": "ok/outputs.json", "nested/bad": "bad-outputs.json"}});
        let fixtures = fixtures_with("inside", plan);
        let read = Plan::read(&fixtures);
        std::fs::remove_dir_all(&fixtures).expect("removed");
        let plan = read.expect("read");
        assert_eq!((plan.valid.as_str(), plan.expect.len()), ("ok", 1));
        assert_eq!(plan.outputs["ok"], "ok/outputs.json");
    }
}
