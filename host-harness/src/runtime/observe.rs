//! What a plugin does while a call runs, reported as it happens to an [`Observer`] set on the
//! [`PluginModule`](crate::runtime::plugin::PluginModule) or the
//! [`PluginInstance`](crate::runtime::plugin::PluginInstance): each call starting and ending,
//! each request once it finished, each line the plugin logs.
//!
//! Nothing reported holds a secret: a request is its method, its URL's path and query with
//! every form of the call's secret credentials removed and the values of query parameters named
//! like credentials (`key`, `token`, `signature`, …) replaced, its status or transport failure
//! kind, and how long it took; never a header or a body. Log lines have the secrets removed too.
//! The secrets the vendor issued to the instance (tokens, session cookies: see
//! [`crate::runtime::issued`]) are removed like the credentials, from the moment they arrive.
//!
//! The harness's own host functions report: `http_request` ([`crate::runtime::http`]) each
//! request, `log_*` ([`crate::runtime::logs`]) each log line.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use plugin_contract::transport::TransportFailureKind;
use plugin_contract::{Secrets, REDACTED};

use crate::runtime::issued::Issued;

/// Receives what a plugin's calls do, as they do it; called from the thread running the call.
pub trait Observer: Send + Sync {
    /// Receives a request the plugin made, once it got a response or failed.
    fn request(&self, event: &RequestEvent);

    /// Receives the start of a call to `export`; `accounts` is how many accounts it counts,
    /// when known (`fetch_usage` only: its `account_ids`, or the instance's last
    /// `list_accounts`).
    fn call_started(&self, export: &str, accounts: Option<usize>) {
        let _ = (export, accounts);
    }

    /// Receives the end of a call to `export`, whatever its outcome.
    fn call_finished(&self, export: &str) {
        let _ = export;
    }

    /// Returns the least level of plugin log lines wanted; `None` (the default) tells plugins
    /// that logging is off.
    fn log_level(&self) -> Option<LogLevel> {
        None
    }

    /// Receives a line the plugin logged at or above [`Observer::log_level`].
    fn log(&self, line: &LogLine) {
        let _ = line;
    }
}

/// An observer shared by a module, its instances and their calls.
pub type SharedObserver = Arc<dyn Observer>;

/// One finished request, with nothing secret in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestEvent {
    /// The method, uppercase.
    pub method: String,
    /// The URL's path and query, secrets removed (see [`redacted_target`]).
    pub target: String,
    /// The status, or why there was none.
    pub outcome: RequestOutcome,
    /// From sending the request to the whole response (or the failure).
    pub elapsed: Duration,
}

impl fmt::Display for RequestEvent {
    /// Writes `GET /path?query 200 12ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}ms",
            self.method,
            self.target,
            self.outcome,
            self.elapsed.as_millis()
        )
    }
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestOutcome {
    /// The vendor answered with this status.
    Status(u16),
    /// No response: the transport failed (or the host refused the request).
    Failed(TransportFailureKind),
}

impl fmt::Display for RequestOutcome {
    /// Writes the status, or `failed: <kind>` with the contract's name of the kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestOutcome::Status(status) => write!(f, "{status}"),
            RequestOutcome::Failed(kind) => {
                let name = match kind {
                    TransportFailureKind::HostNotAllowed => "host_not_allowed",
                    TransportFailureKind::BadRequest => "bad_request",
                    TransportFailureKind::Timeout => "timeout",
                    TransportFailureKind::TooLarge => "too_large",
                    TransportFailureKind::Connection => "connection",
                };
                write!(f, "failed: {name}")
            }
        }
    }
}

/// The levels of Extism's `log_*` host functions, least severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `log_trace`.
    Trace,
    /// `log_debug`.
    Debug,
    /// `log_info`.
    Info,
    /// `log_warn`.
    Warn,
    /// `log_error`.
    Error,
}

impl LogLevel {
    /// Lists every level with the name of its host function.
    pub(crate) const FUNCTIONS: [(LogLevel, &'static str); 5] = [
        (LogLevel::Trace, "log_trace"),
        (LogLevel::Debug, "log_debug"),
        (LogLevel::Info, "log_info"),
        (LogLevel::Warn, "log_warn"),
        (LogLevel::Error, "log_error"),
    ];

    /// Returns the number `get_log_level` gives the PDKs for this level (Extism's numbering).
    pub(crate) fn to_int(self) -> i32 {
        self as i32
    }
}

impl fmt::Display for LogLevel {
    /// Writes the level in lowercase.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        })
    }
}

/// A line the plugin logged, secrets removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// The level it was logged at.
    pub level: LogLevel,
    /// The text (invalid UTF-8 replaced).
    pub message: String,
}

/// The observer of one call, with the secrets of its credentials and those issued to it.
#[derive(Clone)]
pub struct CallObserver {
    observer: SharedObserver,
    secrets: Arc<Secrets>,
    issued: Issued,
}

impl fmt::Debug for CallObserver {
    /// Writes the type only: the secrets stay out of debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallObserver").finish_non_exhaustive()
    }
}

impl CallObserver {
    /// Returns the observer of a call whose secret credentials are `secrets`.
    pub fn new(observer: SharedObserver, secrets: Secrets) -> CallObserver {
        CallObserver {
            observer,
            secrets: Arc::new(secrets),
            issued: Issued::default(),
        }
    }

    /// Removes the secrets in `issued` too, as they arrive.
    pub fn with_issued(mut self, issued: Issued) -> CallObserver {
        self.issued = issued;
        self
    }

    /// Returns `text` without the credentials' secrets and those issued so far.
    fn redact(&self, text: &str) -> String {
        let text = self.secrets.redact(text);
        self.issued.secrets().redact(&text).into_owned()
    }

    /// Reports a finished request to `url` (`None`: the plugin's request could not be read).
    pub(crate) fn request(
        &self,
        method: &str,
        url: Option<&str>,
        outcome: RequestOutcome,
        elapsed: Duration,
    ) {
        let target = match url {
            Some(url) => self.redact(&redacted_target(url, &self.secrets)),
            None => "<unreadable request>".to_owned(),
        };
        self.observer.request(&RequestEvent {
            method: self.redact(method),
            target,
            outcome,
            elapsed,
        });
    }

    /// Returns the least level of log lines the observer wants, if any.
    pub(crate) fn log_level(&self) -> Option<LogLevel> {
        self.observer.log_level()
    }

    /// Tells whether a line at `level` is wanted.
    pub(crate) fn wants(&self, level: LogLevel) -> bool {
        self.observer
            .log_level()
            .is_some_and(|least| level >= least)
    }

    /// Reports a line the plugin logged, secrets removed.
    pub(crate) fn log(&self, level: LogLevel, message: &[u8]) {
        let message = String::from_utf8_lossy(message);
        self.observer.log(&LogLine {
            level,
            message: self.redact(&message),
        });
    }
}

/// Returns the path and query of `url` with every form of `secrets` removed and the values of
/// query parameters named like credentials replaced by [`REDACTED`]; never the scheme, host,
/// user info or fragment.
pub fn redacted_target(url: &str, secrets: &Secrets) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "<invalid URL>".to_owned();
    };
    let mut target = parsed.path().to_owned();
    if let Some(query) = parsed.query() {
        target.push('?');
        let pairs: Vec<String> = query.split('&').map(redacted_pair).collect();
        target.push_str(&pairs.join("&"));
    }
    secrets.redact(&target).into_owned()
}

/// Lists what a query parameter's name holds when its value is a credential.
const CREDENTIAL_NAMES: [&str; 9] = [
    "key",
    "token",
    "secret",
    "pass",
    "pwd",
    "auth",
    "sig",
    "credential",
    "session",
];

/// Returns a query's `name=value` with the value replaced when the name is a credential's.
fn redacted_pair(pair: &str) -> String {
    let Some((name, _)) = pair.split_once('=') else {
        return pair.to_owned();
    };
    let decoded: String = url::form_urlencoded::parse(name.as_bytes())
        .map(|(decoded, _)| decoded.into_owned())
        .collect();
    let decoded = decoded.to_ascii_lowercase();
    if CREDENTIAL_NAMES.iter().any(|word| decoded.contains(word)) {
        format!("{name}={REDACTED}")
    } else {
        pair.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::new(["hunter2 key"])
    }

    #[test]
    fn the_target_is_the_path_and_query_without_host_user_info_or_fragment() {
        let target = redacted_target(
            "https://user:pw@api.example.com:8443/v1/users?customerId=c1&page=2#top",
            &secrets(),
        );
        assert_eq!(target, "/v1/users?customerId=c1&page=2");
    }

    #[test]
    fn a_secret_is_removed_from_the_path_and_the_query_in_every_encoding() {
        let target = redacted_target(
            "https://api.example.com/keys/hunter2%20key/users?q=hunter2+key&b=aHVudGVyMiBrZXk%3D",
            &secrets(),
        );
        assert_eq!(
            target, "/keys/<redacted>/users?q=<redacted>&b=<redacted>%3D",
            "percent-encoded, plus for space and base64 (its padding encoded apart)"
        );
        assert!(!secrets().found_in(&target));
    }

    #[test]
    fn values_of_parameters_named_like_credentials_are_replaced_even_when_unknown() {
        let target = redacted_target(
            "https://api.example.com/x?api_key=k1&access_token=t2&X-Amz-Signature=s3&Auth=a4&customerId=c5&flag",
            &Secrets::default(),
        );
        assert_eq!(
            target,
            "/x?api_key=<redacted>&access_token=<redacted>&X-Amz-Signature=<redacted>&Auth=<redacted>&customerId=c5&flag"
        );
        let encoded = redacted_target("https://a.example/x?api%5Fkey=k1", &Secrets::default());
        assert_eq!(
            encoded, "/x?api%5Fkey=<redacted>",
            "the name is decoded first"
        );
    }

    #[test]
    fn a_url_that_cannot_be_parsed_is_not_echoed() {
        assert_eq!(
            redacted_target("not a url hunter2 key", &secrets()),
            "<invalid URL>"
        );
    }

    #[test]
    fn an_event_reads_as_method_target_status_and_milliseconds() {
        let mut event = RequestEvent {
            method: "GET".into(),
            target: "/v1/users?customerId=c1".into(),
            outcome: RequestOutcome::Status(200),
            elapsed: Duration::from_micros(12_900),
        };
        assert_eq!(event.to_string(), "GET /v1/users?customerId=c1 200 12ms");
        event.outcome = RequestOutcome::Failed(TransportFailureKind::Timeout);
        assert_eq!(
            event.to_string(),
            "GET /v1/users?customerId=c1 failed: timeout 12ms"
        );
    }
}
