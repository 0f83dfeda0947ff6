//! The secrets a vendor issues: an access token, a refresh token, an id token, a session
//! cookie. Each is a secret from the moment a plugin receives it, like a credential; this is
//! the one place that says how they are found in a response ([`issued_values`]), and the
//! registry an instance keeps of those it received ([`Issued`]).
//!
//! Found: the string values of the JSON members `access_token`, `refresh_token` and `id_token`
//! at any depth, any JSON string shaped like a JWT (three base64url segments, the first
//! starting `eyJ`; also inside a body that is not JSON), and the value of each `set-cookie`
//! header's cookie; each at least [`MIN_ISSUED_LEN`] characters long (a shorter cookie, such as
//! `lang=en`, is no session, and replacing it everywhere would mangle a recording).

use std::sync::{Arc, Mutex, MutexGuard};

use plugin_contract::Secrets;
use serde_json::Value;

/// The JSON members whose string value is an issued secret.
pub const ISSUED_MEMBERS: [&str; 3] = ["access_token", "refresh_token", "id_token"];

/// The fewest characters an issued value has.
pub const MIN_ISSUED_LEN: usize = 8;

/// Returns the issued values of a response (its headers, lowercase names, and body), each once,
/// in the order they appear: cookies first, then the body.
pub fn issued_values<'h>(
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    body: &[u8],
) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("set-cookie") {
            found.extend(cookie_value(value));
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}');
    if !may_issue(text) {
        return unique_long_enough(found);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(json) => issued_in_json(&json, &mut found),
        Err(_) => found.extend(jwts_in(text)),
    }
    unique_long_enough(found)
}

/// Tells whether a body may hold an issued value: a member name of [`ISSUED_MEMBERS`], a JWT's
/// `eyJ`, or a `\u` escape that could spell either. Every response of a sync goes through
/// [`issued_values`], so a body without any (a list of thousands of users) is not parsed.
fn may_issue(text: &str) -> bool {
    ISSUED_MEMBERS.iter().any(|member| text.contains(member))
        || text.contains("eyJ")
        || text.contains("\\u")
}

/// Returns `found` without repeats and without values shorter than [`MIN_ISSUED_LEN`].
fn unique_long_enough(found: Vec<String>) -> Vec<String> {
    let mut unique = Vec::with_capacity(found.len());
    for value in found {
        if value.trim().chars().count() >= MIN_ISSUED_LEN && !unique.contains(&value) {
            unique.push(value);
        }
    }
    unique
}

/// Collects the issued values inside a JSON value, in document order.
pub fn issued_in_json(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) if is_jwt(text) => found.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| issued_in_json(item, found)),
        Value::Object(fields) => {
            for (key, item) in fields {
                match item {
                    Value::String(text) if ISSUED_MEMBERS.contains(&key.as_str()) => {
                        found.push(text.clone());
                    }
                    _ => issued_in_json(item, found),
                }
            }
        }
        _ => {}
    }
}

/// Returns the value of the cookie a `set-cookie` header sets (`name=value; Path=/`).
fn cookie_value(header: &str) -> Option<String> {
    let pair = header.split(';').next()?;
    let (_, value) = pair.split_once('=')?;
    let value = value.trim().trim_matches('"');
    (!value.is_empty()).then(|| value.to_owned())
}

/// Tells whether `text` is shaped like a JWT: three base64url segments, the first `eyJ…`.
pub fn is_jwt(text: &str) -> bool {
    let segments: Vec<&str> = text.split('.').collect();
    segments.len() == 3
        && segments[0].starts_with("eyJ")
        && segments[..2].iter().all(|s| s.len() >= 4)
        && segments.iter().all(|s| s.bytes().all(is_base64url))
}

fn is_base64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// Finds the JWT-shaped words of a text that is not JSON.
fn jwts_in(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii() && (is_base64url(c as u8) || c == '.')))
        .filter(|word| is_jwt(word))
        .map(str::to_owned)
}

/// The issued values one plugin instance received, shared by its calls and their observers:
/// each joins the secrets the harness removes from what it prints.
#[derive(Clone, Debug, Default)]
pub struct Issued {
    inner: Arc<Mutex<IssuedInner>>,
}

#[derive(Debug, Default)]
struct IssuedInner {
    values: Vec<String>,
    secrets: Secrets,
}

impl Issued {
    /// Adds the issued values of a response; returns whether any was new.
    pub fn learn(&self, values: Vec<String>) -> bool {
        let mut inner = self.lock();
        let before = inner.values.len();
        for value in values {
            if !inner.values.contains(&value) {
                inner.values.push(value);
            }
        }
        if inner.values.len() == before {
            return false;
        }
        inner.secrets = Secrets::new(inner.values.iter().map(String::as_str));
        true
    }

    /// Returns every form of the values received so far.
    pub fn secrets(&self) -> Secrets {
        self.lock().secrets.clone()
    }

    /// Returns the values received so far, in the order first received.
    pub fn values(&self) -> Vec<String> {
        self.lock().values.clone()
    }

    /// Returns `secrets` and the values received so far, as one set of secrets.
    pub fn with(&self, credentials: &[String]) -> Secrets {
        let inner = self.lock();
        Secrets::new(credentials.iter().chain(&inner.values).map(String::as_str))
    }

    fn lock(&self) -> MutexGuard<'_, IssuedInner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

    #[test]
    fn tokens_at_any_depth_jwts_and_cookies_are_issued_values() {
        let body = format!(
            r#"{{"data":{{"access_token":"at-1-abcd","nested":[{{"refresh_token":"rt/2-abcd"}}]}},"id_token":"it-abcdef","note":"{JWT}","token_type":"Bearer","expires_in":3600}}"#
        );
        let headers = [
            ("content-type", "application/json"),
            ("set-cookie", "session=c00kie-abcd; Path=/; HttpOnly"),
        ];
        let found = issued_values(headers, body.as_bytes());
        assert_eq!(
            found,
            ["c00kie-abcd", "at-1-abcd", "rt/2-abcd", "it-abcdef", JWT]
        );
    }

    #[test]
    fn a_member_name_spelled_with_escapes_is_still_read() {
        let body = br#"{"data": {"access\u005ftoken": "tok-escaped-1"}}"#;
        assert_eq!(issued_values([], body), ["tok-escaped-1"]);
    }

    #[test]
    fn ordinary_values_are_not_issued() {
        let body = br#"{"token_type":"Bearer","expires_in":3600,"id":"eyJ.not","name":"a.b.c","access_token":"short"}"#;
        assert!(issued_values([("set-cookie", "lang=en; Path=/")], body).is_empty());
        assert!(!is_jwt("eyJ.a.b"));
        assert!(!is_jwt("abcd.efgh.ijkl"));
        assert!(is_jwt(JWT));
    }

    #[test]
    fn a_jwt_inside_a_body_that_is_not_json_is_issued() {
        let body = format!("<p>token: {JWT}</p>");
        assert_eq!(issued_values([], body.as_bytes()), [JWT]);
    }

    #[test]
    fn learned_values_join_the_secrets_once() {
        let issued = Issued::default();
        assert!(issued.learn(vec!["tok-1".into()]));
        assert!(!issued.learn(vec!["tok-1".into()]));
        assert!(issued.secrets().found_in("Bearer tok-1"));
        let all = issued.with(&["key".to_owned()]);
        assert!(all.found_in("key") && all.found_in("tok-1"));
        assert_eq!(issued.values(), ["tok-1"]);
    }
}
