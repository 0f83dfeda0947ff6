//! The plugin's HTTP, provided by the harness in place of Extism's built-in `http_request`.
//!
//! Extism 1.30's built-in follows redirects without re-checking `allowed_hosts`, and ureq then
//! forwards custom headers (SaaS Alerts' `api_key` among them) to whatever host the redirect
//! names; it also reports failures only as text. This one:
//!
//! - checks every URL against `allowed_hosts` before connecting;
//! - never follows a redirect: the plugin sees the 3xx and decides;
//! - ignores proxy variables, so loopback replay traffic stays on loopback;
//! - bounds each request by the call's remaining `timeout_ms` and the response by
//!   `max_http_response_bytes`;
//! - bounds each request by the manifest's `request_timeout_ms` too, so one hanging connection
//!   costs one request, not the whole call;
//! - remembers the `Retry-After` of the last 429 or 503, which the harness puts in a
//!   `rate_limited` error (host profile 1.0: plugins read no response header);
//! - hands each failure to a plugin speaking interface 1.1 as a value (status 0 and the JSON of
//!   [`plugin_contract::transport::TransportFailure`]), so the plugin fails only what depended on
//!   that request; for a 1.0 plugin the call traps and the harness reports the failure it
//!   recorded as a typed [`TransportFailure`];
//! - reports each finished request to the call's observer, if it has one (see
//!   [`crate::runtime::observe`]);
//! - adds the secrets each response issues (tokens, session cookies: see
//!   [`crate::runtime::issued`]) to the instance's [`Issued`], before the plugin reads it.
//!
//! The three host functions shadow `extism:host/env::{http_request, http_status_code,
//! http_headers}`; the PDKs call them as usual. A test in `tests/faults.rs` proves the shadowing
//! still takes effect with the pinned Extism version.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use extism::{CurrentPlugin, Function, UserData, Val, ValType, EXTISM_ENV_MODULE, PTR};
use plugin_contract::host::{self, host_allowed};
use plugin_contract::transport::{self, TransportFailureKind, TRANSPORT_FAILURE_STATUS};

use crate::runtime::issued::{issued_values, Issued};
use crate::runtime::observe::{CallObserver, RequestOutcome};

/// Why a request got no response; the plugin call traps and the harness reports this instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportFailure {
    /// The URL's host is not in `allowed_hosts`.
    #[error("the request to {host} was refused: the host is not in the manifest's allowed_hosts")]
    HostNotAllowed { host: String },
    /// The request could not be built from what the plugin sent.
    #[error("the plugin sent a request that cannot be made: {0}")]
    BadRequest(String),
    /// No complete response within the request's or the call's remaining time.
    #[error("no complete response in time (the manifest's request_timeout_ms, or what was left of the call's timeout_ms)")]
    Timeout,
    /// The body is larger than `max_http_response_bytes`.
    #[error("the response body is larger than max_http_response_bytes ({limit} bytes)")]
    TooLarge { limit: u64 },
    /// DNS, connection refused or reset, a body cut short, a protocol error.
    #[error("{0}")]
    Connection(String),
}

impl TransportFailure {
    /// Returns the contract's kind of this failure.
    pub fn kind(&self) -> TransportFailureKind {
        match self {
            TransportFailure::HostNotAllowed { .. } => TransportFailureKind::HostNotAllowed,
            TransportFailure::BadRequest(_) => TransportFailureKind::BadRequest,
            TransportFailure::Timeout => TransportFailureKind::Timeout,
            TransportFailure::TooLarge { .. } => TransportFailureKind::TooLarge,
            TransportFailure::Connection(_) => TransportFailureKind::Connection,
        }
    }

    /// Returns the failure as the contract's value, handed to a 1.1 plugin.
    pub fn to_contract(&self) -> transport::TransportFailure {
        transport::TransportFailure {
            kind: self.kind(),
            message: self.to_string(),
        }
    }
}

/// The HTTP state of one call: the last response's status and headers, or why it failed; and
/// who observes the call.
#[derive(Debug, Default)]
pub struct CallHttp {
    status: u16,
    headers: BTreeMap<String, String>,
    /// The failure that ended the call, if a request failed.
    pub failure: Option<TransportFailure>,
    /// The `Retry-After` of the call's last 429 or 503 response, for
    /// [`plugin_contract::host::fill_retry_after`].
    pub retry_after: Option<String>,
    /// Whether to keep every exchange in `exchanges`.
    pub keep_exchanges: bool,
    /// The exchanges of the call, when `keep_exchanges` is set.
    pub exchanges: Vec<RawExchange>,
    /// Who is told of each finished request and each log line, if anyone.
    pub(crate) observer: Option<CallObserver>,
    /// The secrets the instance's responses issued so far; each response adds its own.
    pub issued: Issued,
}

impl CallHttp {
    /// Returns the state of a call that keeps its exchanges when `keep_exchanges` is set.
    pub fn new(keep_exchanges: bool) -> CallHttp {
        CallHttp {
            keep_exchanges,
            ..CallHttp::default()
        }
    }

    /// Reports the call's requests and log lines to `observer`.
    pub fn observed_by(mut self, observer: CallObserver) -> CallHttp {
        self.observer = Some(observer);
        self
    }

    /// Adds the secrets the call's responses issue to `issued`.
    pub fn issuing_into(mut self, issued: Issued) -> CallHttp {
        self.issued = issued;
        self
    }
}

/// A request and its response, as they crossed the wire (secrets included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawExchange {
    /// The method, uppercase.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The request headers the plugin sent.
    pub request_headers: BTreeMap<String, String>,
    /// The request body the plugin sent (empty when none).
    pub request_body: Vec<u8>,
    /// The response status.
    pub status: u16,
    /// The response headers, lowercase names.
    pub response_headers: BTreeMap<String, String>,
    /// The response body.
    pub body: Vec<u8>,
}

/// The state a call passes to the host functions as its Extism host context.
pub type SharedCallHttp = Arc<Mutex<CallHttp>>;

/// What the host functions need to know of the manifest.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    /// Host patterns the plugin may reach.
    pub allowed_hosts: Vec<String>,
    /// The largest response body accepted.
    pub max_response_bytes: u64,
    /// The longest one request may take (the call's remaining time bounds it too).
    pub request_timeout: Duration,
    /// Whether a failed request is handed to the plugin as a value (interface 1.1) instead of
    /// ending the call.
    pub failures_as_values: bool,
}

/// Returns the host functions that replace Extism's HTTP.
pub fn host_functions(policy: HttpPolicy) -> Vec<Function> {
    let policy = UserData::new(policy);
    vec![
        Function::new(
            "http_request",
            [PTR, PTR],
            [PTR],
            policy.clone(),
            http_request,
        ),
        Function::new(
            "http_status_code",
            [],
            [ValType::I32],
            policy.clone(),
            http_status_code,
        ),
        Function::new("http_headers", [], [PTR], policy, http_headers),
    ]
    .into_iter()
    .map(|f| f.with_namespace(EXTISM_ENV_MODULE))
    .collect()
}

/// Returns the state of the running call.
pub(crate) fn call_state(plugin: &mut CurrentPlugin) -> Result<SharedCallHttp, extism::Error> {
    Ok(Arc::clone(plugin.host_context::<SharedCallHttp>()?))
}

/// Locks a call's state, poisoned or not.
pub(crate) fn lock(state: &SharedCallHttp) -> MutexGuard<'_, CallHttp> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn http_request(
    plugin: &mut CurrentPlugin,
    inputs: &[Val],
    outputs: &mut [Val],
    policy: UserData<HttpPolicy>,
) -> Result<(), extism::Error> {
    let state = call_state(plugin)?;
    let policy = policy
        .get()?
        .lock()
        .map_err(|_| extism::Error::msg("policy lock"))?
        .clone();
    let request = read_memory(plugin, &inputs[0])?.unwrap_or_default();
    let body = read_memory(plugin, &inputs[1])?;
    let remaining = Some(
        plugin
            .time_remaining()
            .map_or(policy.request_timeout, |left| {
                left.min(policy.request_timeout)
            }),
    );
    let observer = lock(&state).observer.clone();
    let started = Instant::now();
    let request: Result<extism_manifest::HttpRequest, _> =
        serde_json::from_slice(&request).map_err(|e| TransportFailure::BadRequest(e.to_string()));
    // What the observer is told was sent; `None` when the request could not be read.
    let sent = observer
        .as_ref()
        .and(request.as_ref().ok())
        .map(|request| (method_of(request), request.url.clone()));
    let kept_body = lock(&state)
        .keep_exchanges
        .then(|| body.clone().unwrap_or_default());
    let exchange =
        request.and_then(|request| send(&request, body, remaining, &policy).map(|r| (request, r)));
    let elapsed = started.elapsed();
    if let Some(observer) = observer {
        let outcome = match &exchange {
            Ok((_, response)) => RequestOutcome::Status(response.status),
            Err(failure) => RequestOutcome::Failed(failure.kind()),
        };
        let (method, url) = sent.unzip();
        observer.request(
            method.as_deref().unwrap_or("?"),
            url.as_deref(),
            outcome,
            elapsed,
        );
    }
    let mut call = lock(&state);
    call.status = 0;
    call.headers.clear();
    match exchange {
        Ok((request, response)) => {
            call.status = response.status;
            call.headers = response.headers.clone();
            let headers = response
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()));
            call.issued.learn(issued_values(headers, &response.body));
            if host::RETRY_AFTER_STATUSES.contains(&response.status) {
                call.retry_after = response.headers.get("retry-after").cloned();
            }
            if call.keep_exchanges {
                call.exchanges.push(RawExchange {
                    method: method_of(&request),
                    url: request.url,
                    request_headers: request.headers,
                    request_body: kept_body.unwrap_or_default(),
                    status: response.status,
                    response_headers: response.headers,
                    body: response.body.clone(),
                });
            }
            drop(call);
            let handle = plugin.memory_new(&response.body[..])?;
            outputs[0] = plugin.memory_to_val(handle);
            Ok(())
        }
        Err(failure) if policy.failures_as_values => {
            call.status = TRANSPORT_FAILURE_STATUS;
            let body = failure.to_contract().to_body();
            drop(call);
            let handle = plugin.memory_new(&body[..])?;
            outputs[0] = plugin.memory_to_val(handle);
            Ok(())
        }
        Err(failure) => {
            let message = failure.to_string();
            call.failure = Some(failure);
            Err(extism::Error::msg(message))
        }
    }
}

/// Returns the request's method, uppercase (GET when it names none).
fn method_of(request: &extism_manifest::HttpRequest) -> String {
    request
        .method
        .as_deref()
        .unwrap_or("GET")
        .to_ascii_uppercase()
}

fn http_status_code(
    plugin: &mut CurrentPlugin,
    _: &[Val],
    outputs: &mut [Val],
    _: UserData<HttpPolicy>,
) -> Result<(), extism::Error> {
    let state = call_state(plugin)?;
    outputs[0] = Val::I32(i32::from(lock(&state).status));
    Ok(())
}

fn http_headers(
    plugin: &mut CurrentPlugin,
    _: &[Val],
    outputs: &mut [Val],
    _: UserData<HttpPolicy>,
) -> Result<(), extism::Error> {
    let state = call_state(plugin)?;
    let headers = serde_json::to_string(&lock(&state).headers)?;
    plugin.memory_set_val(&mut outputs[0], headers)
}

/// Copies a block of plugin memory out (and frees it); `None` for a null offset.
fn read_memory(plugin: &mut CurrentPlugin, value: &Val) -> Result<Option<Vec<u8>>, extism::Error> {
    let Some(handle) = plugin.memory_from_val(value) else {
        return Ok(None);
    };
    let bytes = plugin.memory_bytes(handle)?.to_vec();
    plugin.memory_free(handle)?;
    Ok(Some(bytes))
}

struct Response {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn send(
    request: &extism_manifest::HttpRequest,
    body: Option<Vec<u8>>,
    remaining: Option<Duration>,
    policy: &HttpPolicy,
) -> Result<Response, TransportFailure> {
    let url = url::Url::parse(&request.url)
        .map_err(|e| TransportFailure::BadRequest(format!("invalid URL: {e}")))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    if !host_allowed(&policy.allowed_hosts, &host) {
        return Err(TransportFailure::HostNotAllowed { host });
    }
    if remaining == Some(Duration::ZERO) {
        return Err(TransportFailure::Timeout);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(remaining)
        .proxy(None)
        .build()
        .into();
    let mut builder = ureq::http::Request::builder()
        .method(method_of(request).as_str())
        .uri(url.as_str());
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = builder
        .body(body.unwrap_or_default())
        .map_err(|e| TransportFailure::BadRequest(e.to_string()))?;
    let response = agent.run(built).map_err(failure_of)?;
    let status = response.status().as_u16();
    let mut headers: BTreeMap<String, String> = response
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    // ureq decodes `Content-Encoding: gzip` itself and drops the header; any other spelling of
    // gzip (`GZIP`, `x-gzip`) is decoded here, so that every host decodes the same bodies.
    let reader = response.into_body().into_reader();
    let decoding = is_gzip(headers.get("content-encoding"));
    let reader: Box<dyn Read> = if decoding {
        headers.remove("content-encoding");
        headers.remove("content-length");
        Box::new(flate2::read::MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    let mut body = Vec::new();
    reader
        .take(policy.max_response_bytes.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| match e.downcast::<ureq::Error>() {
            Ok(error) => failure_of(error),
            Err(io) if decoding => not_gzip(io),
            Err(io) => {
                TransportFailure::Connection(format!("the response body could not be read: {io}"))
            }
        })?;
    if body.len() as u64 > policy.max_response_bytes {
        return Err(TransportFailure::TooLarge {
            limit: policy.max_response_bytes,
        });
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Tells whether a `Content-Encoding` value names gzip alone (`gzip` or `x-gzip`, any case):
/// the one coding every host decodes (host profile H5b).
fn is_gzip(content_encoding: Option<&String>) -> bool {
    content_encoding.is_some_and(|value| {
        let value = value.trim();
        value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip")
    })
}

/// Reports a body that says it is gzip but does not decode (host profile H5b).
fn not_gzip(error: impl std::fmt::Display) -> TransportFailure {
    TransportFailure::Connection(format!(
        "the response body is not the gzip its Content-Encoding says: {error}"
    ))
}

fn failure_of(error: ureq::Error) -> TransportFailure {
    match error {
        ureq::Error::Timeout(_) => TransportFailure::Timeout,
        ureq::Error::Decompress(_, error) => not_gzip(error),
        ureq::Error::BodyExceedsLimit(limit) => TransportFailure::TooLarge { limit },
        ureq::Error::BadUri(uri) => TransportFailure::BadRequest(format!("invalid URL {uri}")),
        other => TransportFailure::Connection(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> HttpPolicy {
        HttpPolicy {
            allowed_hosts: vec!["*.example.com".into()],
            max_response_bytes: 1024,
            request_timeout: Duration::from_secs(1),
            failures_as_values: true,
        }
    }

    fn request(url: &str) -> extism_manifest::HttpRequest {
        extism_manifest::HttpRequest::new(url)
    }

    #[test]
    fn hosts_outside_allowed_hosts_are_refused_before_connecting() {
        let failure = send(&request("http://127.0.0.1:1/x"), None, None, &policy()).err();
        assert_eq!(
            failure,
            Some(TransportFailure::HostNotAllowed {
                host: "127.0.0.1".into()
            })
        );
    }

    #[test]
    fn a_url_that_cannot_be_parsed_is_a_bad_request() {
        let failure = send(&request("not a url"), None, None, &policy()).err();
        assert!(matches!(failure, Some(TransportFailure::BadRequest(_))));
    }

    #[test]
    fn no_time_left_is_a_timeout_before_connecting() {
        let failure = send(
            &request("https://api.example.com/x"),
            None,
            Some(Duration::ZERO),
            &policy(),
        )
        .err();
        assert_eq!(failure, Some(TransportFailure::Timeout));
    }

    #[test]
    fn a_legacy_ipv4_url_is_checked_as_the_address_it_reaches() {
        let policy = HttpPolicy {
            allowed_hosts: vec!["127.0.0.1".into()],
            ..policy()
        };
        // Port 1 refuses: the request was let through, and went to 127.0.0.1.
        let failure = send(&request("http://2130706433:1/x"), None, None, &policy).err();
        assert!(
            matches!(failure, Some(TransportFailure::Connection(_))),
            "{failure:?}"
        );
    }

    /// What the shared Content-Encoding vectors say (`contract/vectors/content-encoding.json`).
    #[derive(serde::Deserialize)]
    struct EncodingVectors {
        max_http_response_bytes: u64,
        json: String,
        accept_encoding: String,
        wrong_case: EncodingCase,
        cases: Vec<EncodingCase>,
    }

    #[derive(serde::Deserialize)]
    struct EncodingCase {
        content_encoding: Option<String>,
        body: String,
        expect: String,
    }

    /// Returns the bytes a vector's `body` names.
    fn body_named(name: &str, json: &str) -> Vec<u8> {
        use std::io::Write;
        let gzip = |bytes: &[u8]| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        };
        let (first, second) = json.as_bytes().split_at(json.len() / 2);
        match name {
            "json" => json.as_bytes().to_vec(),
            "gzip" => gzip(json.as_bytes()),
            "gzip-members" => [gzip(first), gzip(second)].concat(),
            "gzip-cut" => {
                let whole = gzip(json.as_bytes());
                whole[..whole.len() / 2].to_vec()
            }
            "gzip-bomb" => gzip(&vec![0; 1 << 20]),
            "deflate" => {
                let mut encoder =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(json.as_bytes()).unwrap();
                encoder.finish().unwrap()
            }
            "empty" => Vec::new(),
            other => panic!("no body named {other}"),
        }
    }

    /// Answers one request on 127.0.0.1 with `body` under `content_encoding`; returns the URL
    /// and a handle that yields the request's head.
    fn serve_once(
        content_encoding: Option<&str>,
        body: Vec<u8>,
    ) -> (String, std::thread::JoinHandle<String>) {
        use std::io::{BufRead, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        let encoding = content_encoding.map(|value| format!("Content-Encoding: {value}\r\n"));
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = std::io::BufReader::new(stream);
            let mut head = String::new();
            while reader.read_line(&mut head).unwrap() > 2 && !head.ends_with("\r\n\r\n") {}
            let mut stream = reader.into_inner();
            let start = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
                body.len(),
                encoding.unwrap_or_default()
            );
            stream.write_all(start.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
            head
        });
        (url, handle)
    }

    /// Serves one vector case and returns what this host made of it, when that is not the
    /// case's expectation.
    fn encoding_mismatch(vectors: &EncodingVectors, case: &EncodingCase) -> Option<String> {
        let policy = HttpPolicy {
            allowed_hosts: vec!["127.0.0.1".into()],
            max_response_bytes: vectors.max_http_response_bytes,
            ..policy()
        };
        let sent = body_named(&case.body, &vectors.json);
        let (url, server) = serve_once(case.content_encoding.as_deref(), sent.clone());
        let outcome = send(&request(&url), None, None, &policy);
        let head = server.join().unwrap().to_ascii_lowercase();
        let what = format!("{:?} {:?}", case.content_encoding, case.body);
        if !head.contains(&format!("accept-encoding: {}\r\n", vectors.accept_encoding)) {
            return Some(format!("{what}: asked for {head}"));
        }
        let agrees = match (case.expect.as_str(), &outcome) {
            ("json", Ok(response)) => {
                response.body == vectors.json.as_bytes()
                    && !response.headers.contains_key("content-encoding")
                    && !response.headers.contains_key("content-length")
            }
            ("as_sent", Ok(response)) => {
                response.body == sent
                    && response.headers.get("content-encoding") == case.content_encoding.as_ref()
            }
            ("empty", Ok(response)) => response.body.is_empty(),
            (kind, Err(failure)) => serde_json::to_value(failure.kind()).unwrap() == kind,
            (_, Ok(_)) => false,
        };
        let got = match outcome {
            Ok(response) => format!("status {}, {} bytes", response.status, response.body.len()),
            Err(failure) => failure.to_string(),
        };
        (!agrees).then(|| format!("{what}: expected {}, got {got}", case.expect))
    }

    #[test]
    fn every_host_decodes_content_encoding_as_the_shared_vectors_say() {
        let vectors: EncodingVectors = serde_json::from_str(include_str!(
            "../../../contract/vectors/content-encoding.json"
        ))
        .unwrap();
        plugin_contract::host::assert_follows_vectors(
            &vectors.cases,
            &vectors.wrong_case,
            |case| encoding_mismatch(&vectors, case),
        );
    }
}
