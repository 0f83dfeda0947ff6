//! The Extism glue: each export hands its input to `guest::run` with the call to make on
//! [`SaasAlerts`]; the host's `http_request` is the plugin's transport.

use extism_pdk::{extism, plugin_fn, FnResult, HttpRequest, Memory};
use plugin_contract::transport::{
    TransportFailure, TransportFailureKind, TRANSPORT_FAILURE_STATUS,
};
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

/// Says what a status 0 without a reason means: the host sent nothing (Node's SDK 1.0.3 outside
/// a worker answers every request so). A host bug, not a vendor problem: `internal`.
const NO_HOST_HTTP: &str = "the host made no HTTP request (status 0, no reason given): this host does not give plugins HTTP; see the host profile (contract/HOST-PROFILE.md)";

/// Sends requests with the host's `http_request`; the host enforces `allowed_hosts` and limits.
///
/// It calls the two imports it needs itself instead of the PDK's `http::request`, which also
/// calls `http_headers`: an import Node's `@extism/extism` 1.0.3 does not provide, so a module
/// importing it does not load there (see `transport.rs`).
struct PdkHttp;

impl HttpGet for PdkHttp {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
        let request = headers.iter().fold(
            HttpRequest::new(url).with_method("GET"),
            |request, (name, value)| request.with_header(*name, *value),
        );
        let bad_request = |message: String| {
            TransportError(TransportFailure {
                kind: TransportFailureKind::BadRequest,
                message,
            })
        };
        let json = serde_json::to_vec(&request).map_err(|e| bad_request(e.to_string()))?;
        let request = Memory::from_bytes(json).map_err(|e| bad_request(e.to_string()))?;
        // SAFETY: both are Extism kernel imports; the offset is a live block of plugin memory.
        let (offset, status) = unsafe {
            let offset = extism::http_request(request.offset(), 0);
            (offset, extism::http_status_code())
        };
        request.free();
        let body = match Memory::find(offset) {
            Some(response) => {
                let body = response.to_vec();
                response.free();
                body
            }
            None => Vec::new(),
        };
        let status = u16::try_from(status).unwrap_or(u16::MAX);
        // A host speaking interface 1.1 reports a request that got no response as status 0.
        if let Some(failure) = TransportFailure::from_response(status, &body) {
            return Err(TransportError(failure));
        }
        if status == TRANSPORT_FAILURE_STATUS {
            return Err(bad_request(NO_HOST_HTTP.to_owned()));
        }
        Ok(HttpResponse { status, body })
    }
}
