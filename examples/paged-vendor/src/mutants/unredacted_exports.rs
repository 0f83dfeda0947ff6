//! The five exports written by hand on `extism-pdk`, as a plugin would without
//! `export_plugin!`: they answer every call, but remove no secret from what leaves the plugin,
//! so a token the plugin quotes (`mutant-token-in-error`, `mutant-token-in-description`)
//! reaches the host.

use extism_pdk::Memory;
use plugin_contract::{PluginError, VendorPlugin};
use serde::{de::DeserializeOwned, Serialize};
use vendor_kit::http::HostHttp;

use crate::PagedBackup;

/// Decodes the input, makes `call` on a new plugin and hands its output or error to the host.
fn run<I: DeserializeOwned, O: Serialize>(
    call: impl FnOnce(&mut PagedBackup<HostHttp>, &I) -> Result<O, PluginError>,
) -> i32 {
    let input = extism_pdk::input_bytes();
    let outcome = serde_json::from_slice::<I>(&input)
        .map_err(|e| PluginError::config(format!("The call's input is not JSON: {e}.")))
        .and_then(|input| call(&mut PagedBackup::new(HostHttp), &input))
        .and_then(|output| {
            serde_json::to_vec(&output)
                .map_err(|e| PluginError::internal(format!("output not encodable: {e}")))
        });
    match outcome {
        Ok(json) => match Memory::from_bytes(json) {
            Ok(memory) => {
                memory.set_output();
                0
            }
            Err(_) => -1,
        },
        Err(error) => {
            if let Ok(memory) = Memory::from_bytes(error.to_json()) {
                // SAFETY: `memory` is a live block of the plugin's memory holding the message.
                unsafe { extism_pdk::extism::error_set(memory.offset()) };
            }
            1
        }
    }
}

/// Exports `describe_credentials`.
#[unsafe(export_name = "describe_credentials")]
pub extern "C" fn describe_credentials() -> i32 {
    run(PagedBackup::describe_credentials)
}

/// Exports `authenticate`.
#[unsafe(export_name = "authenticate")]
pub extern "C" fn authenticate() -> i32 {
    run(PagedBackup::authenticate)
}

/// Exports `list_accounts`.
#[unsafe(export_name = "list_accounts")]
pub extern "C" fn list_accounts() -> i32 {
    run(PagedBackup::list_accounts)
}

/// Exports `list_services`.
#[unsafe(export_name = "list_services")]
pub extern "C" fn list_services() -> i32 {
    run(PagedBackup::list_services)
}

/// Exports `fetch_usage`.
#[unsafe(export_name = "fetch_usage")]
pub extern "C" fn fetch_usage() -> i32 {
    run(PagedBackup::fetch_usage)
}
