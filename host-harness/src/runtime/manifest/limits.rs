//! `manifest.json`'s `limits`: what every call of the plugin may use, each in its range (host
//! profile L3; the shared vectors `contract/vectors/manifest-limits.json` hold the Python and
//! Node hosts to the same ranges and default).

use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ManifestError;

/// The longest `timeout_ms` accepted: one day.
pub const MAX_TIMEOUT_MS: u64 = 86_400_000;
/// The size of one wasm memory page.
pub const WASM_PAGE_BYTES: u64 = 65_536;
/// The most `memory_max_pages` accepted: 4 GiB, the wasm32 maximum.
pub const MAX_MEMORY_PAGES: u32 = 65_536;
/// `request_timeout_ms` when the manifest has none (or `timeout_ms`, when that is smaller).
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 60_000;
/// Resource limits enforced on every call; [`Limits::check`] gives their ranges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock budget of one call, HTTP included: 1 ..= [`MAX_TIMEOUT_MS`].
    #[schemars(range(min = 1, max = MAX_TIMEOUT_MS))]
    pub timeout_ms: u64,
    /// Maximum linear memory, in 64 KiB wasm pages: 1 ..= [`MAX_MEMORY_PAGES`].
    #[schemars(range(min = 1, max = MAX_MEMORY_PAGES))]
    pub memory_max_pages: u32,
    /// Maximum size of one HTTP response body: 1 ..= the plugin's memory
    /// (`memory_max_pages` × [`WASM_PAGE_BYTES`]).
    #[schemars(range(min = 1))]
    pub max_http_response_bytes: u64,
    /// The longest one vendor HTTP request may take, so that one hanging connection fails that
    /// request rather than the whole call: 1 ..= `timeout_ms`. Use
    /// [`Limits::request_timeout`], which applies the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub request_timeout_ms: Option<u64>,
}

/// One of the [`Limits`], as named in `manifest.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `timeout_ms`.
    TimeoutMs,
    /// `memory_max_pages`.
    MemoryMaxPages,
    /// `max_http_response_bytes`.
    MaxHttpResponseBytes,
    /// `request_timeout_ms`.
    RequestTimeoutMs,
}

impl Limit {
    /// The field's name in `manifest.json`.
    pub fn field(self) -> &'static str {
        match self {
            Limit::TimeoutMs => "timeout_ms",
            Limit::MemoryMaxPages => "memory_max_pages",
            Limit::MaxHttpResponseBytes => "max_http_response_bytes",
            Limit::RequestTimeoutMs => "request_timeout_ms",
        }
    }

    /// What the range means, for the error message.
    pub(super) fn range_meaning(self) -> &'static str {
        match self {
            Limit::TimeoutMs => "milliseconds, at most one day",
            Limit::MemoryMaxPages => "64 KiB pages, at most 4 GiB, the wasm32 maximum",
            Limit::MaxHttpResponseBytes => {
                "a body must fit in the plugin's memory, memory_max_pages × 65536 bytes"
            }
            Limit::RequestTimeoutMs => "milliseconds, at most the call's timeout_ms",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

impl Limits {
    /// The longest one vendor HTTP request may take, in milliseconds: `request_timeout_ms`, or
    /// [`DEFAULT_REQUEST_TIMEOUT_MS`] (`timeout_ms` when that is smaller).
    pub fn request_timeout_ms(&self) -> u64 {
        self.request_timeout_ms
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS.min(self.timeout_ms))
    }

    /// [`Limits::request_timeout_ms`] as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms())
    }

    /// The plugin's largest memory, in bytes: `memory_max_pages` × [`WASM_PAGE_BYTES`].
    pub fn memory_max_bytes(&self) -> u64 {
        u64::from(self.memory_max_pages) * WASM_PAGE_BYTES
    }

    /// Checks every limit against its range (see the module's documentation).
    pub fn check(&self) -> Result<(), ManifestError> {
        in_range(Limit::TimeoutMs, self.timeout_ms, MAX_TIMEOUT_MS)?;
        in_range(
            Limit::MemoryMaxPages,
            self.memory_max_pages.into(),
            MAX_MEMORY_PAGES.into(),
        )?;
        in_range(
            Limit::MaxHttpResponseBytes,
            self.max_http_response_bytes,
            self.memory_max_bytes(),
        )?;
        if let Some(ms) = self.request_timeout_ms {
            in_range(Limit::RequestTimeoutMs, ms, self.timeout_ms)?;
        }
        Ok(())
    }
}

/// Accepts `value` in `1 ..= max`.
fn in_range(limit: Limit, value: u64, max: u64) -> Result<(), ManifestError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(ManifestError::LimitOutOfRange {
            limit,
            value,
            min: 1,
            max,
        })
    }
}
