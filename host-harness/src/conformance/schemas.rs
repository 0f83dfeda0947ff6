//! JSON Schemas of every document that crosses a boundary, generated from the Rust types.
//!
//! A plugin can be written in any language Extism supports, and a host, a fixture or a manifest
//! can be written by hand, so the Rust types in [`plugin_contract`] and in this crate cannot be
//! the only statement of the JSON. These schemas (draft 2020-12) are that statement for
//! everyone else: they are derived from the same types and serde attributes that encode and
//! decode the JSON, committed in `contract/schemas/`, checked against the types by the test
//! `committed_schemas_match_the_rust_types`, and used by [`conformance`](crate::conformance) to
//! validate every output and error a plugin returns.
//!
//! After changing a type, regenerate the files with `UPDATE_SCHEMAS=1 cargo test -p
//! host-harness schemas` or `host-harness schemas --write contract/schemas`.

use std::io;
use std::path::Path;

use plugin_contract::transport::TransportFailure;
use plugin_contract::{
    AccountList, Authenticated, CredentialsInput, Description, FetchUsageInput, PluginError,
    ServiceList, Usage,
};
use schemars::JsonSchema;
use serde_json::Value;

use crate::conformance::plan::Plan;
use crate::runtime::manifest::PluginManifest;
use crate::schema_files::SchemaSet;
use crate::traffic::replay::Recording;
use crate::traffic::transcript::Transcript;

/// The start of every schema's `$id`; the file name follows.
pub const ID_BASE: &str = "https://saas-alerts-plugin.invalid/schemas/";

/// Returns every schema with its file name, sorted by file name.
pub fn all() -> Vec<(&'static str, Value)> {
    let mut schemas = vec![
        schema_of::<CredentialsInput>(
            "describe_credentials.input.json",
            "describe_credentials input",
        ),
        schema_of::<Description>(
            "describe_credentials.output.json",
            "describe_credentials output",
        ),
        schema_of::<CredentialsInput>("authenticate.input.json", "authenticate input"),
        schema_of::<Authenticated>("authenticate.output.json", "authenticate output"),
        schema_of::<CredentialsInput>("list_accounts.input.json", "list_accounts input"),
        schema_of::<AccountList>("list_accounts.output.json", "list_accounts output"),
        schema_of::<CredentialsInput>("list_services.input.json", "list_services input"),
        schema_of::<ServiceList>("list_services.output.json", "list_services output"),
        schema_of::<FetchUsageInput>("fetch_usage.input.json", "fetch_usage input"),
        schema_of::<Usage>("fetch_usage.output.json", "fetch_usage output"),
        schema_of::<PluginError>("error.json", "A call's error"),
        schema_of::<TransportFailure>("transport-failure.json", "A transport failure"),
        schema_of::<PluginManifest>("manifest.json", "manifest.json"),
        schema_of::<Recording>("exchanges.json", "exchanges.json"),
        schema_of::<Plan>("conformance.json", "conformance.json"),
        schema_of::<Transcript>(
            "transcript.json",
            "A cross-host transcript: the five calls on one instance (host profile, section 5)",
        ),
    ];
    schemas.sort_by_key(|(file, _)| *file);
    schemas
}

/// The schemas of interface 1.0's calls and error, frozen as 1.0 was (in `contract/schemas/1.0/`,
/// never regenerated): 1.1 added `failures` to a failed account and transport failures as values.
/// A 1.0 plugin is checked against these, as Zed checks an extension against the API it was
/// built for.
pub const INTERFACE_1_0: [(&str, &str); 11] = [
    (
        "authenticate.input.json",
        include_str!("../../../contract/schemas/1.0/authenticate.input.json"),
    ),
    (
        "authenticate.output.json",
        include_str!("../../../contract/schemas/1.0/authenticate.output.json"),
    ),
    (
        "describe_credentials.input.json",
        include_str!("../../../contract/schemas/1.0/describe_credentials.input.json"),
    ),
    (
        "describe_credentials.output.json",
        include_str!("../../../contract/schemas/1.0/describe_credentials.output.json"),
    ),
    (
        "error.json",
        include_str!("../../../contract/schemas/1.0/error.json"),
    ),
    (
        "fetch_usage.input.json",
        include_str!("../../../contract/schemas/1.0/fetch_usage.input.json"),
    ),
    (
        "fetch_usage.output.json",
        include_str!("../../../contract/schemas/1.0/fetch_usage.output.json"),
    ),
    (
        "list_accounts.input.json",
        include_str!("../../../contract/schemas/1.0/list_accounts.input.json"),
    ),
    (
        "list_accounts.output.json",
        include_str!("../../../contract/schemas/1.0/list_accounts.output.json"),
    ),
    (
        "list_services.input.json",
        include_str!("../../../contract/schemas/1.0/list_services.input.json"),
    ),
    (
        "list_services.output.json",
        include_str!("../../../contract/schemas/1.0/list_services.output.json"),
    ),
];

/// Returns the schemas of the calls and the error of `interface_version`: the frozen ones of
/// 1.0, or the current ones generated from the types (every later 1.x).
pub fn of_interface(interface_version: &str) -> Vec<(&'static str, Value)> {
    let is_1_0 = plugin_contract::Version::parse(interface_version)
        == Some(plugin_contract::Version { major: 1, minor: 0 });
    if !is_1_0 {
        return all();
    }
    INTERFACE_1_0
        .iter()
        .map(|(file, text)| {
            let schema = serde_json::from_str(text).unwrap_or_else(|e| {
                // The files are committed with the harness: a test reads each one.
                Value::String(format!("{file} is not JSON: {e}"))
            });
            (*file, schema)
        })
        .collect()
}

/// Returns the set of every schema, for writing and checking.
fn set() -> SchemaSet {
    SchemaSet::new(ID_BASE, all())
}

/// Writes every schema into `dir` as pretty JSON with a trailing newline, and removes the
/// schemas of an earlier generation that are no longer generated.
pub fn write(dir: &Path) -> io::Result<()> {
    set().write(dir)
}

/// Lists, sorted, the file names in `dir` that differ from the generated schemas: changed,
/// missing, or `.json` files that are not generated.
pub fn drifted(dir: &Path) -> Vec<String> {
    set().drifted(dir)
}

/// Generates the schema of `T` with its `$id` and `title`, object keys sorted.
fn schema_of<T: JsonSchema>(file: &'static str, title: &str) -> (&'static str, Value) {
    SchemaSet::schema_of::<T>(ID_BASE, file, title)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn schema(file: &str) -> Value {
        all()
            .into_iter()
            .find(|(name, _)| *name == file)
            .map(|(_, schema)| schema)
            .expect("a generated schema")
    }

    fn errors(file: &str, instance: &Value) -> Vec<String> {
        let validator = jsonschema::validator_for(&schema(file)).expect("the schema compiles");
        validator
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect()
    }

    fn read(path: &Path) -> Value {
        let text = fs::read_to_string(path).expect("a fixture");
        serde_json::from_str(&text).expect("fixture JSON")
    }

    #[test]
    fn interface_1_0_keeps_its_frozen_schemas_without_what_1_1_added() {
        let frozen = of_interface("1.0");
        assert_eq!(frozen.len(), INTERFACE_1_0.len());
        let current = of_interface("1.1");
        for (file, schema) in &frozen {
            assert_eq!(schema["$id"], format!("{ID_BASE}1.0/{file}"), "{file}");
            jsonschema::validator_for(schema).expect("a frozen schema compiles");
            assert!(current.iter().any(|(name, _)| name == file), "{file}");
        }
        assert!(!frozen
            .iter()
            .any(|(file, _)| *file == "transport-failure.json"));
        // A failed account whose `failures` is malformed: 1.1 reads the member, 1.0 has none.
        let usage = json!({"as_of": "2026-01-01T00:00:00Z", "records": [], "warnings": [],
            "failed_accounts": [{"account_id": "a", "service_ids": ["s"],
                "error": {"class": "vendor", "message": "m"}, "failures": "not a list"}]});
        let validate = |schemas: &[(&str, Value)]| {
            let (_, schema) = schemas
                .iter()
                .find(|(file, _)| *file == "fetch_usage.output.json")
                .expect("fetch_usage's output schema");
            jsonschema::validator_for(schema)
                .expect("compiles")
                .is_valid(&usage)
        };
        assert!(validate(&frozen), "1.0 knows no failures member");
        assert!(!validate(&current), "1.1 checks it");
    }

    #[test]
    fn committed_schemas_match_the_rust_types() {
        let dir = workspace().join("contract/schemas");
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            write(&dir).expect("the schemas are written");
        }
        let drifted = drifted(&dir);
        assert!(
            drifted.is_empty(),
            "contract/schemas/ does not match the Rust types in: {}.\nRegenerate with \
             `UPDATE_SCHEMAS=1 cargo test -p host-harness schemas` or \
             `host-harness schemas --write contract/schemas` (a listed file that is no longer \
             generated and not ours must be removed by hand).",
            drifted.join(", ")
        );
    }

    #[test]
    fn every_schema_has_its_id_and_a_title_and_they_come_sorted() {
        let schemas = all();
        assert_eq!(schemas.len(), 16);
        assert!(schemas.windows(2).all(|w| w[0].0 < w[1].0));
        for (file, schema) in &schemas {
            assert_eq!(schema["$id"], format!("{ID_BASE}{file}"));
            assert!(schema["title"].is_string(), "{file}");
            assert_eq!(
                schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{file}"
            );
            jsonschema::validator_for(schema).expect("the schema compiles");
        }
    }

    #[test]
    fn write_then_drifted_finds_nothing_and_then_a_changed_a_missing_and_an_extra_file() {
        let dir = std::env::temp_dir().join(format!("schemas-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a scratch folder");
        fs::write(
            dir.join("old.json"),
            json!({"$id": format!("{ID_BASE}old.json")}).to_string(),
        )
        .expect("written");
        write(&dir).expect("written");
        assert!(
            !dir.join("old.json").exists(),
            "an earlier generation's schema is removed"
        );
        assert_eq!(drifted(&dir), Vec::<String>::new());
        let first = fs::read_to_string(dir.join("error.json")).expect("written");
        write(&dir).expect("written again");
        assert_eq!(
            fs::read_to_string(dir.join("error.json")).expect("written"),
            first
        );
        assert!(first.ends_with("}\n"));

        fs::write(dir.join("error.json"), "{}\n").expect("written");
        fs::remove_file(dir.join("manifest.json")).expect("removed");
        fs::write(dir.join("notes.json"), "{}\n").expect("written");
        fs::write(dir.join("README.md"), "not a schema\n").expect("written");
        assert_eq!(drifted(&dir), ["error.json", "manifest.json", "notes.json"]);
        write(&dir).expect("written");
        assert_eq!(
            drifted(&dir),
            ["notes.json"],
            "a file that is not ours stays"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn optional_fields_are_not_required_and_classes_are_snake_case() {
        let usage = schema("fetch_usage.output.json");
        let failed = &usage["$defs"]["FailedAccount"];
        assert_eq!(
            failed["required"],
            json!(["account_id", "service_ids", "error"])
        );
        let warning = &usage["$defs"]["Warning"];
        assert_eq!(warning["required"], json!(["code", "message"]));
        let class = &usage["$defs"]["ErrorClass"];
        let names: Vec<String> = plugin_contract::ErrorClass::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let listed: Vec<String> = class["oneOf"]
            .as_array()
            .expect("one subschema per class")
            .iter()
            .map(|c| c["const"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(listed, names);
        let error = schema("error.json");
        assert_eq!(error["required"], json!(["class", "message"]));
    }

    #[test]
    fn the_bundled_manifests_fixtures_and_plan_are_valid() {
        let root = workspace();
        for manifest in ["manifest.json", "tests/fake-vendor/manifest.json"] {
            assert_eq!(
                errors("manifest.json", &read(&root.join(manifest))),
                Vec::<String>::new()
            );
        }
        for plan in ["fixtures", "tests/fake-vendor/fixtures"] {
            let plan = root.join(plan).join("conformance.json");
            assert_eq!(
                errors("conformance.json", &read(&plan)),
                Vec::<String>::new()
            );
        }
        let mut scenarios = 0;
        for folder in ["fixtures", "tests/fake-vendor/fixtures"] {
            for entry in fs::read_dir(root.join(folder)).expect("fixtures") {
                let exchanges = entry.expect("an entry").path().join("exchanges.json");
                if exchanges.exists() {
                    let found = errors("exchanges.json", &read(&exchanges));
                    assert_eq!(found, Vec::<String>::new(), "{}", exchanges.display());
                    scenarios += 1;
                }
            }
        }
        assert!(scenarios > 10, "{scenarios} scenarios");
    }

    #[test]
    fn an_unknown_manifest_field_and_a_zero_limit_are_invalid() {
        let mut manifest = read(&workspace().join("manifest.json"));
        manifest["limits"]["timeout_ms"] = json!(0);
        manifest["extra"] = json!(true);
        let found = errors("manifest.json", &manifest);
        assert!(
            found.iter().any(|e| e.starts_with("/limits/timeout_ms:")),
            "{found:?}"
        );
        assert!(found.iter().any(|e| e.contains("extra")), "{found:?}");
    }

    #[test]
    fn a_credentials_schema_without_string_properties_is_invalid() {
        let description = json!({
            "interface_version": "1.1",
            "plugin_version": "0.1.0",
            "vendor": {"id": "v", "name": "V"},
            "credentials_schema": {"type": "object", "properties": {"api_key": {"type": "integer"}}}
        });
        let found = errors("describe_credentials.output.json", &description);
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("/credentials_schema/properties/api_key/type:")),
            "{found:?}"
        );
    }
}
