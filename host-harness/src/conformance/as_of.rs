//! The `as_of` check: catches a plugin that answers a fixed, reformatted or made-up instant
//! instead of echoing the one the host asked about, byte for byte.

use plugin_contract::{PluginError, Usage};

use super::{fail, pass, Check};

/// The name of the `as_of` check.
pub const AS_OF_ECHOED: &str = "fetch_usage echoes as_of exactly";

/// Checks that each `fetch_usage` that succeeded returned the `as_of` it was asked, byte for
/// byte.
pub(super) fn check_as_of(calls: &[(&str, &Result<Usage, PluginError>)]) -> Check {
    let mut problems: Vec<String> = Vec::new();
    let mut echoed: Vec<&str> = Vec::new();
    for (asked, usage) in calls {
        let Ok(usage) = usage else { continue };
        if usage.as_of == *asked {
            echoed.push(asked);
        } else {
            problems.push(format!(
                "asked as of {asked}, fetch_usage returned as_of {:?}",
                usage.as_of
            ));
        }
    }
    if !problems.is_empty() {
        fail(AS_OF_ECHOED, problems.join("; "))
    } else if echoed.is_empty() {
        fail(
            AS_OF_ECHOED,
            "fetch_usage never succeeded, so nothing was echoed".to_owned(),
        )
    } else {
        pass(AS_OF_ECHOED, &format!("{} echoed", echoed.join(" and ")))
    }
}
