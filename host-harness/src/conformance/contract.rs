//! The contract's shape: catches an output or error that does not match the contract's JSON
//! Schemas (a negative quantity, an unknown class, output that is not JSON), a credential that
//! looks secret but is not `writeOnly`, and a required credential that is not a property.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::runner::Output;
use super::{fail, listed, pass, Check, ConformanceError};
use crate::conformance::schemas;

/// The name of the schema check.
pub const CONTRACT: &str =
    "every output and error matches the contract's JSON Schema, secrets marked";

/// The contract's schemas of every call's output and of the error, compiled.
pub(super) struct OutputSchemas(BTreeMap<&'static str, jsonschema::Validator>);

impl OutputSchemas {
    /// Compiles the output schemas and `error.json` of `interface_version`
    /// ([`schemas::of_interface`]): a plugin is held to the interface it implements.
    pub(super) fn compile(interface_version: &str) -> Result<OutputSchemas, ConformanceError> {
        let mut validators = BTreeMap::new();
        for (file, schema) in schemas::of_interface(interface_version) {
            if file.ends_with(".output.json") || file == "error.json" {
                let validator =
                    jsonschema::validator_for(&schema).map_err(|e| ConformanceError::Schema {
                        file,
                        problem: e.to_string(),
                    })?;
                validators.insert(file, validator);
            }
        }
        Ok(OutputSchemas(validators))
    }

    /// Lists what is wrong with `output`, each problem naming the call, the JSON pointer and
    /// what is wrong.
    pub(super) fn problems(&self, output: &Output) -> Vec<String> {
        let (what, file) = if output.failed {
            ("error", "error.json".to_owned())
        } else {
            ("output", format!("{}.output.json", output.call))
        };
        let call = output.call;
        let Some(validator) = self.0.get(file.as_str()) else {
            return vec![format!("{call} {what}: the contract has no schema {file}")];
        };
        let instance: Value = match serde_json::from_str(&output.text) {
            Ok(instance) => instance,
            Err(e) => return vec![format!("{call} {what} is not JSON: {e}")],
        };
        validator
            .iter_errors(&instance)
            .map(|error| {
                let pointer = error.instance_path().as_str().to_owned();
                let at = if pointer.is_empty() {
                    "the top level".to_owned()
                } else {
                    pointer
                };
                format!("{call} {what} at {at}: {error} ({file})")
            })
            .collect()
    }
}

/// Validates every output and error against its schema, and checks what a schema cannot say
/// of the credentials schema: a credential that looks secret (its name holds key, token, secret
/// or password, and it is not a `format: uri` address) is `writeOnly`, and every required
/// credential is a property.
pub(super) fn check_contract<'a>(
    schemas: &OutputSchemas,
    outputs: impl Iterator<Item = &'a Output>,
    credentials_schema: &Value,
    secrets: &[String],
) -> Check {
    let mut problems: Vec<String> = Vec::new();
    let names: BTreeSet<&str> = credentials_schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, _)| name.as_str())
        .collect();
    let properties = credentials_schema.get("properties");
    for name in &names {
        // A URL credential (`format: uri`) is an address, not a secret, whatever its name
        // (`token_url`); a URL may not carry a secret anyway (`vendor_kit::url`).
        let is_url = properties
            .and_then(|p| p.get(*name))
            .and_then(|p| p.get("format"))
            .is_some_and(|format| format == "uri");
        let looks_secret = !is_url
            && ["key", "token", "secret", "password"]
                .iter()
                .any(|w| name.to_ascii_lowercase().contains(w));
        if looks_secret && !secrets.iter().any(|s| s == name) {
            problems.push(format!(
                "credential {name} looks secret but is not writeOnly"
            ));
        }
    }
    for required in credentials_schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !required.as_str().is_some_and(|r| names.contains(r)) {
            problems.push(format!("required credential {required} is not a property"));
        }
    }
    let mut validated = 0;
    for output in outputs {
        validated += 1;
        for problem in schemas.problems(output) {
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
    }
    if problems.is_empty() {
        return pass(
            CONTRACT,
            &format!(
                "{validated} outputs and errors valid; {} credentials, {} secret",
                names.len(),
                secrets.len()
            ),
        );
    }
    fail(CONTRACT, listed(problems, "; "))
}
