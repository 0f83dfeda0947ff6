//! The output leak checks: catch a secret credential's value, in any form, in an output or an
//! error the plugin returned, also when the vendor echoes the secret back in every string.

use plugin_contract::Secrets;

use super::runner::Output;
use super::{fail, pass, Check, CANARY};

/// The name of the leak check on the recorded scenarios.
pub const NO_SECRET: &str = "no secret appears in any output or error";

/// The name of the leak check against a vendor echoing the secret.
pub const NO_SECRET_ECHOED: &str =
    "no secret appears in any output or error when the vendor echoes it";

/// Looks for every form of the canary (raw, trimmed, URL-encoded, base64, JSON-escaped) in
/// what the plugin itself returned, outputs and error texts as they came out of the runtime:
/// the harness removes nothing before this check (its instances do not redact, see
/// [`PluginInstance::without_redaction`](crate::runtime::plugin::PluginInstance::without_redaction)).
pub(super) fn check_secrets(name: &'static str, outputs: &[&Output]) -> Check {
    let canary = Secrets::new([CANARY]);
    let leaks = |o: &Output| {
        canary.found_in(&o.text) || o.raw.as_deref().is_some_and(|raw| canary.found_in(raw))
    };
    match outputs.iter().position(|o| leaks(o)) {
        Some(index) => {
            let output = outputs[index];
            let what = if output.failed { "error" } else { "output" };
            fail(
                name,
                format!(
                    "output {} of {} ({} {what}) holds a secret credential's value in some form",
                    index + 1,
                    outputs.len(),
                    output.call
                ),
            )
        }
        None => pass(name, &format!("{} outputs scanned", outputs.len())),
    }
}
