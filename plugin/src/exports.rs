//! The Extism glue: each export hands its input to `guest::run` with the call to make on
//! [`SaasAlerts`]; the PDK's HTTP is the plugin's transport.

use extism_pdk::{http, plugin_fn, FnResult, HttpRequest};
use plugin_contract::transport::{TransportFailure, TransportFailureKind};
use plugin_contract::{guest, VendorPlugin};

use crate::credentials::SECRET_CREDENTIALS;
use crate::transport::{HttpGet, HttpResponse, TransportError};
use crate::SaasAlerts;

#[plugin_fn]
pub fn describe_credentials(input: Vec<u8>) -> FnResult<Vec<u8>> {
    guest::run(&input, SECRET_CREDENTIALS, |input| {
        plugin().describe_credentials(input)
    })
}

#[plugin_fn]
pub fn authenticate(input: Vec<u8>) -> FnResult<Vec<u8>> {
    guest::run(&input, SECRET_CREDENTIALS, |input| {
        plugin().authenticate(input)
    })
}

#[plugin_fn]
pub fn list_accounts(input: Vec<u8>) -> FnResult<Vec<u8>> {
    guest::run(&input, SECRET_CREDENTIALS, |input| {
        plugin().list_accounts(input)
    })
}

#[plugin_fn]
pub fn list_services(input: Vec<u8>) -> FnResult<Vec<u8>> {
    guest::run(&input, SECRET_CREDENTIALS, |input| {
        plugin().list_services(input)
    })
}

#[plugin_fn]
pub fn fetch_usage(input: Vec<u8>) -> FnResult<Vec<u8>> {
    guest::run(&input, SECRET_CREDENTIALS, |input| {
        plugin().fetch_usage(input)
    })
}

fn plugin() -> SaasAlerts<PdkHttp> {
    SaasAlerts::new(PdkHttp)
}

/// Sends requests with the host's `http_request`; the host enforces `allowed_hosts` and limits.
struct PdkHttp;

impl HttpGet for PdkHttp {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
        let request = headers.iter().fold(
            HttpRequest::new(url).with_method("GET"),
            |request, (name, value)| request.with_header(*name, *value),
        );
        let response = http::request::<()>(&request, None).map_err(|e| {
            TransportError(TransportFailure {
                kind: TransportFailureKind::BadRequest,
                message: e.to_string(),
            })
        })?;
        let status = response.status_code();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        let body = response.body();
        // The PDK never frees a response: without this, every body of a call would stay in
        // the plugin's memory until the call ends.
        response.into_memory().free();
        // A host speaking interface 1.1 reports a request that got no response as status 0.
        if let Some(failure) = TransportFailure::from_response(status, &body) {
            return Err(TransportError(failure));
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}
