//! A fake transport for a plugin's native unit tests (feature `testing`).
//!
//! Enable it for tests only:
//! `[dev-dependencies] vendor-kit = { path = "../kit", features = ["testing"] }`.
//!
//! ```
//! use vendor_kit::http::HttpGet;
//! use vendor_kit::testing::FakeHttp;
//!
//! let mut http = FakeHttp::at("https://api.example/v2").answer("/devices", 200, "[]");
//! let response = http.get("https://api.example/v2/devices", &[("authorization", "Bearer t")]);
//! assert_eq!(response.unwrap().body, b"[]");
//! assert_eq!(http.sent[0].headers[0].0, "authorization");
//! assert!(http.get("https://api.example/v2/users", &[]).is_err(), "no route: refused");
//! ```

use std::collections::BTreeMap;

use plugin_contract::transport::{TransportFailure, TransportFailureKind};

use crate::http::{HttpGet, HttpResponse, TransportError};

/// A request the fake received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The full URL.
    pub url: String,
    /// The headers, in the order they were given.
    pub headers: Vec<(String, String)>,
}

/// Answers GETs from canned responses keyed by URL; a URL without one is refused as a
/// connection failure.
///
/// Routes are full URLs, or, with [`FakeHttp::at`], what follows a base URL:
/// `FakeHttp::at("https://api.example/v2").answer("/devices?page=1", 200, "[]")` answers
/// `https://api.example/v2/devices?page=1` and nothing else.
#[derive(Clone, Debug, Default)]
pub struct FakeHttp {
    base: String,
    routes: BTreeMap<String, Result<HttpResponse, TransportFailure>>,
    /// Every request received, in order.
    pub sent: Vec<Sent>,
}

impl FakeHttp {
    /// Creates a fake whose routes are full URLs.
    pub fn new() -> Self {
        FakeHttp::default()
    }

    /// Creates a fake whose routes are what follows `base` in a URL.
    pub fn at(base: &str) -> Self {
        FakeHttp {
            base: base.to_owned(),
            ..FakeHttp::default()
        }
    }

    /// Answers `route` with `status` and `body` (text or bytes, sent as they are).
    pub fn answer(mut self, route: &str, status: u16, body: impl AsRef<[u8]>) -> Self {
        let response = HttpResponse {
            status,
            body: body.as_ref().to_vec(),
        };
        self.routes.insert(self.url(route), Ok(response));
        self
    }

    /// Makes `route` fail without a response, as a host reports a failure of `kind`.
    pub fn fail(mut self, route: &str, kind: TransportFailureKind) -> Self {
        let failure = TransportFailure {
            kind,
            message: format!("fake {kind:?} failure"),
        };
        self.routes.insert(self.url(route), Err(failure));
        self
    }

    fn url(&self, route: &str) -> String {
        format!("{}{route}", self.base)
    }
}

impl HttpGet for FakeHttp {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
        self.sent.push(Sent {
            url: url.to_owned(),
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        });
        match self.routes.get(url) {
            Some(Ok(response)) => Ok(response.clone()),
            Some(Err(failure)) => Err(TransportError(failure.clone())),
            None => Err(TransportError::connection(format!(
                "connection refused: no fake route for {url}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_the_base_and_nothing_else_answers() {
        let mut http = FakeHttp::at("https://api.example/v2")
            .answer("/devices?page=1", 200, "[]")
            .fail("/devices?page=2", TransportFailureKind::Timeout);
        let answered = http
            .get(
                "https://api.example/v2/devices?page=1",
                &[("accept", "*/*")],
            )
            .unwrap();
        assert_eq!((answered.status, answered.body), (200, b"[]".to_vec()));
        let timed_out = http
            .get("https://api.example/v2/devices?page=2", &[])
            .unwrap_err();
        assert_eq!(timed_out.0.kind, TransportFailureKind::Timeout);
        let refused = http
            .get("https://other.example/v2/devices?page=1", &[])
            .unwrap_err();
        assert_eq!(refused.0.kind, TransportFailureKind::Connection);
        assert_eq!(http.sent.len(), 3);
        assert_eq!(http.sent[0].headers, [("accept".into(), "*/*".into())]);
    }
}
