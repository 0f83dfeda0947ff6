//! The host's clock: the one place the harness reads the time (plugins have none).

/// Returns the clock's time as RFC 3339, to the second.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
