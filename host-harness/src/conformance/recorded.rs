//! The checks of what the plugin requested against the recording: catches a request the
//! recording does not hold (a header sent differently, a page it never had) and a full run that
//! stops early (a later page or an account skipped).

use plugin_contract::Secrets;

use super::runner::Replayed;
use super::{fail, listed, pass, Check, CANARY};

/// The name of the check that every request the plugin made was recorded.
pub const RECORDED_ONLY: &str = "the plugin asked only for recorded requests";

/// The name of the check that the full run requested every exchange.
pub const EVERY_EXCHANGE: &str =
    "the full run requests every recorded exchange of the valid scenario";

/// Checks that every request of the replays matched a recorded exchange: a request that did
/// not (a page the recording lacks, a header sent differently) is named with its scenario,
/// and the header that differed and how. The canary is removed from what is printed.
pub(super) fn check_recorded_only(replays: &[&Replayed]) -> Check {
    let canary = Secrets::new([CANARY]);
    let mut unmatched: Vec<String> = Vec::new();
    for replay in replays {
        for request in &replay.report.unmatched {
            let shown = format!("{}: {}", replay.scenario, canary.redact(request));
            if !unmatched.contains(&shown) {
                unmatched.push(shown);
            }
        }
    }
    let served: usize = replays.iter().map(|r| r.report.served.len()).sum();
    if unmatched.is_empty() {
        pass(
            RECORDED_ONLY,
            &format!(
                "{served} requests in {} runs, each one recorded",
                replays.len()
            ),
        )
    } else {
        fail(
            RECORDED_ONLY,
            format!(
                "no recorded exchange for {}; the replay answered HTTP 501",
                listed(unmatched, "; ")
            ),
        )
    }
}

/// Checks that the full run (the five calls, usage of every pair) requested every exchange
/// the valid scenario recorded: a plugin that stops before a later page leaves one unused.
pub(super) fn check_every_exchange(replay: &Replayed) -> Check {
    let unused = &replay.report.unused;
    if unused.is_empty() {
        return pass(
            EVERY_EXCHANGE,
            &format!("{} exchanges, each requested", replay.exchanges),
        );
    }
    fail(
        EVERY_EXCHANGE,
        format!(
            "{} of {} exchanges of {} never requested (a page or an account skipped?): {}",
            unused.len(),
            replay.exchanges,
            replay.scenario,
            listed(unused.clone(), ", ")
        ),
    )
}
