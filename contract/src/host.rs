//! The host's half of the contract: host profile 1.0, spelled out in `contract/HOST-PROFILE.md`.
//!
//! A plugin keeps its rules on any Extism host, but some guarantees only the host can give: it
//! owns the network, the clock and the limits. The profile says what a host's HTTP must do
//! (refuse hosts outside `allowed_hosts`, never follow redirects, hand failures back as values,
//! honour the limits), how it reads a plugin's error in each SDK, and what it fills in for the
//! plugin. This module holds the parts of it that are code, for Rust hosts and for tests.

use crate::{ErrorClass, PluginError};

/// The version of the host profile this crate describes; a bundle's manifest names it.
///
/// A host meets a bundle's profile when [`Version::serves`](crate::Version::serves) it: the
/// same major, and the bundle's minor not newer.
pub const HOST_PROFILE_VERSION: &str = "1.0";

/// The host profile itself, as a host team reads it (shipped in every release bundle).
pub const HOST_PROFILE: &str = include_str!("../HOST-PROFILE.md");

/// Lists the statuses whose `Retry-After` a host remembers for [`fill_retry_after`].
pub const RETRY_AFTER_STATUSES: [u16; 2] = [429, 503];

/// Lists the `extism:host/env` imports every stock Extism SDK provides, the oldest included.
///
/// Read from Node's `@extism/extism` 1.0.3, the SDK npm installs by default: it lacks
/// `http_headers`, `error_get`, `log_trace` and `get_log_level`, and a module importing one of
/// those does not load there at all (`LinkError`).
pub const PORTABLE_IMPORTS: [&str; 23] = [
    "alloc",
    "config_get",
    "error_set",
    "free",
    "http_request",
    "http_status_code",
    "input_length",
    "input_load_u64",
    "input_load_u8",
    "input_offset",
    "length",
    "length_unsafe",
    "load_u64",
    "load_u8",
    "log_debug",
    "log_error",
    "log_info",
    "log_warn",
    "output_set",
    "store_u64",
    "store_u8",
    "var_get",
    "var_set",
];

/// Sets a `rate_limited` error's `retry_after_s` from the vendor's `Retry-After`, if it has none.
///
/// Plugins read no response header (see [`PORTABLE_IMPORTS`]), so the host, which saw the
/// header of the last 429 or 503 response of the call, supplies the vendor's wait. `now_unix_s`
/// is the host's clock, for a `Retry-After` given as a date.
pub fn fill_retry_after(error: &mut PluginError, retry_after: Option<&str>, now_unix_s: u64) {
    if error.class != ErrorClass::RateLimited || error.retry_after_s.is_some() {
        return;
    }
    error.retry_after_s = retry_after.and_then(|value| retry_after_seconds(value, now_unix_s));
}

/// How long a host waits after a `rate_limited` error that names no wait.
pub const DEFAULT_RATE_LIMIT_WAIT_S: u64 = 30;

/// Returns the least wait, in seconds, before calling again after `error`: its `retry_after_s`,
/// else [`DEFAULT_RATE_LIMIT_WAIT_S`] for `rate_limited`, else 0 (the host's backoff decides).
pub fn wait_asked(error: &PluginError) -> u64 {
    match (error.retry_after_s, error.class) {
        (Some(wait), _) => wait,
        (None, ErrorClass::RateLimited) => DEFAULT_RATE_LIMIT_WAIT_S,
        (None, _) => 0,
    }
}

/// Reads a `Retry-After` value as seconds to wait: whole seconds, or an HTTP date from now.
///
/// A number too large for a `u64` is `u64::MAX`; a date in the past is 0; anything else
/// (an obsolete date format, a negative or fractional number) is `None`.
pub fn retry_after_seconds(value: &str, now_unix_s: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().unwrap_or(u64::MAX));
    }
    let date = http_date_unix_s(value)?;
    Some(date.saturating_sub(now_unix_s))
}

/// Reads an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110) as seconds since 1970.
fn http_date_unix_s(value: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = value.split(' ').collect();
    let [_weekday, day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    let number = |text: &str, digits: usize| -> Option<u32> {
        (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let (day, year) = (number(day, 2)?, number(year, 4)?);
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let clock: Vec<&str> = time.split(':').collect();
    let [hour, minute, second] = clock[..] else {
        return None;
    };
    let (hour, minute, second) = (number(hour, 2)?, number(minute, 2)?, number(second, 2)?);
    if year < 1970
        || day == 0
        || day > crate::time::days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = crate::time::days_since_epoch(year, month, day);
    let seconds = u64::from(hour * 3_600 + minute * 60 + second);
    Some(days * 86_400 + seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_the_version_the_code_names() {
        let title = HOST_PROFILE.lines().next().unwrap_or_default();
        assert_eq!(title, format!("# Host profile {HOST_PROFILE_VERSION}"));
    }

    const NOW: u64 = 1_792_972_800; // 2026-10-26T00:00:00Z

    #[test]
    fn whole_seconds_are_the_wait() {
        assert_eq!(retry_after_seconds("17", NOW), Some(17));
        assert_eq!(retry_after_seconds(" 0 ", NOW), Some(0));
        assert_eq!(
            retry_after_seconds("99999999999999999999999", NOW),
            Some(u64::MAX)
        );
    }

    #[test]
    fn a_date_is_the_time_left_until_it() {
        assert_eq!(
            retry_after_seconds("Mon, 26 Oct 2026 00:01:30 GMT", NOW),
            Some(90)
        );
        assert_eq!(
            retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT", NOW),
            Some(0)
        );
        assert_eq!(
            retry_after_seconds("Sun, 29 Feb 2032 12:00:00 GMT", 0),
            Some(1_961_668_800)
        );
    }

    #[test]
    fn anything_else_is_no_wait_at_all() {
        for value in [
            "",
            "-5",
            "1.5",
            "soon",
            "Mon, 26 Oct 2026 00:01:30 UTC",
            "Monday, 26-Oct-26 00:01:30 GMT",
            "Mon, 31 Sep 2026 00:00:00 GMT",
            "Mon, 26 Oct 2026 24:00:00 GMT",
        ] {
            assert_eq!(retry_after_seconds(value, NOW), None, "{value:?}");
        }
    }

    #[test]
    fn a_rate_limited_error_without_a_wait_waits_the_default() {
        let mut error = PluginError::rate_limited("slow down");
        assert_eq!(wait_asked(&error), DEFAULT_RATE_LIMIT_WAIT_S);
        error.retry_after_s = Some(2);
        assert_eq!(wait_asked(&error), 2);
        let transient = PluginError::transient("down");
        assert_eq!(wait_asked(&transient), 0);
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
