//! The checks of what a plugin sends and logs, whatever its fixtures: no secret in a request
//! except where the recording has `<redacted>`, no secret in its log lines, and no token the
//! vendor issued in any output, error or log line.
//!
//! Every run's instance gets a [`LogLines`] observer that wants every level, so a plugin logs
//! all it would; the lines come as the plugin wrote them (conformance instances do not
//! redact), and are scanned for the canary and for the values the recording issues
//! ([`Recording::issued`](crate::traffic::recording::Recording::issued): an
//! `access_token`, `refresh_token` or `id_token`, a JWT, a session cookie), in every form
//! [`Secrets`] finds.

use std::sync::{Arc, Mutex};

use plugin_contract::Secrets;

use super::{fail, listed, pass, Check, Output, Replayed, CANARY};
use crate::runtime::observe::{LogLevel, LogLine, Observer, RequestEvent};
use crate::runtime::plugin::PluginInstance;

/// The name of [`check_no_secret_sent`].
pub const NO_SECRET_SENT: &str = "no secret is sent except where the recording has <redacted>";
/// The name of [`check_no_secret_logged`].
pub const NO_SECRET_LOGGED: &str = "no secret appears in the plugin's log lines";
/// The name of [`check_no_issued_token`].
pub const NO_ISSUED_TOKEN: &str = "no issued token appears in any output, error or log line";

/// Collects the lines a plugin logs, at every level, as it wrote them.
#[derive(Clone, Default)]
pub struct LogLines {
    lines: Arc<Mutex<Vec<String>>>,
}

impl LogLines {
    /// Starts collecting the lines `plugin` logs.
    pub fn observe(plugin: &mut PluginInstance) -> LogLines {
        let lines = LogLines::default();
        plugin.set_observer(Arc::new(lines.clone()));
        lines
    }

    /// Returns the lines collected so far, and forgets them.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Observer for LogLines {
    fn request(&self, _: &RequestEvent) {}

    fn log_level(&self) -> Option<LogLevel> {
        Some(LogLevel::Trace)
    }

    fn log(&self, line: &LogLine) {
        self.lock().push(line.message.clone());
    }
}

/// Checks that no request of the replays sent a form of the canary or of an issued value
/// where the recording has no `<redacted>` (see [`crate::traffic::matching::leaks`]): an extra
/// header, a query, a body field. Each place is named with its scenario, never the value.
pub fn check_no_secret_sent(replays: &[&Replayed]) -> Check {
    let mut places: Vec<String> = Vec::new();
    for replay in replays {
        for leak in &replay.report.leaks {
            let shown = format!("{}: {leak}", replay.scenario);
            if !places.contains(&shown) {
                places.push(shown);
            }
        }
    }
    let served: usize = replays.iter().map(|r| r.report.served.len()).sum();
    if places.is_empty() {
        pass(
            NO_SECRET_SENT,
            &format!("{served} requests in {} runs scanned", replays.len()),
        )
    } else {
        fail(
            NO_SECRET_SENT,
            format!(
                "a secret credential or an issued token was sent where the recording has none: {}",
                listed(places, "; ")
            ),
        )
    }
}

/// Checks that no log line of the replays holds a form of the canary.
pub fn check_no_secret_logged(replays: &[&Replayed]) -> Check {
    let canary = Secrets::new([CANARY]);
    let lines: Vec<(&str, &String)> = replays
        .iter()
        .flat_map(|r| r.logs.iter().map(|line| (r.scenario.as_str(), line)))
        .collect();
    match lines.iter().position(|(_, line)| canary.found_in(line)) {
        Some(index) => fail(
            NO_SECRET_LOGGED,
            format!(
                "log line {} of {} ({}) holds a secret credential's value in some form",
                index + 1,
                lines.len(),
                lines[index].0
            ),
        ),
        None => pass(
            NO_SECRET_LOGGED,
            &format!("{} log lines scanned", lines.len()),
        ),
    }
}

/// Checks that no output, error or log line holds a form of a value the recordings issue.
pub fn check_no_issued_token(outputs: &[&Output], replays: &[&Replayed]) -> Check {
    let issued: Vec<&str> = replays
        .iter()
        .flat_map(|r| r.issued.iter().map(String::as_str))
        .collect();
    if issued.is_empty() {
        return pass(NO_ISSUED_TOKEN, "the recordings issue no token");
    }
    let secrets = Secrets::new(issued.iter().copied());
    let leaks = |o: &Output| {
        secrets.found_in(&o.text) || o.raw.as_deref().is_some_and(|raw| secrets.found_in(raw))
    };
    if let Some(index) = outputs.iter().position(|o| leaks(o)) {
        let output = outputs[index];
        let what = if output.failed { "error" } else { "output" };
        return fail(
            NO_ISSUED_TOKEN,
            format!(
                "output {} of {} ({} {what}) holds a token the vendor issued, in some form",
                index + 1,
                outputs.len(),
                output.call
            ),
        );
    }
    let lines: Vec<(&str, &String)> = replays
        .iter()
        .flat_map(|r| r.logs.iter().map(|line| (r.scenario.as_str(), line)))
        .collect();
    if let Some(index) = lines.iter().position(|(_, line)| secrets.found_in(line)) {
        return fail(
            NO_ISSUED_TOKEN,
            format!(
                "log line {} of {} ({}) holds a token the vendor issued, in some form",
                index + 1,
                lines.len(),
                lines[index].0
            ),
        );
    }
    pass(
        NO_ISSUED_TOKEN,
        &format!(
            "{} issued values; {} outputs and {} log lines scanned",
            issued.len(),
            outputs.len(),
            lines.len()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::replay::ReplayReport;

    fn replayed(leaks: &[&str], logs: &[&str], issued: &[&str]) -> Replayed {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Replayed {
            scenario: "valid".to_owned(),
            report: ReplayReport {
                served: Vec::new(),
                unmatched: Vec::new(),
                unmatched_omitted: 0,
                unused: Vec::new(),
                leaks: strings(leaks),
            },
            exchanges: 2,
            logs: strings(logs),
            issued: strings(issued),
            issuing: Vec::new(),
        }
    }

    fn output(text: &str) -> Output {
        Output {
            call: "list_accounts",
            failed: false,
            text: text.to_owned(),
            raw: None,
        }
    }

    #[test]
    fn a_secret_in_an_extra_header_fails_naming_the_place_only() {
        let replay = replayed(&["GET /v1/companies: header x-debug"], &[], &[]);
        let check = check_no_secret_sent(&[&replay]);
        assert!(!check.passed);
        assert!(
            check
                .detail
                .ends_with("valid: GET /v1/companies: header x-debug"),
            "{}",
            check.detail
        );
        assert!(check_no_secret_sent(&[&replayed(&[], &[], &[])]).passed);
    }

    #[test]
    fn the_canary_in_a_log_line_fails_in_any_form() {
        let encoded = plugin_contract::encoding::percent_encode(CANARY);
        let logged = format!("sending client_secret={encoded}");
        let replay = replayed(&[], &["starting", &logged], &[]);
        let check = check_no_secret_logged(&[&replay]);
        assert!(!check.passed);
        assert_eq!(
            check.detail,
            "log line 2 of 2 (valid) holds a secret credential's value in some form"
        );
        assert!(!check.detail.contains(&encoded));
        assert!(check_no_secret_logged(&[&replayed(&[], &["starting"], &[])]).passed);
    }

    #[test]
    fn an_issued_token_in_an_output_or_a_log_line_fails() {
        let replay = replayed(&[], &["token <issued-1>"], &["<issued-1>"]);
        let clean = output(r#"{"accounts":[]}"#);
        let check = check_no_issued_token(&[&clean], &[&replay]);
        assert!(!check.passed);
        assert_eq!(
            check.detail,
            "log line 1 of 1 (valid) holds a token the vendor issued, in some form"
        );
        let quiet = replayed(&[], &["starting"], &["<issued-1>"]);
        let leaky = output(r#"{"accounts":[{"id":"%3Cissued-1%3E"}]}"#);
        let check = check_no_issued_token(&[&clean, &leaky], &[&quiet]);
        assert!(!check.passed);
        assert!(
            check.detail.starts_with("output 2 of 2"),
            "{}",
            check.detail
        );
        assert!(check_no_issued_token(&[&clean], &[&quiet]).passed);
    }
}
