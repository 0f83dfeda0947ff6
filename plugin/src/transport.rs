//! The one thing the plugin needs from its host: a blocking HTTP GET.
//!
//! Inside wasm the host's `http_request` provides it (see `exports.rs`); native unit tests pass a
//! fake. Keeping it behind this trait is what lets every SaaS Alerts rule run as a plain Rust test.
//!
//! The plugin reads no response header. That keeps `http_headers` out of its imports, so every
//! Extism SDK loads it (Node's `@extism/extism` 1.0.3 has no `http_headers`), and hosts share
//! headers only when asked anyway. What headers would tell is the host's to handle: it does not
//! follow redirects, and it fills in the vendor's `Retry-After` (see `plugin_contract::host`).

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
    /// The raw body.
    pub body: Vec<u8>,
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
