//! The one thing an HTTP plugin needs from its host: a blocking HTTP request.
//!
//! Inside wasm the host's `http_request` provides it (`HostHttp`, wasm32 only); native unit
//! tests pass a fake (`testing::FakeHttp`, feature `testing`). Keeping the vendor logic behind
//! [`Http`] is what lets every vendor rule run as a plain Rust test, and both go through the
//! same [`HttpRequest`]: what a native test sends is what the wasm build sends.
//!
//! A request has a method, headers and a body of bytes; [`form_body`] writes an
//! `application/x-www-form-urlencoded` body (an OAuth token request), `serde_json::to_vec` a
//! JSON one. The plugin sets the `content-type` header that goes with it.
//!
//! A plugin reads no response header. That keeps `http_headers` out of its imports, so every
//! Extism SDK loads it (Node's `@extism/extism` 1.0.3 has no `http_headers`), and hosts share
//! headers only when asked anyway. What headers would tell is the host's to handle: it does not
//! follow redirects, and it fills in the vendor's `Retry-After` (see `plugin_contract::host`).

use plugin_contract::transport::{TransportFailure, TransportFailureKind};
use plugin_contract::ErrorClass;

#[cfg(target_arch = "wasm32")]
pub use host::HostHttp;

/// The `content-type` of a [`form_body`].
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The `content-type` of a JSON body.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// Sends HTTP requests on the plugin's behalf.
pub trait Http {
    /// Sends `request` and returns whatever status the server answered.
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError>;

    /// Sends a GET to `url` with `headers`.
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
        self.send(&HttpRequest::get(url, headers))
    }
}

impl<H: Http + ?Sized> Http for &mut H {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        (**self).send(request)
    }
}

/// A request as the plugin sends it: borrowed, so that building one costs no copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    /// The method, e.g. `GET` or `POST`.
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// The headers, lowercase names by convention.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body; empty for none.
    pub body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// Creates a GET of `url` with `headers` and no body.
    pub fn get(url: &'a str, headers: &'a [(&'a str, &'a str)]) -> HttpRequest<'a> {
        HttpRequest {
            method: "GET",
            url,
            headers,
            body: &[],
        }
    }

    /// Creates a POST of `body` to `url` with `headers` (which name its `content-type`).
    pub fn post(
        url: &'a str,
        headers: &'a [(&'a str, &'a str)],
        body: &'a [u8],
    ) -> HttpRequest<'a> {
        HttpRequest {
            method: "POST",
            url,
            headers,
            body,
        }
    }
}

/// Writes `fields` as an `application/x-www-form-urlencoded` body, each name and value
/// percent-encoded (every byte but `A-Z a-z 0-9 - . _ ~`), in the order given.
pub fn form_body(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in fields {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&crate::percent_encode(name));
        body.push('=');
        body.push_str(&crate::percent_encode(value));
    }
    body.into_bytes()
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

    /// Returns the error class the failure gives (see [`TransportFailureKind::class`]).
    pub fn class(&self) -> ErrorClass {
        self.0.kind.class()
    }
}

#[cfg(target_arch = "wasm32")]
mod host {
    use extism_pdk::{extism, Memory};
    use plugin_contract::transport::{
        TransportFailure, TransportFailureKind, TRANSPORT_FAILURE_STATUS,
    };

    use super::{Http, HttpRequest, HttpResponse, TransportError};

    /// Says what a status 0 without a reason means: the host sent nothing (Node's SDK 1.0.3
    /// outside a worker answers every request so). A host bug, not a vendor problem: `internal`.
    const NO_HOST_HTTP: &str = "the host made no HTTP request (status 0, no reason given): this host does not give plugins HTTP; see the host profile (contract/HOST-PROFILE.md)";

    /// Sends requests with the host's `http_request`; the host enforces `allowed_hosts` and limits.
    ///
    /// It calls the two imports it needs itself instead of the PDK's `http::request`, which also
    /// calls `http_headers`: an import Node's `@extism/extism` 1.0.3 does not provide, so a module
    /// importing it does not load there (see the [module docs](super)).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct HostHttp;

    /// The request as `http_request` reads it: the JSON of the PDK's `HttpRequest`, field for
    /// field, without the PDK's `http` feature.
    #[derive(serde::Serialize)]
    struct Request<'a> {
        url: &'a str,
        headers: Headers<'a>,
        method: &'a str,
    }

    /// Request headers written as the JSON object the PDK's `BTreeMap` gives, straight from the
    /// caller's slice (a map would cost wasm size and a sort for two headers).
    struct Headers<'a>(&'a [(&'a str, &'a str)]);

    impl serde::Serialize for Headers<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.iter().copied())
        }
    }

    impl Http for HostHttp {
        fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
            let body = request.body;
            let request = Request {
                url: request.url,
                headers: Headers(request.headers),
                method: request.method,
            };
            let bad_request = |message: String| {
                TransportError(TransportFailure {
                    kind: TransportFailureKind::BadRequest,
                    message,
                })
            };
            let json = serde_json::to_vec(&request).map_err(|e| bad_request(e.to_string()))?;
            let request = Memory::from_bytes(&json[..]).map_err(|e| bad_request(e.to_string()))?;
            // An empty body is none: offset 0, as the PDK passes it.
            let body = match body {
                [] => None,
                body => Some(Memory::from_bytes(body).map_err(|e| bad_request(e.to_string()))?),
            };
            // SAFETY: both are Extism kernel imports; the offsets are live blocks of plugin
            // memory (or 0, no body).
            let (offset, status) = unsafe {
                let offset =
                    extism::http_request(request.offset(), body.as_ref().map_or(0, Memory::offset));
                (offset, extism::http_status_code())
            };
            // The host owns the request's blocks once called and frees them (host profile
            // F3), as Extism's own `http_request` does and as the Extism PDK leaves them:
            // freeing them again could free the block the host then gave the response.
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
}
