//! The guest side of the boundary, for Rust plugins built on `extism-pdk` (feature `guest`).
//!
//! Each `#[plugin_fn]` export of a plugin is one line: `guest::run(&input, |input| ...)`. It
//! decodes the JSON input (a malformed or oversized one is a `config` error), makes the call,
//! and encodes the output, or sets the Extism error to the JSON of the [`PluginError`] and
//! returns code 1. A panic sets an `internal` error naming it before the module aborts, so the
//! host reads a typed error instead of a bare trap.

use extism_pdk::{FnResult, Memory, WithReturnCode};
use serde::{de::DeserializeOwned, Serialize};

use crate::{ErrorClass, PluginError};

/// The largest call input accepted (100,000 account ids fit in a quarter of it).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Decodes `input`, runs `call` on it and encodes the outcome for the host.
pub fn run<I: DeserializeOwned, O: Serialize>(
    input: &[u8],
    call: impl FnOnce(&I) -> Result<O, PluginError>,
) -> FnResult<Vec<u8>> {
    std::panic::set_hook(Box::new(report_panic));
    let output = decode(input)
        .and_then(|input| call(&input))
        .and_then(|output| {
            serde_json::to_vec(&output).map_err(|e| {
                PluginError::new(ErrorClass::Internal, format!("output not encodable: {e}"))
            })
        });
    output.map_err(|error| WithReturnCode::new(extism_pdk::Error::msg(error.to_json()), 1))
}

fn decode<T: DeserializeOwned>(input: &[u8]) -> Result<T, PluginError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(PluginError::new(
            ErrorClass::Config,
            format!(
                "The call's input is {} bytes; the most accepted is {MAX_INPUT_BYTES}.",
                input.len()
            ),
        ));
    }
    serde_json::from_slice(input).map_err(|e| {
        PluginError::new(
            ErrorClass::Config,
            format!("The call's input is not the JSON the contract expects: {e}."),
        )
    })
}

fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let error = PluginError::new(ErrorClass::Internal, format!("the plugin panicked: {info}"));
    if let Ok(memory) = Memory::from_bytes(error.to_json()) {
        // SAFETY: `memory` is a live block of the plugin's Extism memory holding the message.
        unsafe { extism_pdk::extism::error_set(memory.offset()) };
    }
}
