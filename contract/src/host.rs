//! The host's half of the contract: host profile 1.0, spelled out in `contract/HOST-PROFILE.md`.
//!
//! A plugin keeps its rules on any Extism host, but some guarantees only the host can give: it
//! owns the network, the clock and the limits. The profile says what a host's HTTP must do
//! (refuse hosts outside `allowed_hosts`, never follow redirects, hand failures back as values,
//! honour the limits), how it reads a plugin's error in each SDK, and what it fills in for the
//! plugin. This module holds the parts of it that are code, for Rust hosts and for tests.

use crate::{ErrorClass, PluginError};

#[cfg(feature = "host")]
mod allowed_hosts;
#[cfg(feature = "host")]
mod retry_after;
#[cfg(feature = "host")]
pub use allowed_hosts::{host_allowed, host_matches, normalized_host};
#[cfg(feature = "host")]
pub use retry_after::{fill_retry_after, retry_after_seconds, MAX_RETRY_AFTER_S};

/// Checks a host's rule against one file of [`HOST_VECTORS`], as every host's tests do: panics,
/// listing them, unless `mismatch` (what the rule makes of a case, when that is not the case's
/// expectation) finds nothing in every one of `cases`, and finds something in `wrong_case`, the
/// case whose expectation is deliberately wrong (so that a test that checks nothing fails).
pub fn assert_follows_vectors<C>(
    cases: &[C],
    wrong_case: &C,
    mismatch: impl Fn(&C) -> Option<String>,
) {
    let wrong: Vec<String> = cases.iter().filter_map(&mismatch).collect();
    assert!(
        wrong.is_empty(),
        "cases this host decides otherwise: {wrong:#?}"
    );
    assert!(
        mismatch(wrong_case).is_some(),
        "the deliberately wrong case passed: the test compares nothing"
    );
}

/// The version of the host profile this crate describes; a bundle's manifest names it.
///
/// A host meets a bundle's profile when [`Version::serves`](crate::Version::serves) it: the
/// same major, and the bundle's minor not newer.
pub const HOST_PROFILE_VERSION: &str = "1.0";

/// The host profile itself, as a host team reads it (shipped in every release bundle).
pub const HOST_PROFILE: &str = include_str!("../HOST-PROFILE.md");

/// The shared test vectors of the host profile's rules, `(file name, JSON)`: what every host
/// decides on `allowed_hosts`, Content-Encoding, `Retry-After`, versions, `sha256` pins and
/// limits, and the README that says how they are read (shipped in every release bundle under
/// `vectors/`; the Rust, Python and Node hosts' tests read them).
pub const HOST_VECTORS: [(&str, &str); 7] = [
    ("README.md", include_str!("../vectors/README.md")),
    (
        "allowed-hosts.json",
        include_str!("../vectors/allowed-hosts.json"),
    ),
    (
        "content-encoding.json",
        include_str!("../vectors/content-encoding.json"),
    ),
    (
        "host-profile-version.json",
        include_str!("../vectors/host-profile-version.json"),
    ),
    (
        "manifest-limits.json",
        include_str!("../vectors/manifest-limits.json"),
    ),
    (
        "retry-after.json",
        include_str!("../vectors/retry-after.json"),
    ),
    (
        "sha256-pin.json",
        include_str!("../vectors/sha256-pin.json"),
    ),
];

/// Lists the statuses whose `Retry-After` a host remembers for `fill_retry_after` (feature `host`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vector_file_of_the_contract_ships_in_the_bundle() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
        let mut on_disk: Vec<String> = std::fs::read_dir(folder)
            .expect("contract/vectors")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        on_disk.sort();
        let shipped: Vec<&str> = HOST_VECTORS.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, shipped);
    }

    #[test]
    fn the_document_is_the_version_the_code_names() {
        let title = HOST_PROFILE.lines().next().unwrap_or_default();
        assert_eq!(title, format!("# Host profile {HOST_PROFILE_VERSION}"));
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
}
