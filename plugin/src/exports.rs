//! The Extism glue: each export decodes its JSON input, delegates to [`SaasAlerts`] and encodes
//! the answer, or sets the Extism error to the JSON of the typed [`PluginError`].

use extism_pdk::{http, plugin_fn, FnResult, HttpRequest, Memory, WithReturnCode};
use plugin_contract::{ErrorClass, PluginError, VendorPlugin};
use serde::{de::DeserializeOwned, Serialize};

use crate::transport::{HttpGet, HttpResponse, TransportError};
use crate::SaasAlerts;

#[plugin_fn]
pub fn describe_credentials(input: Vec<u8>) -> FnResult<Vec<u8>> {
    run(&input, |plugin, input| plugin.describe_credentials(input))
}

#[plugin_fn]
pub fn authenticate(input: Vec<u8>) -> FnResult<Vec<u8>> {
    run(&input, |plugin, input| plugin.authenticate(input))
}

#[plugin_fn]
pub fn list_accounts(input: Vec<u8>) -> FnResult<Vec<u8>> {
    run(&input, |plugin, input| plugin.list_accounts(input))
}

#[plugin_fn]
pub fn list_services(input: Vec<u8>) -> FnResult<Vec<u8>> {
    run(&input, |plugin, input| plugin.list_services(input))
}

#[plugin_fn]
pub fn fetch_usage(input: Vec<u8>) -> FnResult<Vec<u8>> {
    run(&input, |plugin, input| plugin.fetch_usage(input))
}

/// Decodes the input, makes the call on a fresh plugin and encodes the outcome.
fn run<I: DeserializeOwned, O: Serialize>(
    input: &[u8],
    call: impl FnOnce(&mut SaasAlerts<PdkHttp>, &I) -> Result<O, PluginError>,
) -> FnResult<Vec<u8>> {
    std::panic::set_hook(Box::new(report_panic));
    respond(decode(input).and_then(|input| call(&mut SaasAlerts::new(PdkHttp), &input)))
}

/// Sets the Extism error to an `internal` error naming the panic, before the module aborts, so
/// the host reads a typed error instead of a bare trap.
fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let error = PluginError::new(ErrorClass::Internal, format!("the plugin panicked: {info}"));
    if let Ok(memory) = Memory::from_bytes(error.to_json()) {
        // SAFETY: `memory` is a live block of the plugin's Extism memory holding the message.
        unsafe { extism_pdk::extism::error_set(memory.offset()) };
    }
}

/// The largest call input accepted (100,000 account ids fit in a quarter of it).
const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Decodes a call's JSON input; a malformed or oversized input is the host's `config` error.
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

/// Encodes the output, or sets the typed error and returns a non-zero code.
fn respond<T: Serialize>(result: Result<T, PluginError>) -> FnResult<Vec<u8>> {
    let encoded = result.and_then(|output| {
        serde_json::to_vec(&output).map_err(|e| {
            PluginError::new(ErrorClass::Internal, format!("output not encodable: {e}"))
        })
    });
    encoded.map_err(|error| WithReturnCode::new(extism_pdk::Error::msg(error.to_json()), 1))
}

/// Sends requests with the host's `http_request`; the host enforces `allowed_hosts` and limits.
struct PdkHttp;

impl HttpGet for PdkHttp {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
        let request = headers.iter().fold(
            HttpRequest::new(url).with_method("GET"),
            |request, (name, value)| request.with_header(*name, *value),
        );
        let response =
            http::request::<()>(&request, None).map_err(|e| TransportError(e.to_string()))?;
        Ok(HttpResponse {
            status: response.status_code(),
            headers: response
                .headers()
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
                .collect(),
            body: response.body(),
        })
    }
}
