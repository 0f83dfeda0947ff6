//! Replays recorded vendor exchanges from a real HTTP server on 127.0.0.1.
//!
//! The plugin's real HTTP path runs (Extism's `http_request`, headers, statuses, limits); only
//! the other end is canned. A scenario is a folder:
//!
//! - `exchanges.json`: `{"source": "where these came from", "exchanges": [{"request": {"method",
//!   "path", "query": {...}, "headers": {...}, "body"?: {"form": {...}} | {"json": <JSON>} |
//!   {"text": "..."}}, "response": {"status", "headers": {...},
//!   "body": <JSON> | "body_text": "<raw text>", "delay_ms"?, "not_http"?}}]}`, where
//!   `not_http: true` answers bytes that are not HTTP: a broken connection;
//! - `credentials.json` (optional): credentials for the scenario, where `{replay_url}` stands for
//!   the server's base URL, e.g. `{"api_key": "replay-key", "api_url": "{replay_url}"}`.
//!
//! In response header values, `{replay_url}` is the server's base URL too, and `{elsewhere_url}`
//! is the same server named `localhost`: a host no manifest allows, for a redirect that must
//! not be followed. A request that does follow it matches nothing and is reported.
//!
//! Replay is strict. A request matches an exchange when method, path and query are equal,
//! every recorded request header is present with a matching value, and the body matches (none
//! recorded: an empty one; see [`crate::traffic::matching`] for forms and JSON): `<redacted>`
//! inside a recorded value stands for one or more characters and the rest must be equal, so
//! `<redacted>` matches any non-empty value and `Bearer <redacted>` any value of `Bearer `
//! followed by something ([`header_matches`]). Told the secrets the plugin was given
//! ([`ReplayServer::expect_secrets`]), the server wants a form of one of them (or of a value
//! the recording issues) where `<redacted>` stands, and reports in [`ReplayReport::leaks`]
//! each place of a request holding one where the recording has no `<redacted>` (an extra
//! header, a query, a body field). Exchanges with the same request are served in
//! order and the last one repeats, so `429` then `200` replays a retry. A request that matches
//! nothing gets HTTP 501 and is reported by [`ReplayServer::finish`], as is an exchange never
//! used; when method, path and query were recorded but a header or the body differed, the report
//! names the header or body field and how its value differed, never the value sent (it may be a
//! secret). The report
//! stays small whatever a plugin sends: it keeps the first [`MAX_UNMATCHED_KEPT`] unmatched
//! requests and counts the rest, and each request's first [`MAX_SHOWN_REQUEST_BYTES`] bytes.
//!
//! The server answers up to 16 requests at once (a pool of plugin instances is answered in
//! parallel, and a client that does not read its answer holds up no other). Each request is
//! matched outside the one lock that notes what was served (`traffic::playback`, what the workers
//! run), and each round trip is recorded ([`ReplayServer::round_trips`]). Nagle's algorithm is
//! off (a 16 KB answer took 46 ms, a delayed ACK, and now takes 0.4 ms).
//!
//! A replay reaches the replay server only: a host runs the plugin with `allowed_hosts` of
//! [`REPLAY_HOST`] alone, and [`ReplayServer::check_credentials`] refuses, before any call, a
//! URL credential that points anywhere else (a scenario whose `credentials.json` lacks
//! `{replay_url}` would otherwise call the real vendor).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use plugin_contract::Credentials;
use serde::Serialize;
use serde_json::Value;

// The format the server plays, and how it matches, kept where their users have always found
// them.
use crate::runtime::manifest::PluginManifest;
use crate::traffic::matching::Known;
pub use crate::traffic::matching::{header_matches, REDACTED};
pub(crate) use crate::traffic::matching::{parse_query, percent_decode};
use crate::traffic::playback::{lock, lookup_key, serve_requests, Playback, Scenario};
pub use crate::traffic::playback::{ServedRequest, MAX_SHOWN_REQUEST_BYTES, MAX_UNMATCHED_KEPT};
pub use crate::traffic::recording::{
    Exchange, RecordedBody, RecordedRequest, RecordedResponse, Recording,
};

/// The placeholder for the server's base URL in a scenario's `credentials.json`.
pub const REPLAY_URL_PLACEHOLDER: &str = "{replay_url}";

/// The placeholder, in response headers, for the server under a host name no manifest allows.
pub const ELSEWHERE_URL_PLACEHOLDER: &str = "{elsewhere_url}";

/// The host of every replay server: in replay, the one host a plugin may reach.
pub const REPLAY_HOST: &str = "127.0.0.1";

/// Returns `manifest` with the replay server as its one allowed host: what a host runs a
/// plugin with in replay, so that no request reaches the manifest's real hosts.
pub fn replay_only(manifest: &PluginManifest) -> PluginManifest {
    let mut manifest = manifest.clone();
    manifest.allowed_hosts = vec![REPLAY_HOST.to_owned()];
    manifest
}

/// Why a replay could not start or did not go as recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A scenario file could not be read or parsed.
    #[error("cannot use the scenario file {path}: {problem}")]
    Scenario { path: PathBuf, problem: String },
    /// The server could not listen on 127.0.0.1.
    #[error("the replay server could not start: {0}")]
    Listen(String),
    /// Requests matched no recorded exchange, or recorded exchanges were never requested.
    #[error("the replay did not go as recorded:{}{}", list(unmatched, "no recorded exchange for") + &list(unused, "never requested:"), omitted(*unmatched_omitted))]
    Mismatch {
        unmatched: Vec<String>,
        /// Unmatched requests beyond the [`MAX_UNMATCHED_KEPT`] listed.
        unmatched_omitted: usize,
        unused: Vec<String>,
    },
    /// A URL credential (or the schema's default of one left unset) points at a host other than
    /// the replay server: the plugin would call it instead of the recording.
    #[error("credential {credential}{what} points at {host}, not at the replay server {server}: a replay reaches only its own server. Write \"{credential}\": \"{{replay_url}}\" (followed by the path, if any) in the scenario's credentials.json")]
    OffReplay {
        /// The credential's name.
        credential: String,
        /// What of the credential: empty for its value, or that its schema default is used.
        what: &'static str,
        /// `host:port` of the URL.
        host: String,
        /// `host:port` of the replay server.
        server: String,
    },
}

fn list(items: &[String], label: &str) -> String {
    items.iter().map(|i| format!("\n  {label} {i}")).collect()
}

fn omitted(count: usize) -> String {
    match count {
        0 => String::new(),
        count => format!("\n  and {count} more requests with no recorded exchange"),
    }
}

/// How many requests a replay server answers at once: a pool of plugin instances syncing in
/// parallel gets its answers in parallel, as from a real vendor.
const WORKERS: usize = 16;

/// How a replay went: printed by `host-harness serve` when it stops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplayReport {
    /// Every request received, in order.
    pub served: Vec<ServedRequest>,
    /// Requests that matched no recorded exchange (`METHOD /path?query`), the first
    /// [`MAX_UNMATCHED_KEPT`].
    pub unmatched: Vec<String>,
    /// How many more requests matched nothing.
    pub unmatched_omitted: usize,
    /// Recorded exchanges never requested.
    pub unused: Vec<String>,
    /// Each place a request sent a form of a known secret (one the plugin was given, or a value
    /// the recording issues) where the recording has no `<redacted>`: `METHOD /path: header
    /// x-debug`, never the value; the first [`MAX_UNMATCHED_KEPT`], each once.
    pub leaks: Vec<String>,
}

/// A replay server running on 127.0.0.1 until dropped.
pub struct ReplayServer {
    server: Arc<tiny_http::Server>,
    base_url: String,
    scenario: Arc<Scenario>,
    playback: Arc<Mutex<Playback>>,
    credentials: Credentials,
    workers: Vec<JoinHandle<()>>,
    /// See [`ReplayServer::issued_values`].
    issued: Vec<String>,
    /// See [`ReplayServer::issuing_requests`].
    issuing: Vec<String>,
}

impl ReplayServer {
    /// Starts serving the scenario in `folder` on an ephemeral port of 127.0.0.1.
    pub fn start(folder: &Path) -> Result<ReplayServer, ReplayError> {
        ReplayServer::start_echoing(folder, None)
    }

    /// Starts serving the scenario in `folder`, echoing `echo` as [`ReplayServer::serve_echoing`]
    /// does.
    pub fn start_echoing(folder: &Path, echo: Option<&str>) -> Result<ReplayServer, ReplayError> {
        let recording: Recording = read_json(&folder.join("exchanges.json"))?;
        let credentials_path = folder.join("credentials.json");
        let credentials: Credentials = if credentials_path.exists() {
            read_json(&credentials_path)?
        } else {
            Credentials::default()
        };
        ReplayServer::serve_echoing(recording, credentials, echo)
    }

    /// Starts serving `recording`; `credentials` may use [`REPLAY_URL_PLACEHOLDER`].
    pub fn serve(
        recording: Recording,
        credentials: Credentials,
    ) -> Result<ReplayServer, ReplayError> {
        ReplayServer::serve_echoing(recording, credentials, None)
    }

    /// Starts serving `recording` as a vendor that echoes `echo` (a secret) back: every string
    /// of every JSON body gets it appended in one of [`crate::traffic::echo::echo_forms`] in
    /// turn. Requests are matched with those suffixes removed, so ids that carry them still find
    /// their answer.
    pub fn serve_echoing(
        mut recording: Recording,
        credentials: Credentials,
        echo: Option<&str>,
    ) -> Result<ReplayServer, ReplayError> {
        let echoed: Vec<String> = echo.map_or_else(Vec::new, |echo| {
            crate::traffic::echo::echo_forms(echo)
                .into_iter()
                .map(|form| format!(" {form}"))
                .collect()
        });
        if !echoed.is_empty() {
            let mut turn = 0;
            for exchange in &mut recording.exchanges {
                if let Some(body) = &mut exchange.response.body {
                    append_to_strings(body, &echoed, &mut turn);
                }
            }
        }
        let server = tiny_http::Server::from_listener(listen()?, None)
            .map_err(|e| ReplayError::Listen(e.to_string()))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| ReplayError::Listen("no IP address".into()))?;
        let base_url = format!("http://{REPLAY_HOST}:{port}");
        let credentials = credentials
            .iter()
            .map(|(k, v)| (k, v.replace(REPLAY_URL_PLACEHOLDER, &base_url)))
            .collect();
        let elsewhere_url = format!("http://localhost:{port}");
        for exchange in &mut recording.exchanges {
            for value in exchange.response.headers.values_mut() {
                *value = value
                    .replace(REPLAY_URL_PLACEHOLDER, &base_url)
                    .replace(ELSEWHERE_URL_PLACEHOLDER, &elsewhere_url);
            }
        }
        let mut by_request: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, exchange) in recording.exchanges.iter().enumerate() {
            by_request
                .entry(lookup_key(&exchange.request))
                .or_default()
                .push(index);
        }
        let (issued, issuing) = recording.issued();
        let known = Known {
            expected: None,
            issued: plugin_contract::Secrets::new(issued.iter().map(String::as_str)),
        };
        let scenario = Arc::new(Scenario {
            by_request,
            exchanges: recording.exchanges,
            echoed,
        });
        let playback = Arc::new(Mutex::new(Playback {
            known: Arc::new(known),
            leaks: Vec::new(),
            refuse_wrong_secrets: false,
            times_served: vec![0; scenario.exchanges.len()],
            served: Vec::new(),
            unmatched: Vec::new(),
            unmatched_omitted: 0,
            round_trips: Vec::new(),
        }));
        let server = Arc::new(server);
        let workers = (0..WORKERS)
            .map(|_| {
                let (server, scenario, playback) = (
                    Arc::clone(&server),
                    Arc::clone(&scenario),
                    Arc::clone(&playback),
                );
                std::thread::spawn(move || serve_requests(&server, &scenario, &playback))
            })
            .collect();
        Ok(ReplayServer {
            server,
            base_url,
            scenario,
            playback,
            credentials,
            workers,
            issued,
            issuing,
        })
    }

    /// Returns `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Returns the scenario's credentials with the server's URL filled in.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Returns how many exchanges the scenario recorded.
    pub fn exchange_count(&self) -> usize {
        self.scenario.exchanges.len()
    }

    /// Tells the server the secrets the plugin was given: from now on, the text standing for a
    /// `<redacted>` must hold a form of one of them (or of a value the recording issues), and
    /// a request holding one where the recording has none is reported in
    /// [`ReplayReport::leaks`].
    pub fn expect_secrets(&self, secrets: plugin_contract::Secrets) {
        let mut playback = lock(&self.playback);
        let issued = playback.known.issued.clone();
        playback.known = Arc::new(Known {
            expected: Some(secrets),
            issued,
        });
    }

    /// Answers, from now on, a request that matches a recorded one except for the secret where
    /// `<redacted>` stands (see [`ReplayServer::expect_secrets`]) with HTTP 401, as a vendor
    /// answers a wrong key, instead of 501: what lets a person try a wrong key against a
    /// scenario in the web host. Such a request is not reported as unmatched.
    pub fn refuse_wrong_secrets(&self) {
        lock(&self.playback).refuse_wrong_secrets = true;
    }

    /// Returns the values the recording's responses issue (tokens, session cookies), each once.
    pub fn issued_values(&self) -> Vec<String> {
        self.issued.clone()
    }

    /// Returns `METHOD /path` of each recorded request whose response issues a value: the
    /// scenario's token endpoints.
    pub fn issuing_requests(&self) -> Vec<String> {
        self.issuing.clone()
    }

    /// Returns the requests served so far, in order.
    pub fn served(&self) -> Vec<ServedRequest> {
        lock(&self.playback).served.clone()
    }

    /// Returns each answered request's round trip as the server saw it, in the order they
    /// ended: from the request read to its answer written, a recorded `delay_ms` included.
    pub fn round_trips(&self) -> Vec<Duration> {
        lock(&self.playback).round_trips.clone()
    }

    /// Refuses credentials that would send the plugin to another host than this server: every
    /// credential whose value is a URL with a host, and every `format: uri` credential of
    /// `credentials_schema` left unset or blank whose `default` is one, must point at this
    /// server (host and port). The error names the credential and the host, never a value.
    pub fn check_credentials(
        &self,
        credentials: &Credentials,
        credentials_schema: &Value,
    ) -> Result<(), ReplayError> {
        let server = self.base_url.trim_start_matches("http://");
        let off = |credential: &str, what: &'static str, value: &str| {
            let url = url::Url::parse(value.trim()).ok()?;
            let host = url.host_str()?;
            let address = match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            };
            (address != server).then(|| ReplayError::OffReplay {
                credential: credential.to_owned(),
                what,
                host: address,
                server: server.to_owned(),
            })
        };
        for (credential, value) in credentials.iter() {
            if let Some(error) = off(credential, "", value) {
                return Err(error);
            }
        }
        let properties = credentials_schema
            .get("properties")
            .and_then(Value::as_object);
        for (credential, property) in properties.into_iter().flatten() {
            let unset = credentials
                .get(credential)
                .is_none_or(|v| v.trim().is_empty());
            let default = property.get("default").and_then(Value::as_str);
            let is_url = property.get("format").and_then(Value::as_str) == Some("uri");
            if let (true, true, Some(default)) = (unset, is_url, default) {
                if let Some(error) = off(credential, " (unset, so its schema default)", default) {
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// Fails if a request matched nothing so far.
    pub fn check_unmatched(&self) -> Result<(), ReplayError> {
        let playback = lock(&self.playback);
        if playback.unmatched.is_empty() && playback.unmatched_omitted == 0 {
            Ok(())
        } else {
            Err(ReplayError::Mismatch {
                unmatched: playback.unmatched.clone(),
                unmatched_omitted: playback.unmatched_omitted,
                unused: Vec::new(),
            })
        }
    }

    /// Returns what was served so far, what matched nothing and what was never requested.
    pub fn report(&self) -> ReplayReport {
        let playback = lock(&self.playback);
        ReplayReport {
            served: playback.served.clone(),
            unmatched: playback.unmatched.clone(),
            unmatched_omitted: playback.unmatched_omitted,
            unused: self
                .scenario
                .exchanges
                .iter()
                .zip(&playback.times_served)
                .filter(|(_, times)| **times == 0)
                .map(|(exchange, _)| lookup_key(&exchange.request))
                .collect(),
            leaks: playback.leaks.clone(),
        }
    }

    /// Stops the server and fails if a request matched nothing or an exchange was never used.
    pub fn finish(self) -> Result<Vec<ServedRequest>, ReplayError> {
        let ReplayReport {
            served,
            unmatched,
            unmatched_omitted,
            unused,
            ..
        } = self.report();
        if unmatched.is_empty() && unmatched_omitted == 0 && unused.is_empty() {
            Ok(served)
        } else {
            Err(ReplayError::Mismatch {
                unmatched,
                unmatched_omitted,
                unused,
            })
        }
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Listens on an ephemeral port of [`REPLAY_HOST`] with Nagle's algorithm off, which the
/// connections it accepts inherit: tiny_http writes a response's headers and its body
/// separately, and the body would otherwise wait for the client's delayed ACK.
fn listen() -> Result<std::net::TcpListener, ReplayError> {
    let listen = || -> std::io::Result<std::net::TcpListener> {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
        socket.set_tcp_nodelay(true)?;
        let address =
            std::net::SocketAddr::new(REPLAY_HOST.parse().map_err(std::io::Error::other)?, 0);
        socket.bind(&address.into())?;
        socket.listen(128)?;
        Ok(socket.into())
    };
    listen().map_err(|e| ReplayError::Listen(e.to_string()))
}

/// Appends one of `suffixes` (in turn) to every string inside `value`.
fn append_to_strings(value: &mut Value, suffixes: &[String], turn: &mut usize) {
    match value {
        Value::String(text) => {
            text.push_str(&suffixes[*turn % suffixes.len()]);
            *turn += 1;
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| append_to_strings(item, suffixes, turn)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|item| append_to_strings(item, suffixes, turn)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Reads and parses the scenario file at `path`.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReplayError> {
    let scenario_error = |problem: String| ReplayError::Scenario {
        path: path.to_owned(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| scenario_error(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| scenario_error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::{Read, Write};

    /// Sends a bare HTTP/1.1 GET and returns the status code.
    fn get(base_url: &str, target: &str, headers: &[(&str, &str)]) -> u16 {
        send(base_url, "GET", target, headers, "")
    }

    /// Sends a bare HTTP/1.1 request with `body` and returns the status code.
    fn send(
        base_url: &str,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> u16 {
        let address = base_url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        // A server that never answers fails the test instead of hanging it.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut request =
            format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response[9..12].parse().unwrap()
    }

    fn exchange(path: &str, status: u16) -> Exchange {
        Exchange {
            request: RecordedRequest {
                method: "GET".into(),
                path: path.into(),
                query: BTreeMap::new(),
                headers: BTreeMap::from([("api_key".into(), REDACTED.into())]),
                body: None,
            },
            response: RecordedResponse {
                status,
                headers: BTreeMap::new(),
                body: Some(Value::Array(vec![])),
                body_text: None,
                delay_ms: None,
                not_http: false,
            },
        }
    }

    fn serve(exchanges: Vec<Exchange>) -> ReplayServer {
        let recording = Recording {
            source: "test".into(),
            exchanges,
        };
        let credentials = [("api_url", "{replay_url}/x")].into_iter().collect();
        ReplayServer::serve(recording, credentials).unwrap()
    }

    #[test]
    fn same_requests_are_answered_in_order_and_the_last_answer_repeats() {
        let server = serve(vec![exchange("/a", 429), exchange("/a", 200)]);
        let key = [("api_key", "k")];
        let statuses: Vec<u16> = (0..3).map(|_| get(server.base_url(), "/a", &key)).collect();
        assert_eq!(statuses, [429, 200, 200]);
        assert!(server.finish().is_ok());
    }

    #[test]
    fn a_recorded_header_must_be_sent() {
        let server = serve(vec![exchange("/a", 200)]);
        assert_eq!(get(server.base_url(), "/a", &[]), 501);
        let error = server.finish().unwrap_err().to_string();
        assert!(error.contains("no recorded exchange for GET /a"), "{error}");
    }

    #[test]
    fn unmatched_requests_and_unused_exchanges_are_both_reported() {
        let server = serve(vec![exchange("/a", 200)]);
        assert_eq!(get(server.base_url(), "/b?x=1", &[("api_key", "k")]), 501);
        let error = server.finish().unwrap_err().to_string();
        assert!(
            error.contains("no recorded exchange for GET /b?x=1"),
            "{error}"
        );
        assert!(error.contains("never requested: GET /a"), "{error}");
    }

    #[test]
    fn credentials_get_the_server_url() {
        let server = serve(vec![]);
        let url = server.credentials().get("api_url").unwrap().to_owned();
        assert_eq!(url, format!("{}/x", server.base_url()));
    }

    #[test]
    fn a_header_without_its_recorded_prefix_is_reported_by_shape_without_the_value() {
        let mut bearer = exchange("/a", 200);
        bearer.request.headers =
            BTreeMap::from([("authorization".into(), "Bearer <redacted>".into())]);
        let server = serve(vec![bearer]);
        let secret = "s3cret-token";
        assert_eq!(
            get(server.base_url(), "/a", &[("Authorization", secret)]),
            501
        );
        let bearer_secret = format!("Bearer {secret}");
        let auth = [("Authorization", bearer_secret.as_str())];
        assert_eq!(get(server.base_url(), "/a", &auth), 200);
        let error = server.finish().unwrap_err().to_string();
        assert!(
            error.contains(
                r#"GET /a (header authorization: expected "Bearer <redacted>", got a value without "Bearer ")"#
            ),
            "{error}"
        );
        assert!(!error.contains(secret), "{error}");
    }

    fn token_exchange() -> Exchange {
        let mut token = exchange("/oauth/token", 200);
        token.request.method = "POST".into();
        token.request.headers.clear();
        token.request.body = Some(RecordedBody::Form(BTreeMap::from([
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_secret".to_owned(), REDACTED.to_owned()),
        ])));
        token.response.body = Some(serde_json::json!({"access_token": "<issued-1>"}));
        token
    }

    #[test]
    fn a_wrong_secret_is_refused_with_401_when_asked_and_is_not_reported_unmatched() {
        let server = serve(vec![token_exchange()]);
        server.expect_secrets(plugin_contract::Secrets::new(["s3cret key"]));
        server.refuse_wrong_secrets();
        let url = server.base_url().to_owned();
        let wrong_key = "client_secret=guess&grant_type=client_credentials";
        assert_eq!(send(&url, "POST", "/oauth/token", &[], wrong_key), 401);
        let wrong_grant = "grant_type=password&client_secret=s3cret+key";
        assert_eq!(send(&url, "POST", "/oauth/token", &[], wrong_grant), 501);
        let right = "client_secret=s3cret+key&grant_type=client_credentials";
        assert_eq!(send(&url, "POST", "/oauth/token", &[], right), 200);
        let error = server.finish().unwrap_err().to_string();
        assert!(error.contains("grant_type"), "{error}");
        assert!(!error.contains("client_secret"), "{error}");
    }

    #[test]
    fn a_posted_form_is_matched_by_field_and_a_wrong_field_is_named_without_its_value() {
        let server = serve(vec![token_exchange()]);
        server.expect_secrets(plugin_contract::Secrets::new(["s3cret key"]));
        let url = server.base_url().to_owned();
        let form = "client_secret=s3cret+key&grant_type=client_credentials";
        assert_eq!(send(&url, "POST", "/oauth/token", &[], form), 200);
        let wrong = "grant_type=password&client_secret=s3cret%20key";
        assert_eq!(send(&url, "POST", "/oauth/token", &[], wrong), 501);
        let as_id = "grant_type=client_credentials&client_secret=client-1";
        assert_eq!(send(&url, "POST", "/oauth/token", &[], as_id), 501);
        assert_eq!(send(&url, "POST", "/oauth/token", &[], ""), 501);
        let error = server.finish().unwrap_err().to_string();
        assert!(
            error.contains(r#"POST /oauth/token (body field grant_type: expected "client_credentials", got another value (8 characters))"#),
            "{error}"
        );
        assert!(
            error.contains("POST /oauth/token (body field client_secret: expected \"<redacted>\", got a value that is not the secret where <redacted> stands)"),
            "{error}"
        );
        assert!(
            error.contains("POST /oauth/token (no body where a form was recorded)"),
            "{error}"
        );
        assert!(
            !error.contains("s3cret") && !error.contains("password"),
            "{error}"
        );
    }

    #[test]
    fn a_secret_or_issued_token_sent_where_the_recording_has_none_is_a_leak() {
        let mut companies = exchange("/v1/companies", 200);
        companies.request.headers =
            BTreeMap::from([("authorization".into(), "Bearer <issued-1>".into())]);
        let server = serve(vec![token_exchange(), companies]);
        server.expect_secrets(plugin_contract::Secrets::new(["s3cret key"]));
        let url = server.base_url().to_owned();
        let form = "client_secret=s3cret+key&grant_type=client_credentials";
        assert_eq!(send(&url, "POST", "/oauth/token", &[], form), 200);
        let bearer = [("Authorization", "Bearer <issued-1>")];
        assert_eq!(get(&url, "/v1/companies", &bearer), 200);
        assert!(
            server.report().leaks.is_empty(),
            "{:?}",
            server.report().leaks
        );
        let debug = [
            ("Authorization", "Bearer <issued-1>"),
            ("X-Debug", "s3cret key"),
        ];
        assert_eq!(get(&url, "/v1/companies", &debug), 200);
        assert_eq!(get(&url, "/v1/companies?t=%3Cissued-1%3E", &bearer), 501);
        let report = server.report();
        assert_eq!(
            report.leaks,
            [
                "GET /v1/companies: header x-debug",
                "GET /v1/companies: query t"
            ]
        );
    }

    #[test]
    fn a_url_credential_off_the_replay_server_is_refused_naming_it() {
        let server = serve(vec![]);
        let schema = serde_json::json!({"properties": {
            "api_url": {"type": "string", "format": "uri", "default": "https://vendor.example/api"},
            "api_key": {"type": "string", "writeOnly": true}
        }});
        assert!(server
            .check_credentials(server.credentials(), &schema)
            .is_ok());
        let real: Credentials = [("api_url", "https://vendor.example/api"), ("api_key", "k")]
            .into_iter()
            .collect();
        let error = server.check_credentials(&real, &schema).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("credential api_url points at vendor.example:443, not at the replay server 127.0.0.1:"),
            "{message}"
        );
        assert!(message.contains("{replay_url}"), "{message}");
        let unset: Credentials = [("api_key", "k")].into_iter().collect();
        let message = server
            .check_credentials(&unset, &schema)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(
                "credential api_url (unset, so its schema default) points at vendor.example:443"
            ),
            "{message}"
        );
        let other_port: Credentials = [("api_url", "http://127.0.0.1:1/x")].into_iter().collect();
        assert!(server.check_credentials(&other_port, &schema).is_err());
    }

    #[test]
    fn queries_are_decoded() {
        let query = parse_query("customerId=a%26b&x=y+z&flag");
        assert_eq!(query["customerId"], "a&b");
        assert_eq!(query["x"], "y z");
        assert_eq!(query["flag"], "");
    }

    #[test]
    fn a_flood_of_long_unmatched_requests_keeps_the_report_bounded() {
        let server = serve(vec![exchange("/a", 200)]);
        let long = format!("/b?id={}", "x".repeat(16_000));
        let floods = MAX_UNMATCHED_KEPT + 50;
        for _ in 0..floods {
            assert_eq!(get(server.base_url(), &long, &[]), 501);
        }
        let report = server.report();
        assert_eq!(report.unmatched.len(), MAX_UNMATCHED_KEPT);
        assert_eq!(report.unmatched_omitted, 50);
        assert_eq!(report.served.len(), floods);
        let longest = report
            .unmatched
            .iter()
            .chain(report.served.iter().map(|s| &s.request));
        assert!(longest
            .map(String::len)
            .all(|n| n < 2 * MAX_SHOWN_REQUEST_BYTES));
        assert!(report.served[0].request.ends_with("…(14982 more bytes)"));
        let error = server.finish().unwrap_err().to_string();
        assert!(
            error.len() < 200 * MAX_SHOWN_REQUEST_BYTES,
            "{}",
            error.len()
        );
        assert!(error.ends_with("and 50 more requests with no recorded exchange"));
    }

    #[test]
    fn a_client_that_does_not_read_its_answer_does_not_hold_up_the_others() {
        let mut big = exchange("/big", 200);
        big.response.body = None;
        // More than both sockets buffer, so that writing it blocks until it is read.
        big.response.body_text = Some("y".repeat(16 << 20));
        let server = serve(vec![big, exchange("/a", 200)]);
        let address = server.base_url().trim_start_matches("http://").to_owned();
        let mut stalled = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stalled,
            "GET /big HTTP/1.1\r\nHost: {address}\r\napi_key: k\r\n\r\n"
        )
        .unwrap();
        while server.served().is_empty() {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Served while the big answer waits for its reader.
        assert_eq!(get(server.base_url(), "/a", &[("api_key", "k")]), 200);
        drop(stalled);
        assert_eq!(server.served().len(), 2);
    }
}
