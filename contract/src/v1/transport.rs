//! How a host hands a failed HTTP request back to the plugin (since interface 1.1).
//!
//! Extism's built-in `http_request` traps when a request gets no response (connection refused
//! or reset, DNS failure, timeout, body cut short or too large, host not allowed), and a trap
//! ends the whole call: one customer's broken connection would lose every other customer's
//! count. A host speaking 1.1 instead answers such a request with HTTP status
//! [`TRANSPORT_FAILURE_STATUS`] (0, which no server sends) and a body holding the JSON of a
//! [`TransportFailure`]. The plugin reads it like any response and fails only what depended on
//! that request.
//!
//! A host that traps instead still works with a 1.1 plugin: the call fails as a whole, and the
//! host types the trap itself (as `transient` unless it knows better).

use serde::{Deserialize, Serialize};

use super::ErrorClass;
use crate::Version;

/// The status `http_status_code` returns after a request that got no response.
pub const TRANSPORT_FAILURE_STATUS: u16 = 0;

/// Tells whether a plugin of `interface_version` (`major.minor`) reads transport failures as
/// values: 1.1 and later minors of major 1.
pub fn plugin_reads_failures_as_values(interface_version: &str) -> bool {
    matches!(Version::parse(interface_version), Some(Version { major: 1, minor }) if minor >= 1)
}

/// Why a request got no response: the body of a status-0 answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransportFailure {
    /// What kind of failure.
    pub kind: TransportFailureKind,
    /// What happened, for a person; never holds a request header's value.
    pub message: String,
}

/// The kinds of [`TransportFailure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransportFailureKind {
    /// The URL's host is not in the manifest's `allowed_hosts`; nothing was sent.
    HostNotAllowed,
    /// The request could not be built from what the plugin sent (a bad URL or header).
    BadRequest,
    /// No complete response within the time the host allows a request.
    Timeout,
    /// The body is larger than the manifest's `max_http_response_bytes`.
    TooLarge,
    /// DNS failure, connection refused or reset, a body cut short, a protocol error.
    Connection,
}

impl TransportFailureKind {
    /// Returns the error class a failure of this kind gives.
    pub fn class(self) -> ErrorClass {
        match self {
            TransportFailureKind::HostNotAllowed => ErrorClass::Config,
            TransportFailureKind::BadRequest => ErrorClass::Internal,
            TransportFailureKind::Timeout | TransportFailureKind::Connection => {
                ErrorClass::Transient
            }
            TransportFailureKind::TooLarge => ErrorClass::Vendor,
        }
    }
}

impl TransportFailure {
    /// Reads a status-0 answer's body; `None` when it is not a transport failure.
    pub fn from_response(status: u16, body: &[u8]) -> Option<TransportFailure> {
        if status != TRANSPORT_FAILURE_STATUS {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// Encodes the failure as the body of a status-0 answer.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_of_1_1_and_later_minors_read_failures_as_values() {
        assert!(plugin_reads_failures_as_values("1.1") && plugin_reads_failures_as_values("1.7"));
        assert!(
            !plugin_reads_failures_as_values("1.0")
                && !plugin_reads_failures_as_values("2.1")
                && !plugin_reads_failures_as_values("x")
                && !plugin_reads_failures_as_values("1.1.0")
        );
    }

    #[test]
    fn a_failure_round_trips_through_a_status_0_body() {
        let failure = TransportFailure {
            kind: TransportFailureKind::Connection,
            message: "connection reset".into(),
        };
        assert_eq!(
            String::from_utf8(failure.to_body()).unwrap(),
            r#"{"kind":"connection","message":"connection reset"}"#
        );
        assert_eq!(
            TransportFailure::from_response(0, &failure.to_body()),
            Some(failure.clone())
        );
        assert_eq!(
            TransportFailure::from_response(200, &failure.to_body()),
            None
        );
        assert_eq!(TransportFailure::from_response(0, b"<html>"), None);
    }
}
