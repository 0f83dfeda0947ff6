//! The guest side of the boundary, for Rust plugins built on `extism-pdk` (feature `guest`).
//!
//! A plugin exports its five calls with one line, [`export_plugin!`](crate::export_plugin):
//! `plugin_contract::export_plugin!(MyVendor::new());`. Each export reads
//! the JSON input (a malformed or oversized one is a `config` error), makes the call on a fresh
//! plugin value, and sets the output, or sets the Extism error to the JSON of the
//! [`PluginError`] and returns code 1. A panic sets an `internal` error naming it before the
//! module aborts, so the host reads a typed error instead of a bare trap.
//!
//! Whatever leaves the plugin (output, error, panic message) first has every form of every
//! secret credential of the call (those its `describe_credentials` schema marks `writeOnly`,
//! read anew for every call: the schema is the one place a plugin declares its secrets), and of every value the vendor issued to the instance
//! ([`issued`](crate::issued)), removed (see [`Secrets`]): a vendor that echoes the key in a
//! customer's name, or a message that quotes a token, cannot carry it out. The plugin keeps the
//! contract's rule on its own, whatever its host does.

use std::cell::RefCell;

use extism_pdk::Memory;
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    is_write_only, CallInput, Credentials, CredentialsInput, Description, PluginError, Secrets,
    VendorPlugin, MAX_INPUT_BYTES,
};

thread_local! {
    /// The secrets of the call in progress, for the panic hook.
    static CALL_SECRETS: RefCell<Secrets> = RefCell::new(Secrets::default());
}

/// Exports the five calls of a [`VendorPlugin`](crate::VendorPlugin), built anew for every call.
///
/// The argument is an expression that builds the plugin:
///
/// ```ignore
/// plugin_contract::export_plugin!(SaasAlerts::new(HostHttp));
/// ```
///
/// The credentials whose values are redacted from whatever leaves the plugin are those its
/// `describe_credentials` schema marks `writeOnly`
/// ([`Description::secret_fields`]), so a
/// plugin declares its secrets once, in the schema a host shows.
///
/// It defines the five `extern "C"` exports, named after the calls (see
/// [`exports`](crate::exports)), so the plugin crate needs no `extism-pdk` of its own. Their
/// Rust names are hidden ones: the module may hold items called `authenticate` and the like.
/// Like the `guest` feature, it exists on wasm32 only; put `#[cfg(target_arch = "wasm32")]` on
/// the line when the crate is also built natively (for its unit tests).
#[macro_export]
macro_rules! export_plugin {
    ($plugin:expr $(,)?) => {
        #[doc(hidden)]
        #[unsafe(export_name = "describe_credentials")]
        pub extern "C" fn __plugin_contract_describe_credentials() -> i32 {
            $crate::guest::export({ $plugin }, $crate::VendorPlugin::describe_credentials)
        }

        #[doc(hidden)]
        #[unsafe(export_name = "authenticate")]
        pub extern "C" fn __plugin_contract_authenticate() -> i32 {
            $crate::guest::export({ $plugin }, $crate::VendorPlugin::authenticate)
        }

        #[doc(hidden)]
        #[unsafe(export_name = "list_accounts")]
        pub extern "C" fn __plugin_contract_list_accounts() -> i32 {
            $crate::guest::export({ $plugin }, $crate::VendorPlugin::list_accounts)
        }

        #[doc(hidden)]
        #[unsafe(export_name = "list_services")]
        pub extern "C" fn __plugin_contract_list_services() -> i32 {
            $crate::guest::export({ $plugin }, $crate::VendorPlugin::list_services)
        }

        #[doc(hidden)]
        #[unsafe(export_name = "fetch_usage")]
        pub extern "C" fn __plugin_contract_fetch_usage() -> i32 {
            $crate::guest::export({ $plugin }, $crate::VendorPlugin::fetch_usage)
        }
    };
}

/// Runs one export of [`export_plugin!`](crate::export_plugin): reads the host's input, answers
/// it with [`respond`] and hands the outcome to the host; returns the export's code.
///
/// It does what `#[plugin_fn]` does around a function, without the PDK's `anyhow` error: the
/// output is set and 0 returned, or the error JSON is set and 1 returned (-1 when the output
/// cannot be stored, as the PDK does).
#[doc(hidden)]
pub fn export<P: VendorPlugin, I: CallInput + DeserializeOwned, O: Serialize>(
    mut plugin: P,
    call: impl FnOnce(&mut P, &I) -> Result<O, PluginError>,
) -> i32 {
    let input = extism_pdk::input_bytes();
    let description = describe(&mut plugin);
    let schema = description.as_ref().map(|d| &d.credentials_schema);
    hand_over(respond(&input, schema, |input| call(&mut plugin, input)))
}

/// Returns what `plugin` says of itself, whose credentials schema names the secrets; `None`,
/// meaning every credential is kept secret, when it cannot describe itself. Not inlined: the
/// five exports share one copy.
#[inline(never)]
fn describe<P: VendorPlugin>(plugin: &mut P) -> Option<Description> {
    plugin
        .describe_credentials(&CredentialsInput::default())
        .ok()
}

/// Hands a call's outcome to the host: sets the output and returns 0, or sets the error and
/// returns 1 (-1 when the output cannot be stored, as the PDK does).
fn hand_over(outcome: Result<Vec<u8>, String>) -> i32 {
    match outcome {
        Ok(output) => match Memory::from_bytes(output) {
            Ok(memory) => {
                memory.set_output();
                0
            }
            Err(e) => {
                let error = PluginError::internal(format!("the output could not be stored: {e}"));
                set_error(error.to_json());
                -1
            }
        },
        Err(error_json) => {
            set_error(error_json);
            1
        }
    }
}

/// Answers one call: decodes `input`, runs `call` on it and returns the output JSON, or the JSON
/// of its [`PluginError`], with the values of the credentials `schema` marks `writeOnly`
/// (every credential when `None`) redacted.
///
/// Only decoding, the call and encoding depend on the call's types; the rest is written once
/// ([`call_secrets`], [`finish`]), so the five exports do not each carry a copy in the wasm.
fn respond<I: CallInput + DeserializeOwned, O: Serialize>(
    input: &[u8],
    schema: Option<&serde_json::Value>,
    call: impl FnOnce(&I) -> Result<O, PluginError>,
) -> Result<Vec<u8>, String> {
    let decoded = decode::<I>(input);
    let credentials = decoded.as_ref().ok().map(CallInput::credentials);
    call_secrets(input, credentials, schema);
    let output = decoded.and_then(|input| call(&input)).and_then(|output| {
        serde_json::to_string(&output)
            .map_err(|e| PluginError::internal(format!("output not encodable: {e}")))
    });
    finish(output)
}

/// Makes the secrets of the call, from its decoded credentials or, when the input did not
/// decode, from its raw JSON, the call's (and the panic hook's), installing the hook once. They
/// are kept in one place, not copied: a copy of [`Secrets`] would cost wasm size.
fn call_secrets(
    input: &[u8],
    credentials: Option<&Credentials>,
    schema: Option<&serde_json::Value>,
) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(report_panic)));
    let secrets = match credentials {
        Some(credentials) => secrets_among(credentials, schema),
        None => secrets_of(input, schema),
    };
    CALL_SECRETS.with(|s| *s.borrow_mut() = secrets);
}

/// Returns the output JSON, or the error's, with every form of the call's secrets redacted:
/// its secret credentials and every value the vendor issued to this instance
/// ([`issued`](crate::issued)), the call's own included.
fn finish(output: Result<String, PluginError>) -> Result<Vec<u8>, String> {
    CALL_SECRETS.with(|secrets| {
        let mut secrets = secrets.borrow_mut();
        crate::issued::for_each_kept(&mut |value| secrets.add(value));
        redacted(output, &secrets)
    })
}

/// Returns the output JSON, or the error's, with every form of `secrets` redacted.
fn redacted(output: Result<String, PluginError>, secrets: &Secrets) -> Result<Vec<u8>, String> {
    match output {
        Ok(json) if secrets.is_empty() => Ok(json.into_bytes()),
        Ok(json) => Ok(secrets.redact_json(&json).into_bytes()),
        Err(error) => Err(secrets.redact_json(&error.to_json())),
    }
}

/// Reads the secret credentials straight from the JSON of an input that does not decode as the
/// call's input, so that they are known anyway (a decoding error may quote one); none when the
/// credentials themselves do not decode.
fn secrets_of(input: &[u8], schema: Option<&serde_json::Value>) -> Secrets {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        credentials: Credentials,
    }
    match serde_json::from_slice::<Raw>(input) {
        Ok(raw) => secrets_among(&raw.credentials, schema),
        Err(_) => Secrets::default(),
    }
}

/// Returns the values of the `credentials` that `schema` marks `writeOnly`, or all of them
/// when there is no schema.
fn secrets_among(credentials: &Credentials, schema: Option<&serde_json::Value>) -> Secrets {
    let mut secrets = Secrets::default();
    for (key, value) in credentials.iter() {
        if schema.is_none_or(|schema| is_write_only(schema, key)) {
            secrets.add(value);
        }
    }
    secrets
}

fn decode<T: DeserializeOwned>(input: &[u8]) -> Result<T, PluginError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(PluginError::config(format!(
            "The call's input is {} bytes; the most accepted is {MAX_INPUT_BYTES}.",
            input.len()
        )));
    }
    serde_json::from_slice(input).map_err(|e| {
        PluginError::config(format!(
            "The call's input is not the JSON the contract expects: {e}."
        ))
    })
}

fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let error = PluginError::internal(format!("the plugin panicked: {info}"));
    if let Err(json) = finish(Err(error)) {
        set_error(json);
    }
}

/// Sets the Extism error of the call to `json`.
fn set_error(json: String) {
    if let Ok(memory) = Memory::from_bytes(json) {
        // SAFETY: `memory` is a live block of the plugin's Extism memory holding the message.
        unsafe { extism_pdk::extism::error_set(memory.offset()) };
    }
}
