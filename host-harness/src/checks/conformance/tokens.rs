//! The check that a plugin asks for a token once per instance: an access token lasts for many
//! requests, and a vendor that issues one per request rate-limits or locks the client.
//!
//! A scenario's token endpoints are its requests whose recorded answer issues a value
//! ([`Recording::issuing_requests`](crate::checks::recording::Recording::issuing_requests)).
//! The first run of the valid scenario makes the four calls with credentials on one fresh
//! instance: each token endpoint may be asked once. The second run reuses that instance, as a
//! host that keeps its instances between syncs does: the token it holds still answers (the
//! replay never expires one), so no token endpoint may be asked at all.

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

/// Checks the token requests of the valid scenario's first run (at most one per endpoint) and
/// of its second run on the same instance (none).
pub fn check_token_reused(first: &Replayed, second: &Replayed) -> Check {
    if first.issuing.is_empty() {
        return pass(TOKEN_REUSED, "the valid scenario issues no token");
    }
    let mut problems = Vec::new();
    for (endpoint, asked) in token_requests(first) {
        if asked > 1 {
            problems.push(format!(
                "{endpoint} asked {asked} times by one instance in one run of the five calls"
            ));
        }
    }
    for (endpoint, asked) in token_requests(second) {
        if asked > 0 {
            problems.push(format!(
                "{endpoint} asked {asked} times by an instance that holds a token already (its second run)"
            ));
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
