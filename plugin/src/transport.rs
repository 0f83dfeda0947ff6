//! The one thing the plugin needs from its host: a blocking HTTP GET.
//!
//! Inside wasm the Extism PDK provides it (see `exports.rs`); native unit tests pass a fake.
//! Keeping it behind this trait is what lets every SaaS Alerts rule run as a plain Rust test.

use std::collections::BTreeMap;

use plugin_contract::transport::{TransportFailure, TransportFailureKind};

/// Sends HTTP GET requests on the plugin's behalf.
pub trait HttpGet {
    /// Sends a GET to `url` with `headers` and returns whatever status the server answered.
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError>;
}

/// A response as the plugin sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers with lowercase names; empty when the host does not share them.
    pub headers: BTreeMap<String, String>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Returns the value of header `name` (lowercase), if the host shared it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// The request never produced a response: what the host reported, or why the request failed.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.message)]
pub struct TransportError(pub TransportFailure);

impl TransportError {
    /// Creates a connection failure (refused, reset, DNS) with `message`.
    pub fn connection(message: impl Into<String>) -> TransportError {
        TransportError(TransportFailure {
            kind: TransportFailureKind::Connection,
            message: message.into(),
        })
    }
}
