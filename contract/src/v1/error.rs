//! The typed error every call may fail with: its class (what the host should do) and a message
//! for the MSP.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A typed failure: what went wrong, and what the host should do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PluginError {
    /// What kind of failure this is.
    pub class: ErrorClass,
    /// What happened and what to do, for the MSP; never contains a secret.
    pub message: String,
    /// The vendor's HTTP status, when a response caused the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// How long to wait before retrying, in seconds, when the vendor said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

impl PluginError {
    /// Creates an error of `class` with `message` and no HTTP details.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        PluginError {
            class,
            message: message.into(),
            http_status: None,
            retry_after_s: None,
        }
    }

    /// Creates a `config` error with `message`.
    pub fn config(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::Config, message)
    }

    /// Creates an `auth` error with `message`.
    pub fn auth(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::Auth, message)
    }

    /// Creates a `permission` error with `message`.
    pub fn permission(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::Permission, message)
    }

    /// Creates a `not_found` error with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::NotFound, message)
    }

    /// Creates a `rate_limited` error with `message`.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::RateLimited, message)
    }

    /// Creates a `transient` error with `message`.
    pub fn transient(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::Transient, message)
    }

    /// Creates a `vendor` error with `message`.
    pub fn vendor(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::Vendor, message)
    }

    /// Creates an `internal` error with `message`.
    pub fn internal(message: impl Into<String>) -> Self {
        PluginError::new(ErrorClass::Internal, message)
    }

    /// Records the vendor's HTTP status on the error.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Encodes the error as the JSON a plugin sets as its Extism error.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            // Serializing these plain fields cannot fail; keep a valid document regardless.
            r#"{"class":"internal","message":"error could not be encoded"}"#.to_owned()
        })
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class.as_str(), self.message)
    }
}

impl std::error::Error for PluginError {}

/// What kind of failure a [`PluginError`] is; the host acts on the class, never on the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The credentials or the call's input are wrong (missing field, bad URL, unknown id).
    Config,
    /// The vendor rejected the credentials.
    Auth,
    /// The credentials are valid but not allowed to do this.
    Permission,
    /// What was asked for does not exist at the vendor.
    NotFound,
    /// The vendor asks us to slow down; see `retry_after_s`.
    RateLimited,
    /// A failure that may pass: vendor 5xx, timeout, connection trouble.
    Transient,
    /// The vendor answered something the plugin cannot read.
    Vendor,
    /// A bug in the plugin or the host.
    Internal,
}

impl ErrorClass {
    /// Lists every class, in declaration order.
    pub const ALL: [ErrorClass; 8] = [
        ErrorClass::Config,
        ErrorClass::Auth,
        ErrorClass::Permission,
        ErrorClass::NotFound,
        ErrorClass::RateLimited,
        ErrorClass::Transient,
        ErrorClass::Vendor,
        ErrorClass::Internal,
    ];

    /// Returns the class's name as it appears in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Config => "config",
            ErrorClass::Auth => "auth",
            ErrorClass::Permission => "permission",
            ErrorClass::NotFound => "not_found",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::Transient => "transient",
            ErrorClass::Vendor => "vendor",
            ErrorClass::Internal => "internal",
        }
    }

    /// Tells whether calling again later, unchanged, may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::RateLimited | ErrorClass::Transient)
    }
}
