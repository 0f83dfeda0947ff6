//! JSON Schemas of the files the host writes for a person or a script to keep (the mapping
//! file, `review.json`, `changes.json`, a line of the history `approvals.jsonl`), generated
//! from the Rust types that write them ([`crate::schema_files`]), committed in
//! `contract/schemas/host/` and checked against the types by the test
//! `committed_host_schemas_match_the_rust_types`.
//!
//! They are apart from the contract's schemas ([`crate::conformance::schemas`], the boundary with a
//! plugin) because these files are the host's own: a script that keeps them reads their
//! `format_version` and these schemas, not the contract. Regenerate them with
//! `UPDATE_SCHEMAS=1 cargo test -p host-harness host_schemas` or `host-harness schemas --write
//! contract/schemas` (which writes `host/` too).

use std::io;
use std::path::Path;

use schemars::JsonSchema;
use serde_json::Value;

use crate::schema_files::SchemaSet;
use crate::seed::history::{ChangesFile, HistoryEntry};
use crate::seed::mapping_file::MappingFile;
use crate::seed::review_file::ReviewFile;

/// The start of every host file schema's `$id`; the file name follows.
pub const ID_BASE: &str = "https://saas-alerts-plugin.invalid/schemas/host/";

/// The folder of these schemas inside the contract's schema folder.
pub const FOLDER: &str = "host";

/// Returns every schema with its file name, sorted by file name.
pub fn all() -> Vec<(&'static str, Value)> {
    let mut schemas = vec![
        schema_of::<ReviewFile<'static>>(
            "review.json",
            "review.json: the review sync wrote, for approve to read back",
        ),
        schema_of::<ChangesFile<'static>>(
            "changes.json",
            "changes.json: the PSA change set of the last approval",
        ),
        schema_of::<MappingFile<'static>>(
            "mapping.json",
            "mapping.json: the mapping map wrote and a person edits, read by sync and approve",
        ),
        schema_of::<HistoryEntry>(
            "approvals-line.json",
            "approvals.jsonl: one line of the history of approvals, the one record of an approval",
        ),
    ];
    schemas.sort_by_key(|(file, _)| *file);
    schemas
}

/// Writes every schema into `dir` as pretty JSON with a trailing newline, and removes the
/// schemas of an earlier generation that are no longer generated.
pub fn write(dir: &Path) -> io::Result<()> {
    SchemaSet::new(ID_BASE, all()).write(dir)
}

/// Lists, sorted, the schemas that differ from the files in `dir`: changed, missing, or `.json`
/// files that are not generated.
pub fn drifted(dir: &Path) -> Vec<String> {
    SchemaSet::new(ID_BASE, all()).drifted(dir)
}

/// Generates the schema of `T` with its `$id` and `title`, object keys sorted.
fn schema_of<T: JsonSchema>(file: &'static str, title: &str) -> (&'static str, Value) {
    SchemaSet::schema_of::<T>(ID_BASE, file, title)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use plugin_contract::Secrets;

    use super::*;
    use crate::seed::approve::ChangeSet;
    use crate::seed::history;
    use crate::seed::mapping::Mapping;
    use crate::seed::mapping_file;
    use crate::seed::review::Review;
    use crate::seed::review_file;

    fn folder() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../contract/schemas/host")
    }

    #[test]
    fn committed_host_schemas_match_the_rust_types() {
        let dir = folder();
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            write(&dir).expect("the schemas are written");
        }
        let drifted = drifted(&dir);
        assert!(
            drifted.is_empty(),
            "contract/schemas/host/ does not match the Rust types in: {}.\nRegenerate with \
             `UPDATE_SCHEMAS=1 cargo test -p host-harness host_schemas`.",
            drifted.join(", ")
        );
    }

    /// Returns the validator of the committed schema `file`.
    fn validator(file: &str) -> jsonschema::Validator {
        let text = fs::read_to_string(folder().join(file)).expect("committed");
        let schema: Value = serde_json::from_str(&text).expect("JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    }

    /// Asserts that `written` is valid against `validator`, and is not once its format is 3.
    fn assert_valid(validator: &jsonschema::Validator, written: &Value) {
        let errors: Vec<String> = validator
            .iter_errors(written)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let mut unknown = written.clone();
        unknown["format_version"] = "3".into();
        assert!(
            !validator.is_valid(&unknown),
            "format 3 is not this schema's"
        );
    }

    #[test]
    fn a_written_review_is_valid_against_the_committed_schema() {
        let validator = validator("review.json");
        let review: Review = serde_json::from_value(serde_json::json!({
            "as_of": "2026-11-01T00:00:00Z",
            "made_from": {"psa_sha256": "ab", "mapping_sha256": "cd"},
            "lines": [{
                "kind": "reconcile", "psa_account_id": "P", "psa_account_name": "Psa Co",
                "psa_product_id": "PROD", "psa_quantity": 3,
                "vendor_accounts": [{"vendor_account_id": "a", "vendor_name": "A", "vendor_listed": true}],
                "vendor_quantity": 5, "delta": 2
            }],
            "unmapped_with_usage": [],
            "failed": [{
                "vendor_account_id": "b", "vendor_name": "B", "vendor_listed": false,
                "service_ids": ["s"], "error": {"class": "vendor", "message": "no"},
                "psa_lines": [{"psa_account_id": "P", "psa_product_id": "PROD"}]
            }],
            "warnings": []
        }))
        .expect("a review");
        let written: Value =
            serde_json::from_str(&review_file::text(&review, &Secrets::default()).expect("text"))
                .expect("JSON");
        assert_valid(&validator, &written);
    }

    #[test]
    fn a_written_mapping_file_is_valid_against_the_committed_schema() {
        let mapping: Mapping = serde_json::from_value(serde_json::json!({
            "accounts": [
                {"vendor_account_id": "a", "vendor_name": "A", "state": "mapped",
                 "psa_account_id": "P", "basis": "exact_name", "reason": "same name"},
                {"vendor_account_id": "b", "vendor_name": "B", "state": "unmapped",
                 "basis": "nothing", "reason": "no match",
                 "suggestions": [{"psa_account_id": "Q", "psa_name": "B Inc", "why": "close"}]}
            ],
            "services": [{"service_id": "s", "service_name": "S", "state": "mapped",
                          "psa_product_id": "PROD", "reason": "same name"}]
        }))
        .expect("a mapping");
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("mapping.json");
        mapping_file::write(&path, &mapping).expect("written");
        let written: Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
        assert_valid(&validator("mapping.json"), &written);
    }

    #[test]
    fn written_changes_and_history_lines_are_valid_against_the_committed_schemas() {
        let changes: ChangeSet = serde_json::from_value(serde_json::json!({
            "as_of": "2026-11-01T00:00:00Z",
            "changes": [{
                "psa_account_id": "P", "psa_account_name": "Psa Co", "psa_product_id": "PROD",
                "old_quantity": null, "new_quantity": 5,
                "vendor_accounts": [{"vendor_account_id": "a", "vendor_name": "A", "vendor_listed": true}]
            }]
        }))
        .expect("a change set");
        let (json, _) = history::change_set_files(&changes).expect("the files");
        let written: Value = serde_json::from_slice(&json).expect("JSON");
        assert_valid(&validator("changes.json"), &written);
        let line = HistoryEntry {
            format_version: history::FORMAT_VERSION.into(),
            approved_at: "2026-11-02T00:00:00Z".into(),
            as_of: changes.as_of,
            psa_sha256_before: Some("ab".into()),
            psa_sha256_after: Some("cd".into()),
            changes: changes.changes,
        };
        let written = serde_json::to_value(&line).expect("JSON");
        assert_valid(&validator("approvals-line.json"), &written);
    }
}
