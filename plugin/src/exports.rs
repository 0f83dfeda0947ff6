//! The Extism glue: each export decodes its JSON input, delegates to [`SaasAlerts`] and encodes
//! the answer, or sets the Extism error to the JSON of the typed [`PluginError`].

use extism_pdk::{http, plugin_fn, FnResult, HttpRequest, WithReturnCode};
use plugin_contract::{ErrorClass, PluginError, VendorPlugin};
use serde::{de::DeserializeOwned, Serialize};

use crate::transport::{HttpGet, HttpResponse, TransportError};
use crate::SaasAlerts;

#[plugin_fn]
pub fn describe_credentials(input: Vec<u8>) -> FnResult<Vec<u8>> {
    respond(decode(&input).and_then(|input| plugin().describe_credentials(&input)))
}

#[plugin_fn]
pub fn authenticate(input: Vec<u8>) -> FnResult<Vec<u8>> {
    respond(decode(&input).and_then(|input| plugin().authenticate(&input)))
}

#[plugin_fn]
pub fn list_accounts(input: Vec<u8>) -> FnResult<Vec<u8>> {
    respond(decode(&input).and_then(|input| plugin().list_accounts(&input)))
}

#[plugin_fn]
pub fn list_services(input: Vec<u8>) -> FnResult<Vec<u8>> {
    respond(decode(&input).and_then(|input| plugin().list_services(&input)))
}

#[plugin_fn]
pub fn fetch_usage(input: Vec<u8>) -> FnResult<Vec<u8>> {
    respond(decode(&input).and_then(|input| plugin().fetch_usage(&input)))
}

fn plugin() -> SaasAlerts<PdkHttp> {
    SaasAlerts::new(PdkHttp)
}

/// Decodes a call's JSON input; a malformed input is the host's `config` error.
fn decode<T: DeserializeOwned>(input: &[u8]) -> Result<T, PluginError> {
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
