//! `conformance.json`, the plan of a conformance run: which scenarios of a fixtures folder to
//! replay and what each must give. Its own module, because both the checks and the schemas
//! read it.

use std::collections::BTreeMap;

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
}
