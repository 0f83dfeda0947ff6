//! `Retry-After` read as a wait (host profile H6 and section 3), the one rule every host follows.

use crate::{ErrorClass, PluginError};

/// The largest wait a host fills in from `Retry-After`, in seconds: 2^53 − 1, the largest
/// integer every JSON reader holds exactly (RFC 8259 §6; Node reads numbers as doubles).
pub const MAX_RETRY_AFTER_S: u64 = (1 << 53) - 1;

/// Sets a `rate_limited` error's `retry_after_s` from the vendor's `Retry-After`, if it has none.
///
/// Plugins read no response header (see [`PORTABLE_IMPORTS`](super::PORTABLE_IMPORTS)), so the host, which saw the
/// header of the last 429 or 503 response of the call, supplies the vendor's wait. `now_unix_s`
/// is the host's clock, for a `Retry-After` given as a date.
pub fn fill_retry_after(error: &mut PluginError, retry_after: Option<&str>, now_unix_s: u64) {
    if error.class != ErrorClass::RateLimited || error.retry_after_s.is_some() {
        return;
    }
    error.retry_after_s = retry_after.and_then(|value| retry_after_seconds(value, now_unix_s));
}

/// Reads a `Retry-After` value as seconds to wait: whole seconds, or an HTTP date from now.
///
/// Whole seconds past [`MAX_RETRY_AFTER_S`] are [`MAX_RETRY_AFTER_S`]; a date is any of RFC
/// 9110's three forms (IMF-fixdate, the obsolete RFC 850 and asctime forms, read by
/// `httpdate`: the weekday must be the date's, years 1970 to 9999, an RFC 850 year below 70 is
/// 20xx), the seconds from `now_unix_s` until it, 0 if past, at most [`MAX_RETRY_AFTER_S`];
/// anything else (a negative or fractional number, another date format) is `None`. The shared
/// vectors (`contract/vectors/retry-after.json`) hold every host to this.
pub fn retry_after_seconds(value: &str, now_unix_s: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.parse().unwrap_or(u64::MAX);
        return Some(seconds.min(MAX_RETRY_AFTER_S));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    let date_unix_s = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(
        date_unix_s
            .saturating_sub(now_unix_s)
            .min(MAX_RETRY_AFTER_S),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_792_972_800; // 2026-10-26T00:00:00Z

    #[test]
    fn every_host_reads_retry_after_as_the_shared_vectors_say() {
        #[derive(serde::Deserialize)]
        struct Vectors {
            now_unix_s: u64,
            wrong_case: Case,
            cases: Vec<Case>,
        }
        #[derive(serde::Deserialize)]
        struct Case {
            value: String,
            seconds: Option<u64>,
        }
        let vectors: Vectors =
            serde_json::from_str(include_str!("../../vectors/retry-after.json")).unwrap();
        let mismatch = |case: &Case| {
            let got = retry_after_seconds(&case.value, vectors.now_unix_s);
            (got != case.seconds).then(|| format!("{:?}: {got:?}", case.value))
        };
        crate::host::assert_follows_vectors(&vectors.cases, &vectors.wrong_case, mismatch);
    }

    #[test]
    fn a_wait_past_2_53_is_the_largest_integer_json_holds_exactly() {
        assert_eq!(
            retry_after_seconds("18446744073709551615", NOW),
            Some(MAX_RETRY_AFTER_S)
        );
        assert_eq!(MAX_RETRY_AFTER_S, 9_007_199_254_740_991);
    }

    #[test]
    fn only_a_rate_limited_error_without_a_wait_is_filled() {
        let mut limited = PluginError::rate_limited("slow down");
        fill_retry_after(&mut limited, Some("17"), NOW);
        assert_eq!(limited.retry_after_s, Some(17));
        fill_retry_after(&mut limited, Some("99"), NOW);
        assert_eq!(
            limited.retry_after_s,
            Some(17),
            "the plugin's own wait wins"
        );
        let mut transient = PluginError::transient("down");
        fill_retry_after(&mut transient, Some("17"), NOW);
        assert_eq!(transient.retry_after_s, None);
        let mut unknown = PluginError::rate_limited("slow down");
        fill_retry_after(&mut unknown, None, NOW);
        assert_eq!(unknown.retry_after_s, None);
    }
}
