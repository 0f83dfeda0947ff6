//! JSON Schemas of the files the host writes for a person or a script to keep (`review.json`
//! first), generated from the Rust types that write them, committed in `contract/schemas/host/`
//! and checked against the types by the test `committed_host_schemas_match_the_rust_types`.
//!
//! They are apart from the contract's schemas ([`crate::conformance::schemas`], the boundary with a
//! plugin) because these files are the host's own: a script that keeps them reads their
//! `format_version` and these schemas, not the contract. Regenerate them with
//! `UPDATE_SCHEMAS=1 cargo test -p host-harness host_schemas` or `host-harness schemas --write
//! contract/schemas` (which writes `host/` too).

use std::fs;
use std::io;
use std::path::Path;

use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::seed::review_file::ReviewFile;

/// The start of every host file schema's `$id`; the file name follows.
pub const ID_BASE: &str = "https://saas-alerts-plugin.invalid/schemas/host/";

/// The folder of these schemas inside the contract's schema folder.
pub const FOLDER: &str = "host";

/// Returns every schema with its file name, sorted by file name.
pub fn all() -> Vec<(&'static str, Value)> {
    let mut schemas = vec![schema_of::<ReviewFile<'static>>(
        "review.json",
        "review.json: the review sync wrote, for approve to read back",
    )];
    schemas.sort_by_key(|(file, _)| *file);
    schemas
}

/// Writes every schema into `dir` as pretty JSON with a trailing newline.
pub fn write(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (file, schema) in all() {
        crate::files::write(&dir.join(file), render(&schema).as_bytes())?;
    }
    Ok(())
}

/// Lists, sorted, the schemas that differ from the files in `dir`: changed or missing.
pub fn drifted(dir: &Path) -> Vec<String> {
    all()
        .into_iter()
        .filter(|(file, schema)| fs::read_to_string(dir.join(file)).ok() != Some(render(schema)))
        .map(|(file, _)| file.to_owned())
        .collect()
}

/// Generates the schema of `T` with its `$id` and `title`, object keys sorted.
fn schema_of<T: JsonSchema>(file: &'static str, title: &str) -> (&'static str, Value) {
    let mut schema = schemars::schema_for!(T);
    schema.insert("$id".to_owned(), format!("{ID_BASE}{file}").into());
    schema.insert("title".to_owned(), title.into());
    (file, sorted(schema.to_value()))
}

/// Sorts the keys of every object, so that the files do not depend on serde_json's features.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, sorted(value)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Renders a schema as its file holds it.
fn render(schema: &Value) -> String {
    format!("{schema:#}\n")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use plugin_contract::Secrets;

    use super::*;
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

    #[test]
    fn a_written_review_is_valid_against_the_committed_schema() {
        let text = fs::read_to_string(folder().join("review.json")).expect("committed");
        let schema: Value = serde_json::from_str(&text).expect("JSON");
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        let review: Review = serde_json::from_value(serde_json::json!({
            "as_of": "2026-11-01T00:00:00Z",
            "made_from": {"psa_sha256": "ab", "mapping_sha256": "cd"},
            "lines": [{
                "kind": "reconcile", "psa_account_id": "P", "psa_account_name": "Psa Co",
                "psa_product_id": "PROD", "vendor_accounts": ["A (a)"], "psa_quantity": 3,
                "vendor_quantity": 5, "delta": 2
            }],
            "unmapped_with_usage": [],
            "failed": [{
                "vendor_account_id": "b", "vendor_name": "B", "service_ids": ["s"],
                "error": {"class": "vendor", "message": "no"}, "psa_lines": ["P/PROD"]
            }],
            "warnings": []
        }))
        .expect("a review");
        let written: Value =
            serde_json::from_str(&review_file::text(&review, &Secrets::default()).expect("text"))
                .expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&written)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let mut unknown = written.clone();
        unknown["format_version"] = "2".into();
        assert!(
            !validator.is_valid(&unknown),
            "format 2 is not this schema's"
        );
    }
}
