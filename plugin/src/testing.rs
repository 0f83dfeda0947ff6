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
    last: Option<String>,
    pub sent: Vec<Sent>,
}

impl FakeHttp {
    pub fn new() -> Self {
        FakeHttp::default()
    }

    /// Answers `path` with `status` and a JSON `body`.
    pub fn json(self, path: &str, status: u16, body: &str) -> Self {
        self.route(path, status, "application/json", body)
    }

    /// Answers `path` with `status` and an HTML `body`.
    pub fn text(self, path: &str, status: u16, body: &str) -> Self {
        self.route(path, status, "text/html", body)
    }

    /// Answers `path` with `status` and a raw `body`.
    pub fn bytes(mut self, path: &str, status: u16, body: &[u8]) -> Self {
        self = self.route(path, status, "application/json", "");
        if let Some(response) = self.routes.get_mut(path) {
            response.body = body.to_vec();
        }
        self
    }

    /// Adds a header to the response added last.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let last = self.last.clone().expect("add a route first");
        let response = self.routes.get_mut(&last).expect("route exists");
        response.headers.insert(name.to_owned(), value.to_owned());
        self
    }

    fn route(mut self, path: &str, status: u16, content_type: &str, body: &str) -> Self {
        let headers = BTreeMap::from([("content-type".to_owned(), content_type.to_owned())]);
        let response = HttpResponse {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        };
        self.routes.insert(path.to_owned(), response);
        self.last = Some(path.to_owned());
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
