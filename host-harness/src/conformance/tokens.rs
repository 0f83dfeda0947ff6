//! The check that a plugin asks for a token once per instance: an access token lasts for many
//! requests, and a vendor that issues one per request rate-limits or locks the client.
//!
//! A scenario's token endpoints are its requests whose recorded answer issues a value
//! ([`Recording::issued`](crate::traffic::recording::Recording::issued)).
//! The first run of the valid scenario makes the four calls with credentials on one fresh
//! instance: each token endpoint may be asked once, so the token is reused by every later
//! request of the call and by the later calls. The second run reuses that instance, but its
//! replay listens on another port, so its URL credentials (the token endpoint's among them)
//! are another connection's: a plugin may ask for a token once more there, and no more.

use super::{fail, pass, Check, Replayed};

/// The name of [`check_token_reused`].
pub const TOKEN_REUSED: &str =
    "a token is asked for once per instance and reused by its later requests and calls";

/// Counts the requests of `replayed` to each of its token endpoints.
fn token_requests(replayed: &Replayed) -> Vec<(&str, usize)> {
    replayed
        .issuing
        .iter()
        .map(|endpoint| {
            let asked = replayed
                .report
                .served
                .iter()
                .filter(|served| {
                    let request = served.request.split('?').next().unwrap_or_default();
                    request == endpoint
                })
                .count();
            (endpoint.as_str(), asked)
        })
        .collect()
}

/// Checks the token requests of the valid scenario's two runs: at most one per endpoint each.
pub fn check_token_reused(first: &Replayed, second: &Replayed) -> Check {
    if first.issuing.is_empty() {
        return pass(TOKEN_REUSED, "the valid scenario issues no token");
    }
    let mut problems = Vec::new();
    for (run, replayed) in [("first", first), ("second", second)] {
        for (endpoint, asked) in token_requests(replayed) {
            if asked > 1 {
                problems.push(format!(
                    "{endpoint} asked {asked} times by one instance in the {run} run of the five calls"
                ));
            }
        }
    }
    if problems.is_empty() {
        pass(
            TOKEN_REUSED,
            &format!("{}: asked once, then reused", first.issuing.join(", ")),
        )
    } else {
        fail(TOKEN_REUSED, problems.join("; "))
    }
}
