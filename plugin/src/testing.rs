//! A fake transport for native unit tests.

use std::collections::BTreeMap;

use crate::transport::{HttpGet, HttpResponse, TransportError};

/// A request the fake received.
pub struct Sent {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Answers GETs from canned responses keyed by the path after `/reportApi/api/v1`.
#[derive(Default)]
pub struct FakeHttp {
    routes: BTreeMap<String, HttpResponse>,
    pub sent: Vec<Sent>,
}

impl FakeHttp {
    pub fn new() -> Self {
        FakeHttp::default()
    }

    /// Answers `path` with `status` and a JSON `body`.
    pub fn json(self, path: &str, status: u16, body: &str) -> Self {
        self.bytes(path, status, body.as_bytes())
    }

    /// Answers `path` with `status` and an HTML `body`.
    pub fn text(self, path: &str, status: u16, body: &str) -> Self {
        self.bytes(path, status, body.as_bytes())
    }

    /// Answers `path` with `status` and a raw `body`.
    pub fn bytes(mut self, path: &str, status: u16, body: &[u8]) -> Self {
        let response = HttpResponse {
            status,
            body: body.to_vec(),
        };
        self.routes.insert(path.to_owned(), response);
        self
    }
}

impl HttpGet for FakeHttp {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
        self.sent.push(Sent {
            url: url.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
        let path = url.split_once("/reportApi/api/v1").map_or(url, |(_, p)| p);
        self.routes.get(path).cloned().ok_or_else(|| {
            TransportError::connection(format!("connection refused: no fake route for {path}"))
        })
    }
}
