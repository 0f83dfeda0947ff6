//! Types a call that trapped: a plugin that stopped without setting its own error still gives
//! its host a [`PluginError`] of a class, never a wasm backtrace.

use plugin_contract::PluginError;

use crate::runtime::http::TransportFailure;

/// Types a call that trapped, most specific first.
///
/// 1. A panic the plugin reported: the trap's root cause is the JSON of a [`PluginError`].
/// 2. A failed HTTP request, as the harness's HTTP recorded it.
/// 3. The call's time ran out.
/// 4. Anything else: a bug in the plugin, or its memory limit. Extism 1.30 reports the memory
///    limit only as the text `oom` (`runtime/src/plugin.rs`); it is the one text read here.
pub(crate) fn trap_failure(
    export: &str,
    error: &extism::Error,
    transport: Option<TransportFailure>,
    elapsed_ms: u64,
    timeout_ms: u64,
) -> PluginError {
    let root_cause = error.root_cause().to_string();
    if let Ok(reported) = serde_json::from_str::<PluginError>(&root_cause) {
        return reported;
    }
    if let Some(transport) = transport {
        return PluginError::new(transport.kind().class(), format!("{export}: {transport}."));
    }
    if elapsed_ms >= timeout_ms {
        return PluginError::transient(format!(
            "{export} did not finish within the manifest's timeout_ms ({timeout_ms} ms)."
        ));
    }
    if root_cause == "oom" {
        return PluginError::internal(format!(
            "{export} needed more memory than the manifest's memory_max_pages allows."
        ));
    }
    PluginError::internal(format!(
        "{export} stopped inside the plugin (a trap: a bug, not a vendor problem): {root_cause}."
    ))
}
