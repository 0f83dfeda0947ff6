//! A replay server's answering: the recording it plays (read by every worker at once), what it
//! has served (locked only to choose an exchange and note the outcome), and the answer to each
//! request. `replay` starts and reports the server; this file is what its workers run.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::traffic::matching::{
    leaks, parse_query, request_mismatch, Known, SentRequest, MAX_REQUEST_BODY_BYTES,
};
use crate::traffic::recording::{Exchange, RecordedRequest};

/// How many unmatched requests a replay keeps to report; the rest are only counted, so that a
/// plugin looping on a wrong request cannot grow the server's memory or its report without end.
pub const MAX_UNMATCHED_KEPT: usize = 100;

/// How much of a request's `METHOD /path?query` a replay keeps to report; the rest is counted.
pub const MAX_SHOWN_REQUEST_BYTES: usize = 1024;

/// A request the server received, and the status it answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServedRequest {
    /// `METHOD /path?query`.
    pub request: String,
    /// The status answered (501 when nothing matched).
    pub status: u16,
    /// The index of the recorded exchange the request matched; `None` when unmatched.
    #[serde(skip)]
    pub exchange: Option<usize>,
}

/// The recording being played back: read by every worker at once, changed by none.
pub(crate) struct Scenario {
    pub(crate) exchanges: Vec<Exchange>,
    /// Exchange indexes by `METHOD /path?query`, in recorded order.
    pub(crate) by_request: HashMap<String, Vec<usize>>,
    /// Suffixes an echoing server appended to the strings it served, removed from requests.
    pub(crate) echoed: Vec<String>,
}

/// What the server has served so far, and what it was told: the one state the workers share,
/// each holding its lock only to choose an exchange and to note what it answered, so that the
/// matching of one request never waits for another's.
pub(crate) struct Playback {
    pub(crate) times_served: Vec<usize>,
    pub(crate) served: Vec<ServedRequest>,
    pub(crate) unmatched: Vec<String>,
    pub(crate) unmatched_omitted: usize,
    /// The secrets expected and those the recording issues.
    pub(crate) known: Arc<Known>,
    /// See [`ReplayReport::leaks`].
    pub(crate) leaks: Vec<String>,
    /// See [`ReplayServer::refuse_wrong_secrets`].
    pub(crate) refuse_wrong_secrets: bool,
    /// See [`ReplayServer::round_trips`].
    pub(crate) round_trips: Vec<Duration>,
}

/// Answers requests from `server` until it is unblocked.
pub(crate) fn serve_requests(
    server: &tiny_http::Server,
    scenario: &Scenario,
    playback: &Arc<Mutex<Playback>>,
) {
    while let Ok(mut request) = server.recv() {
        let received = Instant::now();
        let body = read_body(&mut request);
        let (response, delay) = scenario.answer(playback, &request, body);
        // The client may have given up (timeout); nothing to do about it here.
        let send = move || {
            match response {
                Some(response) => drop(request.respond(response)),
                None => {
                    let mut raw = request.into_writer();
                    let _ = raw.write_all(NOT_HTTP).and_then(|()| raw.flush());
                }
            }
            received.elapsed()
        };
        if delay.is_zero() {
            let took = send();
            lock(playback).round_trips.push(took);
        } else {
            // A slow answer must not hold up the others, as on a real server.
            let playback = Arc::clone(playback);
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let took = send();
                lock(&playback).round_trips.push(took);
            });
        }
    }
}

/// Reads a request's body, up to [`MAX_REQUEST_BODY_BYTES`]; `None` when it is longer (or
/// cannot be read whole).
fn read_body(request: &mut tiny_http::Request) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut body = Vec::new();
    let limit = MAX_REQUEST_BODY_BYTES as u64 + 1;
    request
        .as_reader()
        .take(limit)
        .read_to_end(&mut body)
        .ok()?;
    (body.len() <= MAX_REQUEST_BODY_BYTES).then_some(body)
}

/// The `Content-Type` of a JSON answer.
fn json_content_type() -> tiny_http::Header {
    tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..])
        .expect("a valid header")
}

/// A response ready to send.
type Answer = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

/// What a `not_http` exchange answers: no HTTP client can read it as a response.
const NOT_HTTP: &[u8] = b"this is not HTTP\r\n\r\n";

impl Scenario {
    /// Finds the exchange for `request` and notes it in `playback`; returns its response
    /// (`None`: answer [`NOT_HTTP`]) and how long to wait first. The lock is held only to
    /// choose among the matching exchanges and to note the outcome.
    fn answer(
        &self,
        playback: &Mutex<Playback>,
        request: &tiny_http::Request,
        body: Option<Vec<u8>>,
    ) -> (Option<Answer>, Duration) {
        let (known, refuse_wrong_secrets) = {
            let playback = lock(playback);
            (Arc::clone(&playback.known), playback.refuse_wrong_secrets)
        };
        let (path, raw_query) = request.url().split_once('?').unwrap_or((request.url(), ""));
        let mut query = parse_query(raw_query);
        let mut path = path.to_owned();
        for suffix in &self.echoed {
            let encoded = plugin_contract::encoding::percent_encode(suffix);
            path = path.replace(&encoded, "").replace(suffix.as_str(), "");
            for value in query.values_mut() {
                *value = value.replace(suffix.as_str(), "");
            }
        }
        let method = request.method().as_str().to_ascii_uppercase();
        let headers: BTreeMap<String, String> = request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect();
        let mut shown = shown_request(&method, request.url());
        if let Some(expected) = &known.expected {
            shown = expected.redact(&shown).into_owned();
        }
        let sent = SentRequest {
            method: method.clone(),
            path,
            query,
            headers,
            body,
        };
        let key = lookup_key(&RecordedRequest {
            method: method.clone(),
            path: sent.path.clone(),
            query: sent.query.clone(),
            headers: BTreeMap::new(),
            body: None,
        });
        let recorded: &[usize] = self.by_request.get(&key).map_or(&[], Vec::as_slice);
        let candidates: Vec<usize> = recorded
            .iter()
            .copied()
            .filter(|&i| request_mismatch(&self.exchanges[i].request, &sent, &known).is_none())
            .collect();
        let chosen = {
            let mut playback = lock(playback);
            let chosen = candidates
                .iter()
                .copied()
                .find(|&i| playback.times_served[i] == 0)
                .or(candidates.last().copied());
            if let Some(index) = chosen {
                playback.times_served[index] += 1;
            }
            chosen
        };
        // Leaks are told against the exchange served, or the closest one recorded.
        let closest = chosen.or(recorded.first().copied()).or_else(|| {
            self.exchanges.iter().position(|e| {
                e.request.method.eq_ignore_ascii_case(&sent.method) && e.request.path == sent.path
            })
        });
        let leaks = self.leaks(&sent, closest, &known);
        let mut playback = lock(playback);
        for leak in leaks {
            if playback.leaks.len() < MAX_UNMATCHED_KEPT && !playback.leaks.contains(&leak) {
                playback.leaks.push(leak);
            }
        }
        let Some(index) = chosen else {
            if refuse_wrong_secrets && known.expected.is_some() {
                let any_secret = Known {
                    expected: None,
                    issued: known.issued.clone(),
                };
                if recorded.iter().any(|&i| {
                    request_mismatch(&self.exchanges[i].request, &sent, &any_secret).is_none()
                }) {
                    playback.served.push(ServedRequest {
                        request: shown,
                        status: 401,
                        exchange: None,
                    });
                    let body = br#"{"error":"unauthorized","message":"replay: not the scenario's secret"}"#;
                    let response = tiny_http::Response::from_data(body.to_vec())
                        .with_status_code(401)
                        .with_header(json_content_type());
                    return (Some(response), Duration::ZERO);
                }
            }
            // Method, path and query were recorded: say which header or body field differed.
            let why = recorded
                .first()
                .and_then(|&i| request_mismatch(&self.exchanges[i].request, &sent, &known));
            if playback.unmatched.len() < MAX_UNMATCHED_KEPT {
                playback.unmatched.push(match why {
                    Some(why) => format!("{shown} ({why})"),
                    None => shown.clone(),
                });
            } else {
                playback.unmatched_omitted += 1;
            }
            playback.served.push(ServedRequest {
                request: shown.clone(),
                status: 501,
                exchange: None,
            });
            let body = format!("replay: no recorded exchange for {shown}").into_bytes();
            return (
                Some(tiny_http::Response::from_data(body).with_status_code(501)),
                Duration::ZERO,
            );
        };
        let recorded = &self.exchanges[index].response;
        playback.served.push(ServedRequest {
            request: shown,
            status: recorded.status,
            exchange: Some(index),
        });
        drop(playback);
        let delay = Duration::from_millis(recorded.delay_ms.unwrap_or(0));
        if recorded.not_http {
            return (None, delay);
        }
        let body = match (&recorded.body, &recorded.body_text) {
            (Some(json), _) => json.to_string().into_bytes(),
            (None, Some(text)) => text.clone().into_bytes(),
            (None, None) => Vec::new(),
        };
        let headers = recorded
            .headers
            .iter()
            .filter_map(|(name, value)| {
                tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
            })
            .collect();
        let length = body.len();
        let response = tiny_http::Response::new(
            recorded.status.into(),
            headers,
            std::io::Cursor::new(body),
            Some(length),
            None,
        );
        (Some(response), delay)
    }

    /// Returns each place of `sent` that holds a known secret where the exchange it matched,
    /// or the closest one (`recorded`: an index, or `None`), has none.
    fn leaks(&self, sent: &SentRequest, recorded: Option<usize>, known: &Known) -> Vec<String> {
        let recorded = recorded.map(|i| &self.exchanges[i].request);
        let request = format!("{} {}", sent.method, known.redact(&sent.path));
        leaks(recorded, sent, known)
            .into_iter()
            .map(|place| format!("{request}: {place}"))
            .collect()
    }
}

/// Returns `METHOD url` for a report, cut after [`MAX_SHOWN_REQUEST_BYTES`] bytes of the URL.
fn shown_request(method: &str, url: &str) -> String {
    if url.len() <= MAX_SHOWN_REQUEST_BYTES {
        return format!("{method} {url}");
    }
    let mut cut = MAX_SHOWN_REQUEST_BYTES;
    while !url.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{method} {}…({} more bytes)", &url[..cut], url.len() - cut)
}

/// Returns the key `METHOD /path?query` that exchanges are looked up (and reported) by.
pub(crate) fn lookup_key(request: &RecordedRequest) -> String {
    let query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let method = request.method.to_ascii_uppercase();
    if query.is_empty() {
        format!("{method} {}", request.path)
    } else {
        format!("{method} {}?{}", request.path, query.join("&"))
    }
}

pub(crate) fn lock(playback: &Mutex<Playback>) -> MutexGuard<'_, Playback> {
    // A panic while holding the lock leaves the state as consistent as it was; keep serving.
    playback
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
