//! Derived fault scenarios: the valid scenario's recording with one answer rewritten into a
//! failure, so that a plugin meets the faults its author did not record.
//!
//! Each exchange of the valid scenario that answered a success is rewritten, one at a time,
//! into each [`Fault`]: HTTP 401, 403, 404, 429 with `Retry-After: 7` and without, 500, 503, a
//! web page, an empty body, a cut body, a broken connection. Each variant is served from memory
//! to a fresh instance that makes the five calls of the valid run, with the same credentials
//! (secrets set to the canary); for each call the harness keeps which recorded exchanges it
//! requested, in order. [`fault_rules`](super::fault_rules) checks what the contract says of
//! each call against the valid run, also traced here; every variant's outputs also go through
//! the schema and secret checks (an error quoting a URL that carries the key leaks it there).
//! The variants run on up to [`PARALLEL`] threads.

use plugin_contract::{
    exports, AccountList, Authenticated, CallInput, Credentials, CredentialsInput, Description,
    ErrorClass, FetchUsageInput, PluginError, ServiceList, Usage,
};
use serde::{de::DeserializeOwned, Serialize};

use super::runner::{instance, with_canary, Output, Session};
use super::{ConformanceError, AS_OF};
use crate::runtime::plugin::PluginModule;
use crate::traffic::recording::{RecordedResponse, Recording};
use crate::traffic::replay::{read_json, ReplayServer, REPLAY_URL_PLACEHOLDER};

/// The wait a derived 429 asks for in its `Retry-After`, in seconds.
pub const FAULT_RETRY_AFTER_S: u64 = 7;

/// One way a derived scenario rewrites a recorded answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The status, with a small JSON error body.
    Status(u16),
    /// HTTP 429, with `Retry-After: 7` or without.
    RateLimited { retry_after: bool },
    /// A 200 whose body is an HTML page (a login page, a proxy's error page).
    WebPage,
    /// A 200 with no body at all.
    EmptyBody,
    /// A 200 whose JSON stops in the middle.
    CutBody,
    /// Bytes that are not HTTP: a broken connection.
    NotHttp,
}

/// Every fault each exchange is rewritten into.
pub const FAULTS: [Fault; 11] = [
    Fault::Status(401),
    Fault::Status(403),
    Fault::Status(404),
    Fault::RateLimited { retry_after: true },
    Fault::RateLimited { retry_after: false },
    Fault::Status(500),
    Fault::Status(503),
    Fault::WebPage,
    Fault::EmptyBody,
    Fault::CutBody,
    Fault::NotHttp,
];

impl Fault {
    /// Names the fault for a person, e.g. `HTTP 429 with Retry-After: 7`.
    pub fn name(self) -> String {
        match self {
            Fault::Status(status) => format!("HTTP {status}"),
            Fault::RateLimited { retry_after: true } => {
                format!("HTTP 429 with Retry-After: {FAULT_RETRY_AFTER_S}")
            }
            Fault::RateLimited { retry_after: false } => "HTTP 429 without Retry-After".to_owned(),
            Fault::WebPage => "a web page (200 text/html)".to_owned(),
            Fault::EmptyBody => "an empty body (200)".to_owned(),
            Fault::CutBody => "a cut JSON body (200)".to_owned(),
            Fault::NotHttp => "a broken connection".to_owned(),
        }
    }

    /// Returns the classes a call may fail with when this fault answers one of its requests;
    /// `first` when it answers the call's first request (see `vendor_kit::status`).
    pub fn classes(self, first: bool) -> &'static [ErrorClass] {
        use ErrorClass::*;
        match (self, first) {
            (Fault::Status(401), _) => &[Auth],
            (Fault::Status(403), _) => &[Permission],
            (Fault::Status(404), true) => &[Config],
            (Fault::Status(404), false) => &[NotFound],
            (Fault::RateLimited { .. }, _) => &[RateLimited],
            (Fault::Status(500..=599), _) | (Fault::NotHttp, _) => &[Transient],
            (Fault::WebPage, true) => &[Config],
            (Fault::EmptyBody, true) => &[Vendor, Config],
            (Fault::CutBody, _) => &[Vendor, Transient],
            _ => &[Vendor],
        }
    }

    /// Returns the answer this fault gives in place of `recorded`.
    fn response(self, recorded: &RecordedResponse) -> RecordedResponse {
        let json = || {
            [("content-type".to_owned(), "application/json".to_owned())]
                .into_iter()
                .collect()
        };
        let mut response = RecordedResponse {
            status: 200,
            headers: json(),
            body: None,
            body_text: None,
            delay_ms: None,
            not_http: false,
        };
        let error_body = |status: u16| {
            Some(
                serde_json::json!({"error": format!("a fault conformance derived: HTTP {status}")}),
            )
        };
        match self {
            Fault::Status(_) | Fault::RateLimited { .. } => {
                let status = match self {
                    Fault::Status(status) => status,
                    _ => 429,
                };
                response.status = status;
                response.body = error_body(status);
                if self == (Fault::RateLimited { retry_after: true }) {
                    response
                        .headers
                        .insert("retry-after".to_owned(), FAULT_RETRY_AFTER_S.to_string());
                }
            }
            Fault::WebPage => {
                response.headers = [("content-type".to_owned(), "text/html".to_owned())]
                    .into_iter()
                    .collect();
                response.body_text = Some(WEB_PAGE.to_owned());
            }
            Fault::EmptyBody => response.headers = recorded.headers.clone(),
            Fault::CutBody => {
                response.headers = recorded.headers.clone();
                response.body_text = Some(cut(recorded));
            }
            Fault::NotHttp => response.not_http = true,
        }
        response
    }
}

/// The web page a [`Fault::WebPage`] answers.
const WEB_PAGE: &str = "<!doctype html>\n<html><head><title>Sign in</title></head><body><form action=\"/login\"><input name=\"user\"></form></body></html>\n";

/// Returns the first half of `recorded`'s body (JSON text cut in the middle); `{"` when it
/// has none.
fn cut(recorded: &RecordedResponse) -> String {
    let text = match (&recorded.body, &recorded.body_text) {
        (Some(json), _) => json.to_string(),
        (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    };
    let mut at = text.len() / 2;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    match &text[..at] {
        "" => "{\"".to_owned(),
        half => half.to_owned(),
    }
}

/// What one call of a traced run gave, and which recorded exchanges it requested.
#[derive(Debug)]
pub struct Traced {
    /// What the plugin returned, as it sent it (the replay's address normalized).
    pub output: Output,
    /// The error as the host typed it, `retry_after_s` filled in from the vendor's answer.
    pub error: Option<PluginError>,
    /// The usage, for a `fetch_usage` that succeeded.
    pub usage: Option<Usage>,
    /// The recorded exchange each request of the call matched, in order (`None`: unmatched).
    pub exchanges: Vec<Option<usize>>,
}

impl Traced {
    /// Tells whether the call requested exchange `index`.
    pub fn requested(&self, index: usize) -> bool {
        self.exchanges.contains(&Some(index))
    }

    /// Tells whether exchange `index` answered the call's first request to its URL: the
    /// first of the call's requests whose exchange is in the same one of `urls` (see
    /// [`Derived::urls`]).
    pub fn first_is(&self, index: usize, urls: &[usize]) -> bool {
        let url = urls.get(index);
        self.exchanges
            .iter()
            .flatten()
            .find(|e| urls.get(**e) == url)
            == Some(&index)
    }
}

/// One derived scenario and what the five calls gave on it.
#[derive(Debug)]
pub struct Variant {
    /// The index of the rewritten exchange.
    pub exchange: usize,
    /// What the exchange's answer became.
    pub fault: Fault,
    /// The five calls, in the valid run's order.
    pub calls: Vec<Traced>,
}

/// The valid run traced, and every variant.
#[derive(Debug)]
pub struct Derived {
    /// The rewritten exchanges, as `METHOD /path?query`, by index.
    pub requests: Vec<String>,
    /// The ids found in each exchange's path segments or query values (one account's
    /// request names one).
    pub ids: Vec<Vec<String>>,
    /// Which URL credential each exchange's request went to, by index: the one whose path
    /// leads to the request's path, the longest such (a token endpoint of its own beside the
    /// API's root); each is a URL the MSP entered, whose wrong value shows on the call's
    /// first request to it.
    pub urls: Vec<usize>,
    /// The five calls on the valid scenario as recorded.
    pub valid: Vec<Traced>,
    /// Each rewritten exchange with each fault, in recorded order.
    pub variants: Vec<Variant>,
    /// Exchanges left as they are: their recorded answer is not a success.
    pub skipped: usize,
}

impl Derived {
    /// Returns what the plugin returned on every variant, for the schema and secret checks.
    pub fn outputs(&self) -> impl Iterator<Item = &Output> {
        self.variants
            .iter()
            .flat_map(|variant| variant.calls.iter().map(|call| &call.output))
    }
}

/// Traces the valid scenario in `folder`, then each of its variants.
pub fn derive_and_run(
    compiled: &PluginModule,
    scenario: &str,
    folder: &std::path::Path,
    secrets: &[String],
) -> Result<Derived, ConformanceError> {
    let replay_error = |error| ConformanceError::Replay {
        scenario: scenario.to_owned(),
        error,
    };
    let recording: Recording = read_json(&folder.join("exchanges.json")).map_err(replay_error)?;
    let credentials_path = folder.join("credentials.json");
    let credentials: Credentials = if credentials_path.exists() {
        read_json(&credentials_path).map_err(replay_error)?
    } else {
        Credentials::default()
    };
    let run = |recording: Recording| -> Result<Vec<Traced>, ConformanceError> {
        let replay = ReplayServer::serve(recording, credentials.clone()).map_err(replay_error)?;
        replay
            .check_credentials(
                replay.credentials(),
                &compiled.description().credentials_schema,
            )
            .map_err(replay_error)?;
        run_traced(compiled, &replay, secrets)
    };
    let requests = recording
        .exchanges
        .iter()
        .map(|e| shown(&e.request))
        .collect();
    let ids = recording
        .exchanges
        .iter()
        .map(|e| ids_of(&e.request))
        .collect();
    let roots = url_roots(&credentials);
    let urls = recording
        .exchanges
        .iter()
        .map(|e| url_of(&roots, &e.request.path))
        .collect();
    let valid = run(recording.clone())?;
    let faulty: Vec<(usize, Fault)> = recording
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.response.not_http && (200..300).contains(&e.response.status))
        .flat_map(|(index, _)| FAULTS.map(|fault| (index, fault)))
        .collect();
    let skipped = recording.exchanges.len() - faulty.len() / FAULTS.len();
    let variant = |&(index, fault): &(usize, Fault)| {
        let mut variant = recording.clone();
        variant.exchanges[index].response = fault.response(&recording.exchanges[index].response);
        run(variant).map(|calls| Variant {
            exchange: index,
            fault,
            calls,
        })
    };
    let variants = in_parallel(&faulty, variant)?;
    Ok(Derived {
        requests,
        ids,
        urls,
        valid,
        variants,
        skipped,
    })
}

/// How many variants run at once: each waits on its replay server half the time.
const PARALLEL: usize = 4;

/// Maps `items` through `run` on up to [`PARALLEL`] threads, keeping their order; the first
/// error stops nothing but is the one returned.
fn in_parallel<T: Sync, R: Send, E: Send>(
    items: &[T],
    run: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, PARALLEL);
    let chunk = items.len().div_ceil(threads).max(1);
    let run = &run;
    let chunks: Vec<Result<Vec<R>, E>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(run).collect::<Result<Vec<R>, E>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(items.len());
    for part in chunks {
        all.extend(part?);
    }
    Ok(all)
}

/// Returns `METHOD /path?query` of a recorded request.
fn shown(request: &crate::traffic::recording::RecordedRequest) -> String {
    let query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if query.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        format!("{} {}?{}", request.method, request.path, query.join("&"))
    }
}

/// Returns the path of each URL credential of the scenario that leads to the replay server
/// (`"{replay_url}/oauth/token"` gives `/oauth/token`), without a trailing `/`; the server's
/// root when none does.
fn url_roots(credentials: &Credentials) -> Vec<String> {
    let mut roots: Vec<String> = credentials
        .iter()
        .filter_map(|(_, value)| value.trim().strip_prefix(REPLAY_URL_PLACEHOLDER))
        .map(|rest| {
            let path = rest.split(['?', '#']).next().unwrap_or_default();
            path.trim_end_matches('/').to_owned()
        })
        .collect();
    if roots.is_empty() {
        roots.push(String::new());
    }
    roots.sort();
    roots.dedup();
    roots
}

/// Returns the index in `roots` of the longest root that leads to `path`; past the end when
/// none does.
fn url_of(roots: &[String], path: &str) -> usize {
    let leads = |root: &str| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || root.is_empty())
    };
    roots
        .iter()
        .enumerate()
        .filter(|(_, root)| leads(root))
        .max_by_key(|(_, root)| root.len())
        .map_or(roots.len(), |(index, _)| index)
}

/// Returns the path segments and query values of a recorded request: where an account's id
/// shows in a request for that account.
fn ids_of(request: &crate::traffic::recording::RecordedRequest) -> Vec<String> {
    request
        .path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .chain(request.query.values().cloned())
        .collect()
}

/// Makes the five calls of the valid run on a fresh instance, keeping for each call the
/// exchanges it requested.
fn run_traced(
    compiled: &PluginModule,
    replay: &ReplayServer,
    secrets: &[String],
) -> Result<Vec<Traced>, ConformanceError> {
    let address = replay.base_url().trim_start_matches("http://").to_owned();
    let normalize = |text: String| text.replace(&address, "replay-server");
    let mut session = Session {
        plugin: instance(compiled)?,
        credentials: with_canary(replay.credentials(), secrets),
        normalize: &normalize,
        outputs: Vec::new(),
    };
    let input = CredentialsInput::new(session.credentials.clone());
    let usage_input = FetchUsageInput {
        credentials: session.credentials.clone(),
        as_of: AS_OF.to_owned(),
        account_ids: None,
        service_ids: None,
    };
    let none = CredentialsInput::default();
    Ok(vec![
        traced::<Description>(&mut session, replay, exports::DESCRIBE_CREDENTIALS, &none).0,
        traced::<Authenticated>(&mut session, replay, exports::AUTHENTICATE, &input).0,
        traced::<AccountList>(&mut session, replay, exports::LIST_ACCOUNTS, &input).0,
        traced::<ServiceList>(&mut session, replay, exports::LIST_SERVICES, &input).0,
        {
            let (mut call, usage) =
                traced::<Usage>(&mut session, replay, exports::FETCH_USAGE, &usage_input);
            call.usage = usage;
            call
        },
    ])
}

/// Makes one call, keeping what it returned and which exchanges it requested.
fn traced<O: DeserializeOwned>(
    session: &mut Session,
    replay: &ReplayServer,
    export: &'static str,
    input: &(impl Serialize + CallInput),
) -> (Traced, Option<O>) {
    let before = replay.served().len();
    let result = session.call::<O>(export, input);
    let exchanges = replay.served()[before..]
        .iter()
        .map(|served| served.exchange)
        .collect();
    let output = session.outputs.pop().unwrap_or(Output {
        call: export,
        failed: true,
        text: String::new(),
        raw: None,
    });
    let (error, value) = match result {
        Ok(value) => (None, Some(value)),
        Err(error) => (Some(error), None),
    };
    let call = Traced {
        output,
        error,
        usage: None,
        exchanges,
    };
    (call, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns a 200 with `body`.
    fn recorded(body: serde_json::Value) -> RecordedResponse {
        RecordedResponse {
            status: 200,
            headers: Default::default(),
            body: Some(body),
            body_text: None,
            delay_ms: None,
            not_http: false,
        }
    }

    #[test]
    fn a_token_endpoint_of_its_own_is_another_url_than_the_api_root() {
        let credentials: Credentials = [
            ("api_url", "{replay_url}"),
            ("token_url", "{replay_url}/oauth/token/"),
            ("client_id", "app"),
        ]
        .into_iter()
        .collect();
        let roots = url_roots(&credentials);
        assert_eq!(roots, ["", "/oauth/token"]);
        assert_eq!(url_of(&roots, "/oauth/token"), 1);
        assert_eq!(url_of(&roots, "/oauth/tokens"), 0);
        assert_eq!(url_of(&roots, "/v1/companies"), 0);
        // The token request is first to its URL, the companies after it first to theirs.
        let call = Traced {
            output: Output {
                call: "authenticate",
                failed: false,
                text: String::new(),
                raw: None,
            },
            error: None,
            usage: None,
            exchanges: vec![Some(0), Some(1), Some(2)],
        };
        let urls = [1, 0, 0];
        assert!(call.first_is(0, &urls) && call.first_is(1, &urls));
        assert!(!call.first_is(2, &urls));
        assert!(!call.first_is(2, &[0, 0, 0]) && call.first_is(0, &[0, 0, 0]));
    }

    #[test]
    fn a_cut_body_is_never_json_even_for_the_smallest_list() {
        for body in [serde_json::json!([]), serde_json::json!({"a": [1, 2, 3]})] {
            let text = Fault::CutBody
                .response(&recorded(body))
                .body_text
                .expect("a text body");
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn only_the_429_with_retry_after_carries_one() {
        let with =
            Fault::RateLimited { retry_after: true }.response(&recorded(serde_json::json!({})));
        assert_eq!(
            (
                with.status,
                with.headers.get("retry-after").map(String::as_str)
            ),
            (429, Some("7"))
        );
        let without =
            Fault::RateLimited { retry_after: false }.response(&recorded(serde_json::json!({})));
        assert_eq!(
            (without.status, without.headers.get("retry-after")),
            (429, None)
        );
    }

    #[test]
    fn the_first_request_rule_changes_the_class_of_a_404_and_a_web_page_only() {
        for fault in FAULTS {
            let (first, later) = (fault.classes(true), fault.classes(false));
            let differs = matches!(
                fault,
                Fault::Status(404) | Fault::WebPage | Fault::EmptyBody
            );
            assert_eq!(first != later, differs, "{}", fault.name());
        }
        assert_eq!(Fault::Status(404).classes(false), [ErrorClass::NotFound]);
        assert_eq!(Fault::Status(503).classes(true), [ErrorClass::Transient]);
    }
}
