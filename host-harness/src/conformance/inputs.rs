//! Checks every plugin must pass whatever its fixtures say: what the contract requires of
//! `fetch_usage` for any vendor.
//!
//! - [`YIELDS_RECORDS`]: the valid scenario's `fetch_usage` gives at least one record. Catches
//!   a quantity read from the wrong field, which fails every pair and so passes the coverage
//!   check.
//! - [`AS_OF_CHECKED`]: an `as_of` that is not an RFC 3339 instant of the calendar
//!   ([`BAD_AS_OF`]) fails the call with class `config`
//!   ([`FetchUsageInput::check_as_of`](plugin_contract::FetchUsageInput::check_as_of)).
//!   Catches a plugin that never validates it and echoes whatever it was given.
//! - [`UNKNOWN_SERVICE_CONFIG`]: a `service_ids` holding [`UNKNOWN_SERVICE`] beside the
//!   listed services fails with class `config`: the whole call, or every pair of the unknown
//!   service in `failed_accounts` as `config`. Catches a plugin that drops the ids it does not
//!   know, so that their pairs vanish.
//!
//! The probes run on the valid scenario's replay; their requests are not held against the
//! plugin (a plugin that checks its input late still asks only recorded requests).

use plugin_contract::{exports, ErrorClass, FetchUsageInput, PluginError, Usage};

use super::runner::{Output, Session};
use super::{fail, pass, Check, AS_OF};

/// The name of the check that the valid scenario yields records.
pub const YIELDS_RECORDS: &str =
    "the valid scenario's fetch_usage yields records, not only failures";
/// The name of the check of an `as_of` that is not an instant.
pub const AS_OF_CHECKED: &str = "an as_of that is not an instant fails with class config";
/// The name of the check of an unknown service id.
pub const UNKNOWN_SERVICE_CONFIG: &str = "an unknown service id fails with class config";

/// Values of `as_of` that are not instants: a word, and a day the calendar lacks.
pub const BAD_AS_OF: [&str; 2] = ["yesterday", "2026-02-30T00:00:00Z"];

/// The service id no plugin has, asked for by [`UNKNOWN_SERVICE_CONFIG`].
pub const UNKNOWN_SERVICE: &str = "conformance-unknown-service";

/// What the input probes gave.
pub struct Probes {
    /// `fetch_usage` of each of [`BAD_AS_OF`], in order.
    pub bad_as_of: Vec<Result<Usage, PluginError>>,
    /// `fetch_usage` of the listed services and [`UNKNOWN_SERVICE`].
    pub unknown_service: Result<Usage, PluginError>,
    /// Every output of the probes, as the plugin sent them.
    pub outputs: Vec<Output>,
}

/// Calls `fetch_usage` with each bad `as_of`, then with an unknown service beside `services`.
pub fn probe_inputs(session: &mut Session, services: &[String]) -> Probes {
    let credentials = session.credentials.clone();
    let input = |as_of: &str, service_ids: Option<Vec<String>>| FetchUsageInput {
        credentials: credentials.clone(),
        as_of: as_of.to_owned(),
        account_ids: None,
        service_ids,
    };
    let bad_as_of = BAD_AS_OF
        .iter()
        .map(|as_of| {
            let input = input(as_of, None);
            session.call::<Usage>(exports::FETCH_USAGE, &input)
        })
        .collect();
    let mut with_unknown = services.to_vec();
    with_unknown.push(UNKNOWN_SERVICE.to_owned());
    let input = input(AS_OF, Some(with_unknown));
    let unknown_service = session.call::<Usage>(exports::FETCH_USAGE, &input);
    Probes {
        bad_as_of,
        unknown_service,
        outputs: std::mem::take(&mut session.outputs),
    }
}

/// Checks that the valid scenario's `fetch_usage` gave at least one record.
pub fn check_yields_records(usage: &Result<Usage, PluginError>) -> Check {
    match usage {
        Ok(usage) if !usage.records.is_empty() => pass(
            YIELDS_RECORDS,
            &format!(
                "{} records, {} failed accounts",
                usage.records.len(),
                usage.failed_accounts.len()
            ),
        ),
        Ok(usage) => fail(
            YIELDS_RECORDS,
            format!(
                "fetch_usage gave no record and {} failed accounts on the scenario whose credentials work (a quantity read from the wrong field?)",
                usage.failed_accounts.len()
            ),
        ),
        Err(error) => fail(
            YIELDS_RECORDS,
            format!("fetch_usage failed on the valid scenario with class {}", error.class.as_str()),
        ),
    }
}

/// Checks that each bad `as_of` failed the call with class `config`.
pub fn check_as_of_checked(probes: &Probes) -> Check {
    let mut problems = Vec::new();
    for (as_of, usage) in BAD_AS_OF.iter().zip(&probes.bad_as_of) {
        match usage {
            Err(error) if error.class == ErrorClass::Config => {}
            Err(error) => problems.push(format!(
                "as_of {as_of:?} failed with class {}, not config",
                error.class.as_str()
            )),
            Ok(usage) => problems.push(format!(
                "as_of {as_of:?} gave usage as of {:?} instead of a config error",
                usage.as_of
            )),
        }
    }
    if problems.is_empty() {
        pass(
            AS_OF_CHECKED,
            &format!("{} refused as config", quoted(&BAD_AS_OF)),
        )
    } else {
        fail(AS_OF_CHECKED, problems.join("; "))
    }
}

/// Checks that the unknown service failed with class `config`, as a whole or in every pair
/// of every account of `accounts`.
pub fn check_unknown_service(probes: &Probes, accounts: &[String]) -> Check {
    let usage = match &probes.unknown_service {
        Err(error) if error.class == ErrorClass::Config => {
            return pass(
                UNKNOWN_SERVICE_CONFIG,
                &format!("fetch_usage of {UNKNOWN_SERVICE} failed as a whole with class config"),
            )
        }
        Err(error) => {
            return fail(
                UNKNOWN_SERVICE_CONFIG,
                format!(
                    "fetch_usage of {UNKNOWN_SERVICE} failed with class {}, not config",
                    error.class.as_str()
                ),
            )
        }
        Ok(usage) => usage,
    };
    if let Some(record) = usage
        .records
        .iter()
        .find(|r| r.service_id == UNKNOWN_SERVICE)
    {
        return fail(
            UNKNOWN_SERVICE_CONFIG,
            format!(
                "fetch_usage counted {} of {UNKNOWN_SERVICE} for {}: a service the plugin does not have became a count",
                record.quantity, record.account_id
            ),
        );
    }
    if accounts.is_empty() {
        return fail(
            UNKNOWN_SERVICE_CONFIG,
            format!("fetch_usage of {UNKNOWN_SERVICE} succeeded, and no account was listed to fail its pairs"),
        );
    }
    let mut problems = Vec::new();
    for account in accounts {
        let failed = usage.failed_accounts.iter().find(|f| {
            &f.account_id == account && f.service_ids.iter().any(|s| s == UNKNOWN_SERVICE)
        });
        match failed.map(|f| f.error_of(UNKNOWN_SERVICE).class) {
            Some(ErrorClass::Config) => {}
            Some(class) => problems.push(format!(
                "({account}, {UNKNOWN_SERVICE}) failed with class {}, not config",
                class.as_str()
            )),
            None => problems.push(format!(
                "({account}, {UNKNOWN_SERVICE}) is neither failed nor counted: the unknown id was dropped"
            )),
        }
    }
    if problems.is_empty() {
        pass(
            UNKNOWN_SERVICE_CONFIG,
            &format!(
                "{} pairs of {UNKNOWN_SERVICE} in failed_accounts as config",
                accounts.len()
            ),
        )
    } else {
        fail(UNKNOWN_SERVICE_CONFIG, super::listed(problems, "; "))
    }
}

/// Joins values as `"a" and "b"`.
fn quoted(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    quoted.join(" and ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Returns a usage with `records` and `failed` accounts.
    fn usage(records: serde_json::Value, failed: serde_json::Value) -> Result<Usage, PluginError> {
        Ok(serde_json::from_value(
            json!({"as_of": AS_OF, "records": records, "warnings": [], "failed_accounts": failed}),
        )
        .expect("a usage"))
    }

    /// Returns probes with the given results and no outputs.
    fn probes(
        bad_as_of: Vec<Result<Usage, PluginError>>,
        unknown: Result<Usage, PluginError>,
    ) -> Probes {
        Probes {
            bad_as_of,
            unknown_service: unknown,
            outputs: Vec::new(),
        }
    }

    /// Returns a `config` failure.
    fn config() -> Result<Usage, PluginError> {
        Err(PluginError::config("no"))
    }

    #[test]
    fn a_valid_scenario_whose_every_pair_fails_fails_the_records_check() {
        let failed = json!([{"account_id": "c1", "service_ids": ["users"],
            "error": {"class": "vendor", "message": "no count"}}]);
        let check = check_yields_records(&usage(json!([]), failed));
        assert!(!check.passed);
        assert_eq!(check.name, YIELDS_RECORDS);
        assert!(
            check.detail.contains("no record and 1 failed accounts"),
            "{}",
            check.detail
        );
        let counted = usage(
            json!([{"account_id": "c1", "service_id": "users", "quantity": 0}]),
            json!([]),
        );
        assert!(check_yields_records(&counted).passed);
    }

    #[test]
    fn an_as_of_echoed_unchecked_fails_the_as_of_check_naming_it() {
        let echoed = usage(json!([]), json!([]));
        let check = check_as_of_checked(&probes(vec![config(), echoed], config()));
        assert!(!check.passed);
        assert_eq!(check.name, AS_OF_CHECKED);
        assert_eq!(
            check.detail,
            "as_of \"2026-02-30T00:00:00Z\" gave usage as of \"2026-01-01T00:00:00Z\" instead of a config error"
        );
        let check = check_as_of_checked(&probes(vec![config(), config()], config()));
        assert!(check.passed, "{}", check.detail);
    }

    #[test]
    fn an_unknown_service_dropped_or_typed_otherwise_fails_the_service_check() {
        let accounts = vec!["c1".to_owned(), "c2".to_owned()];
        let dropped = usage(
            json!([{"account_id": "c1", "service_id": "users", "quantity": 1}]),
            json!([]),
        );
        let check = check_unknown_service(&probes(vec![], dropped), &accounts);
        assert!(!check.passed);
        assert!(
            check.detail.contains("the unknown id was dropped"),
            "{}",
            check.detail
        );
        let not_found = Err(PluginError::not_found("no"));
        assert!(!check_unknown_service(&probes(vec![], not_found), &accounts).passed);
        let each = |class: &str| {
            json!(["c1", "c2"].map(
                |a| json!({"account_id": a, "service_ids": [UNKNOWN_SERVICE],
                "error": {"class": class, "message": "unknown service"}})
            ))
        };
        let check =
            check_unknown_service(&probes(vec![], usage(json!([]), each("config"))), &accounts);
        assert!(check.passed, "{}", check.detail);
        let check =
            check_unknown_service(&probes(vec![], usage(json!([]), each("vendor"))), &accounts);
        assert!(!check.passed);
        assert!(check_unknown_service(&probes(vec![], config()), &accounts).passed);
    }
}
