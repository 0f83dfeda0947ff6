//! The guest side of the boundary, for Rust plugins built on `extism-pdk` (feature `guest`).
//!
//! Each `#[plugin_fn]` export of a plugin is one line: `guest::run(&input, SECRETS, |input| ...)`.
//! It decodes the JSON input (a malformed or oversized one is a `config` error), makes the call,
//! and encodes the output, or sets the Extism error to the JSON of the [`PluginError`] and
//! returns code 1. A panic sets an `internal` error naming it before the module aborts, so the
//! host reads a typed error instead of a bare trap.
//!
//! Whatever leaves the plugin (output, error, panic message) first has every form of every
//! secret credential of the call removed (see [`Secrets`]): a vendor that echoes the key in a
//! customer's name, or a message that quotes it, cannot carry it out. The plugin keeps the
//! contract's rule on its own, whatever its host does.

use std::cell::RefCell;

use extism_pdk::{FnResult, Memory, WithReturnCode};
use serde::{de::DeserializeOwned, Serialize};

use crate::{CallInput, ErrorClass, PluginError, Secrets};

/// The largest call input accepted (100,000 account ids fit in a quarter of it).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

thread_local! {
    /// The secrets of the call in progress, for the panic hook.
    static CALL_SECRETS: RefCell<Secrets> = RefCell::new(Secrets::default());
}

/// Decodes `input`, runs `call` on it and encodes the outcome for the host, with the values of
/// the credentials named in `secret_keys` (the schema's `writeOnly` ones) redacted.
pub fn run<I: CallInput + DeserializeOwned, O: Serialize>(
    input: &[u8],
    secret_keys: &[&str],
    call: impl FnOnce(&I) -> Result<O, PluginError>,
) -> FnResult<Vec<u8>> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(report_panic)));
    let decoded = decode::<I>(input);
    let secrets = match &decoded {
        Ok(call_input) => Secrets::new(
            secret_keys
                .iter()
                .filter_map(|key| call_input.credentials().get(key)),
        ),
        Err(_) => secrets_of(input, secret_keys),
    };
    CALL_SECRETS.with(|s| *s.borrow_mut() = secrets.clone());
    let output = decoded.and_then(|input| call(&input)).and_then(|output| {
        serde_json::to_string(&output).map_err(|e| {
            PluginError::new(ErrorClass::Internal, format!("output not encodable: {e}"))
        })
    });
    match output {
        Ok(json) if secrets.is_empty() => Ok(json.into_bytes()),
        Ok(json) => Ok(secrets.redact_json(&json).into_bytes()),
        Err(error) => {
            let json = secrets.redact_json(&error.to_json());
            Err(WithReturnCode::new(extism_pdk::Error::msg(json), 1))
        }
    }
}

/// Reads the secret credentials straight from the JSON of an input that does not decode as the
/// call's input, so that they are known anyway (a decoding error may quote one).
fn secrets_of(input: &[u8], secret_keys: &[&str]) -> Secrets {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        credentials: serde_json::Map<String, serde_json::Value>,
    }
    let Ok(raw) = serde_json::from_slice::<Raw>(input) else {
        return Secrets::default();
    };
    Secrets::new(
        secret_keys
            .iter()
            .filter_map(|key| raw.credentials.get(*key)?.as_str()),
    )
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
    let json = CALL_SECRETS.with(|s| s.borrow().redact_json(&error.to_json()));
    if let Ok(memory) = Memory::from_bytes(json) {
        // SAFETY: `memory` is a live block of the plugin's Extism memory holding the message.
        unsafe { extism_pdk::extism::error_set(memory.offset()) };
    }
}
