//! A fake transport for a plugin's native unit tests (feature `testing`).
//!
//! Enable it for tests only:
//! `[dev-dependencies] vendor-kit = { path = "../kit", features = ["testing"] }`.
//!
//! ```
//! use vendor_kit::http::{Http, HttpRequest};
//! use vendor_kit::testing::FakeHttp;
//!
//! let mut http = FakeHttp::at("https://api.example/v2")
//!     .answer("/devices", 200, "[]")
//!     .answer_to("POST", "/token", 200, r#"{"access_token":"t","token_type":"Bearer"}"#);
//! let response = http.get("https://api.example/v2/devices", &[("authorization", "Bearer t")]);
//! assert_eq!(response.unwrap().body, b"[]");
//! assert_eq!(http.sent[0].headers[0].0, "authorization");
//! let token = http.send(&HttpRequest::post("https://api.example/v2/token", &[], b"a=b"));
//! assert_eq!(token.unwrap().status, 200);
//! assert_eq!((http.sent[1].method.as_str(), http.sent[1].body.as_slice()), ("POST", &b"a=b"[..]));
//! assert!(http.get("https://api.example/v2/users", &[]).is_err(), "no route: refused");
//! ```

use std::collections::BTreeMap;

use plugin_contract::transport::{TransportFailure, TransportFailureKind};

use crate::http::{Http, HttpRequest, HttpResponse, TransportError};

/// A request the fake received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The headers, in the order they were given.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Sent {
    /// Returns the value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What a route answers, in turn: the last answer repeats.
type Answers = Vec<Result<HttpResponse, TransportFailure>>;

/// Answers requests from canned responses keyed by method and URL; a URL without one is
/// refused as a connection failure.
///
/// Routes are full URLs, or, with [`FakeHttp::at`], what follows a base URL:
/// `FakeHttp::at("https://api.example/v2").answer("/devices?page=1", 200, "[]")` answers
/// `https://api.example/v2/devices?page=1` and nothing else; a route that is a full URL
/// (another host: a token endpoint) is taken as it is. [`FakeHttp::answer`] answers any
/// method, [`FakeHttp::answer_to`] one method (it wins over `answer`); each replaces what the
/// route answered before. [`FakeHttp::then_answer`] queues another answer instead: the first
/// request gets the first, later ones the next, and the last repeats (a token that works once,
/// then a 401).
#[derive(Clone, Debug, Default)]
pub struct FakeHttp {
    base: String,
    /// Answers by `(method, url)`; the method `*` stands for any.
    routes: BTreeMap<(String, String), Answers>,
    /// How many requests each route has answered.
    answered: BTreeMap<(String, String), usize>,
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

    /// Answers `route`, whatever the method, with `status` and `body` (text or bytes, sent as
    /// they are).
    pub fn answer(self, route: &str, status: u16, body: impl AsRef<[u8]>) -> Self {
        self.answer_to("*", route, status, body)
    }

    /// Answers `method` requests of `route` with `status` and `body`.
    pub fn answer_to(self, method: &str, route: &str, status: u16, body: impl AsRef<[u8]>) -> Self {
        self.replace(method, route, Ok(response(status, body)))
    }

    /// Queues `status` and `body` as the next answer of `method` (`*`: any) to `route`, after
    /// those it has.
    pub fn then_answer(
        mut self,
        method: &str,
        route: &str,
        status: u16,
        body: impl AsRef<[u8]>,
    ) -> Self {
        let key = (method.to_owned(), self.url(route));
        self.routes
            .entry(key)
            .or_default()
            .push(Ok(response(status, body)));
        self
    }

    /// Makes `route` fail without a response, as a host reports a failure of `kind`.
    pub fn fail(self, route: &str, kind: TransportFailureKind) -> Self {
        let failure = TransportFailure {
            kind,
            message: format!("fake {kind:?} failure"),
        };
        self.replace("*", route, Err(failure))
    }

    /// Returns the requests sent to `route` (what follows the base), in order.
    pub fn sent_to(&self, route: &str) -> Vec<&Sent> {
        let url = self.url(route);
        self.sent.iter().filter(|sent| sent.url == url).collect()
    }

    fn replace(
        mut self,
        method: &str,
        route: &str,
        answer: Result<HttpResponse, TransportFailure>,
    ) -> Self {
        let key = (method.to_owned(), self.url(route));
        self.routes.insert(key, vec![answer]);
        self
    }

    fn url(&self, route: &str) -> String {
        if route.starts_with("https://") || route.starts_with("http://") {
            return route.to_owned();
        }
        format!("{}{route}", self.base)
    }
}

/// Makes a response of `status` and `body`.
fn response(status: u16, body: impl AsRef<[u8]>) -> HttpResponse {
    HttpResponse {
        status,
        body: body.as_ref().to_vec(),
    }
}

impl Http for FakeHttp {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        self.sent.push(Sent {
            method: request.method.to_owned(),
            url: request.url.to_owned(),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            body: request.body.to_vec(),
        });
        let exact = (request.method.to_owned(), request.url.to_owned());
        let key = if self.routes.contains_key(&exact) {
            exact
        } else {
            ("*".to_owned(), request.url.to_owned())
        };
        let Some(answers) = self.routes.get(&key) else {
            return Err(TransportError::connection(format!(
                "connection refused: no fake route for {} {}",
                request.method, request.url
            )));
        };
        let turn = self.answered.entry(key).or_default();
        let answer = &answers[(*turn).min(answers.len() - 1)];
        *turn += 1;
        answer.clone().map_err(TransportError)
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

    #[test]
    fn a_method_route_wins_an_answer_replaces_and_queued_ones_come_in_turn_the_last_repeating() {
        let mut http = FakeHttp::at("https://api.example")
            .answer("/token", 405, "")
            .answer_to("POST", "/token", 500, "replaced")
            .answer_to("POST", "/token", 200, "first")
            .then_answer("POST", "/token", 401, "then");
        let post = |http: &mut FakeHttp| {
            let response = http.send(&HttpRequest::post("https://api.example/token", &[], b"x"));
            let response = response.unwrap();
            (response.status, response.body)
        };
        assert_eq!(post(&mut http), (200, b"first".to_vec()));
        assert_eq!(post(&mut http), (401, b"then".to_vec()));
        assert_eq!(post(&mut http), (401, b"then".to_vec()));
        let get = http.get("https://api.example/token", &[]).unwrap();
        assert_eq!(get.status, 405);
        assert_eq!(http.sent_to("/token").len(), 4);
        assert_eq!(http.sent[0].body, b"x");
        assert_eq!(http.sent[3].method, "GET");
    }
}
