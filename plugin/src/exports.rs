//! The Extism glue: the five exports, each making its call on a [`SaasAlerts`] over the host's
//! HTTP.

use vendor_kit::http::HostHttp;

use crate::SaasAlerts;

plugin_contract::export_plugin!(SaasAlerts::new(HostHttp));

/// Allocates with talc rather than std's dlmalloc: smaller and faster in wasm.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
