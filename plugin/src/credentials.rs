//! What the MSP types in: the credentials schema and its validation.
//!
//! Gradient asks for the API host only; the `/reportApi/api/v1` prefix is ours to append. MSPs
//! paste URLs with a trailing slash or with the prefix already on; both are normalized here.

use plugin_contract::{Credentials, PluginError};
use serde_json::{json, Value};
use vendor_kit::url::{UrlError, MAX_URL_BYTES};

/// The API URL SaaS Alerts gives every partner.
pub const DEFAULT_API_URL: &str = "https://us-central1-the-byway-248217.cloudfunctions.net";

/// The path prefix of the reporting ("External Partner") API on that host.
pub const API_PREFIX: &str = "/reportApi/api/v1";

/// Where the MSP finds the key in the SaaS Alerts console.
pub const API_KEY_HELP: &str =
    "SaaS Alerts Management Console → Settings → API → Manage API → Show Key";

/// The longest API key accepted, in bytes: SaaS Alerts keys are far shorter, and a key is
/// sent in a header on every request.
pub const MAX_API_KEY_BYTES: usize = 4096;

/// The longest API URL accepted, in bytes.
pub const MAX_API_URL_BYTES: usize = MAX_URL_BYTES;

/// Returns the JSON Schema of the credentials form. `writeOnly` marks the API key as the one
/// secret: the guest glue redacts the values of the credentials so marked from whatever leaves
/// the plugin, and a host masks their fields.
pub fn credentials_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["api_key", "api_url"],
        "additionalProperties": false,
        "properties": {
            "api_key": {
                "type": "string",
                "title": "API Key",
                "description": API_KEY_HELP,
                "writeOnly": true,
                "minLength": 1,
                "maxLength": MAX_API_KEY_BYTES
            },
            "api_url": {
                "type": "string",
                "title": "API URL",
                "description": "The SaaS Alerts API host. A trailing slash or a pasted /reportApi/api/v1 is accepted.",
                "format": "uri",
                "maxLength": MAX_API_URL_BYTES,
                "default": DEFAULT_API_URL
            }
        }
    })
}

/// Validated credentials, ready to call SaaS Alerts with.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// The API key, sent as the `api_key` header and nowhere else.
    pub api_key: String,
    /// The API root, e.g. `https://host/reportApi/api/v1`, without a trailing slash.
    pub api_root: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"<redacted>")
            .field("api_root", &self.api_root)
            .finish()
    }
}

impl Config {
    /// Validates the MSP's credentials; an absent or blank `api_url` takes the default.
    pub fn from_credentials(credentials: &Credentials) -> Result<Config, PluginError> {
        let api_key = credentials.get("api_key").map(str::trim).unwrap_or("");
        if api_key.is_empty() {
            return Err(key_refused("is missing: paste the key from"));
        }
        check_api_key(api_key)?;
        let api_url = credentials.get("api_url").map(str::trim).unwrap_or("");
        let api_url = if api_url.is_empty() {
            DEFAULT_API_URL
        } else {
            api_url
        };
        Ok(Config {
            api_key: api_key.to_owned(),
            api_root: format!("{}{API_PREFIX}", normalize_api_url(api_url)?),
        })
    }
}

/// Refuses a key that cannot be sent in an HTTP header as it is; names the problem, never the key.
fn check_api_key(api_key: &str) -> Result<(), PluginError> {
    if api_key.len() > MAX_API_KEY_BYTES {
        return Err(PluginError::config(format!(
            "api_key is {} bytes long; the most accepted is {MAX_API_KEY_BYTES}. Paste only the key from {API_KEY_HELP}.",
            api_key.len()
        )));
    }
    if api_key.contains(['\r', '\n']) {
        return Err(key_refused(
            "contains a line break; paste the key alone, on one line, from",
        ));
    }
    if api_key.chars().any(char::is_control) {
        return Err(key_refused(
            "contains a control character (a tab or an invisible character); paste the key again from",
        ));
    }
    if !api_key.is_ascii() {
        return Err(key_refused(
            "contains characters other than ASCII letters, digits and punctuation, which an HTTP header cannot carry as they are; paste the key again from",
        ));
    }
    Ok(())
}

/// Returns the `config` error "api_key `problem` (where the key is).", one format for every
/// refusal of a key (one `format!` costs the size-budgeted wasm less than four).
fn key_refused(problem: &str) -> PluginError {
    PluginError::config(format!("api_key {problem} {API_KEY_HELP}."))
}

/// Reduces a pasted API URL to `scheme://host[:port][/path]` without the API prefix.
///
/// The URL must be one the key may be sent to (see [`vendor_kit::url::check`]).
pub fn normalize_api_url(raw: &str) -> Result<String, PluginError> {
    vendor_kit::url::check(raw).map_err(|error| PluginError::config(url_problem(&error)))?;
    let mut url = raw.trim_end_matches('/');
    let prefix_start = url.len().saturating_sub(API_PREFIX.len());
    if url.is_char_boundary(prefix_start) && url[prefix_start..].eq_ignore_ascii_case(API_PREFIX) {
        url = url[..prefix_start].trim_end_matches('/');
    }
    Ok(url.to_owned())
}

/// Says what is wrong with the API URL, and what to enter instead where that helps.
fn url_problem(error: &UrlError) -> String {
    match error {
        UrlError::NotHttp => format!("api_url {error} (the default is {DEFAULT_API_URL})."),
        UrlError::PlainHttp => format!("api_url {error}; the default is {DEFAULT_API_URL}."),
        UrlError::UserInfo => format!("api_url {error}; the key goes in api_key."),
        UrlError::TooLong { .. }
        | UrlError::Spaces
        | UrlError::QueryOrFragment
        | UrlError::NoHost => format!("api_url {error}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_contract::ErrorClass;

    fn credentials(pairs: &[(&str, &str)]) -> Credentials {
        pairs.iter().copied().collect()
    }

    #[test]
    fn default_url_applies_when_api_url_is_absent() {
        let config = Config::from_credentials(&credentials(&[("api_key", "k")])).unwrap();
        assert_eq!(
            config.api_root,
            "https://us-central1-the-byway-248217.cloudfunctions.net/reportApi/api/v1"
        );
    }

    #[test]
    fn trailing_slash_and_pasted_prefix_are_normalized() {
        for pasted in [
            "https://host.example/",
            "https://host.example//",
            "https://host.example/reportApi/api/v1",
            "https://host.example/reportapi/api/v1/",
            " https://host.example ",
        ] {
            let config =
                Config::from_credentials(&credentials(&[("api_key", "k"), ("api_url", pasted)]))
                    .unwrap();
            assert_eq!(
                config.api_root, "https://host.example/reportApi/api/v1",
                "{pasted}"
            );
        }
    }

    #[test]
    fn missing_key_is_a_config_error_naming_the_field() {
        let error = Config::from_credentials(&credentials(&[("api_key", "  ")])).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("api_key"));
    }

    #[test]
    fn a_key_with_a_line_break_is_a_config_error_saying_so() {
        for key in ["abc\r\nX-Injected: 1", "abc\ndef", "abc\rdef"] {
            let error = Config::from_credentials(&credentials(&[("api_key", key)])).unwrap_err();
            assert_eq!(error.class, ErrorClass::Config, "{key:?}");
            assert!(error.message.contains("line break"), "{}", error.message);
            assert!(!error.message.contains("abc"), "{}", error.message);
        }
    }

    #[test]
    fn a_key_of_a_megabyte_is_a_config_error_naming_the_limit() {
        let key = "k".repeat(1024 * 1024);
        let error = Config::from_credentials(&credentials(&[("api_key", &key)])).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("4096"), "{}", error.message);
        assert!(error.message.len() < 300);
    }

    #[test]
    fn a_key_and_a_url_of_exactly_the_limit_are_accepted() {
        let key = "k".repeat(MAX_API_KEY_BYTES);
        let host = "https://host.example/";
        let url = format!("{host}{}", "a".repeat(MAX_API_URL_BYTES - host.len()));
        let config =
            Config::from_credentials(&credentials(&[("api_key", &key), ("api_url", &url)]))
                .unwrap();
        assert_eq!(config.api_key.len(), MAX_API_KEY_BYTES);
    }

    #[test]
    fn keys_with_control_or_non_ascii_characters_are_config_errors() {
        for key in ["ab\tcd", "ab\u{0}cd", "clé-secrète"] {
            let error = Config::from_credentials(&credentials(&[("api_key", key)])).unwrap_err();
            assert_eq!(error.class, ErrorClass::Config, "{key:?}");
            assert!(!error.message.contains(key), "{}", error.message);
        }
        let spaced = Config::from_credentials(&credentials(&[("api_key", "  k-1  ")])).unwrap();
        assert_eq!(spaced.api_key, "k-1");
    }

    #[test]
    fn an_overlong_url_is_a_config_error() {
        let url = format!("https://host.example/{}", "a".repeat(3000));
        let error = Config::from_credentials(&credentials(&[("api_key", "k"), ("api_url", &url)]))
            .unwrap_err();
        assert!(error.message.contains("2048"), "{}", error.message);
    }

    #[test]
    fn unusable_urls_are_config_errors() {
        for bad in [
            "ftp://host.example",
            "host.example",
            "https://user:pw@host.example",
            "https://host.example/?x=1",
            "https://host.example/#top",
            "https://",
            "https://exa mple.com",
            "http://us-central1-the-byway-248217.cloudfunctions.net",
            "http://127.0.0.1.evil.example",
        ] {
            let error =
                Config::from_credentials(&credentials(&[("api_key", "k"), ("api_url", bad)]))
                    .unwrap_err();
            assert_eq!(error.class, ErrorClass::Config, "{bad}");
            assert!(
                error.message.contains("api_url"),
                "{bad}: {}",
                error.message
            );
        }
    }

    #[test]
    fn plain_http_is_accepted_for_loopback_only() {
        for loopback in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9/",
        ] {
            assert!(normalize_api_url(loopback).is_ok(), "{loopback}");
        }
    }

    #[test]
    fn config_debug_hides_the_key() {
        let config = Config::from_credentials(&credentials(&[("api_key", "very-secret")])).unwrap();
        assert!(!format!("{config:?}").contains("very-secret"));
    }
}
