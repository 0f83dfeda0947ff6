//! How replay matches a sent request against a recorded one beside its method, path and query
//! (its lookup key): the recorded headers and the body, and where a secret is sent.
//!
//! A recorded value (a header, a form field, a JSON string, a text body) is a pattern:
//! [`REDACTED`] inside it stands for one or more characters and the rest must be equal. When
//! the server knows the secrets to expect ([`Known::expected`]), the text standing for a
//! `<redacted>` must also hold a form of one of them or of a value the recording issues, so
//! that "the client secret sent as the bearer token" or HTTP Basic of the wrong pair does not
//! pass.
//!
//! A body is matched strictly: no recorded body wants an empty one; a form is decoded
//! (`+` as a space), its fields in any order but the same set, each value matched as a
//! pattern; JSON is compared by value, each string as a pattern; text as a pattern. Every
//! mismatch names the field and how the sent value differs, never the sent value (it may be a
//! secret): the recorded values, redacted, may be shown.
//!
//! [`leaks`] names each place of a request (the path, a query value, any header, recorded or
//! not, a body field) holding a form of a known secret where the recording has neither
//! `<redacted>` nor that value.

use std::collections::BTreeMap;
use std::ops::Range;

use plugin_contract::Secrets;
use serde_json::Value;

use crate::traffic::recording::{RecordedBody, RecordedRequest};

/// In a recorded value, stands for one or more characters (secrets are scrubbed to it):
/// `<redacted>` alone matches any non-empty value.
pub const REDACTED: &str = "<redacted>";

/// The largest request body replay reads; a longer one is a mismatch.
pub const MAX_REQUEST_BODY_BYTES: usize = 1 << 20;

/// The secrets a replay knows of.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// The secrets the plugin was given; when set, `<redacted>` stands for a form of one of
    /// them (or of an issued value) only.
    pub expected: Option<Secrets>,
    /// Every form of the values the recording's responses issue (tokens, cookies).
    pub issued: Secrets,
}

impl Known {
    /// Tells whether `text` holds a form of a secret the plugin was given or was issued; also
    /// in base64 of its form-urlencoded form, as HTTP Basic sends `client_id:client_secret`
    /// (RFC 6749 §2.3.1), which [`Secrets`] alone does not look for.
    pub fn found_in(&self, text: &str) -> bool {
        let found = |text: &str| {
            self.issued.found_in(text) || self.expected.as_ref().is_some_and(|s| s.found_in(text))
        };
        found(text)
            || text
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter_map(decode_base64)
                .any(|decoded| found(&percent_decode(&decoded, true)))
    }

    /// Returns `text` with every form of every known secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let text = self.issued.redact(text);
        match &self.expected {
            Some(expected) => expected.redact(&text).into_owned(),
            None => text.into_owned(),
        }
    }
}

/// Decodes standard or URL-safe base64 (padding optional) holding UTF-8 text; `None` for
/// anything else.
fn decode_base64(word: &str) -> Option<String> {
    let word = word.trim_end_matches('=');
    if word.len() < 4 || word.len() % 4 == 1 {
        return None;
    }
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(word.len() * 3 / 4);
    for byte in word.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A request as the replay server received it.
#[derive(Clone, Debug, Default)]
pub struct SentRequest {
    /// The method, uppercase.
    pub method: String,
    /// The raw path, without the query.
    pub path: String,
    /// The query, decoded.
    pub query: BTreeMap<String, String>,
    /// Every header, lowercase names.
    pub headers: BTreeMap<String, String>,
    /// The body; `None` when longer than [`MAX_REQUEST_BODY_BYTES`].
    pub body: Option<Vec<u8>>,
}

/// Tells whether a value `sent` matches the `recorded` pattern: every [`REDACTED`] in
/// `recorded` stands for one or more characters, the rest must be equal.
pub fn header_matches(recorded: &str, sent: &str) -> bool {
    value_mismatch(recorded, sent, &Known::default()).is_none()
}

/// Says how `sent` differs from the `recorded` pattern without showing it, since it may hold a
/// secret: only the recorded parts it lacks, or its length; `None` when it matches.
pub fn value_mismatch(recorded: &str, sent: &str, known: &Known) -> Option<String> {
    let spans = match wildcard_spans(recorded, sent) {
        Ok(spans) => spans,
        Err(how) => return Some(how),
    };
    known.expected.as_ref()?;
    spans
        .into_iter()
        .any(|span| !known.found_in(&sent[span]))
        .then(|| format!("a value that is not the secret where {REDACTED} stands"))
}

/// Places `sent` on the `recorded` pattern: the byte ranges each [`REDACTED`] stands for, or
/// how it does not fit.
fn wildcard_spans(recorded: &str, sent: &str) -> Result<Vec<Range<usize>>, String> {
    let parts: Vec<&str> = recorded.split(REDACTED).collect();
    let without = |part: &str| {
        Err(if sent.contains(part) {
            format!("a value with {part:?} out of place")
        } else {
            format!("a value without {part:?}")
        })
    };
    let nothing = || Err(format!("a value with nothing where {REDACTED} stands"));
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return if sent == recorded {
            Ok(Vec::new())
        } else {
            Err(format!(
                "another value ({} characters)",
                sent.chars().count()
            ))
        };
    }
    if sent.is_empty() {
        return Err("an empty value".to_owned());
    }
    if !sent.starts_with(first) {
        return without(first);
    }
    // Each `<redacted>` takes at least one character; the leftmost place of each part leaves
    // the most room for the rest.
    let mut spans = Vec::with_capacity(parts.len() - 1);
    let mut at = first.len();
    for part in &parts[1..parts.len() - 1] {
        let from = next_char(sent, at);
        match sent.get(from..).and_then(|rest| rest.find(part)) {
            Some(found) => {
                spans.push(at..from + found);
                at = from + found + part.len();
            }
            _ if sent[at..].starts_with(part) => return nothing(),
            _ => return without(part),
        }
    }
    if !sent.ends_with(last) {
        return without(last);
    }
    if sent.len() < next_char(sent, at) + last.len() {
        return nothing();
    }
    spans.push(at..sent.len() - last.len());
    Ok(spans)
}

/// Returns the byte index after the character at `at`, or past the end when there is none.
fn next_char(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(text.len() + 1, |c| at + c.len_utf8())
}

/// Says how the first recorded header of `request` that `sent` lacks or does not match
/// differs; `None` when every recorded header matches.
pub fn header_mismatch(
    request: &RecordedRequest,
    sent: &BTreeMap<String, String>,
    known: &Known,
) -> Option<String> {
    request.headers.iter().find_map(|(name, recorded)| {
        let name = name.to_ascii_lowercase();
        let how = match sent.get(&name) {
            None => "the request has no such header".to_owned(),
            Some(value) => value_mismatch(recorded, value, known)?,
        };
        Some(format!("header {name}: expected {recorded:?}, got {how}"))
    })
}

/// Says how the first recorded header or the body of `request` differs from `sent`; `None`
/// when they match.
pub fn request_mismatch(
    request: &RecordedRequest,
    sent: &SentRequest,
    known: &Known,
) -> Option<String> {
    header_mismatch(request, &sent.headers, known)
        .or_else(|| body_mismatch(request.body.as_ref(), sent.body.as_deref(), known))
}

/// Says how the sent body (`None`: too long to read) differs from the recorded one.
pub fn body_mismatch(
    recorded: Option<&RecordedBody>,
    sent: Option<&[u8]>,
    known: &Known,
) -> Option<String> {
    let Some(sent) = sent else {
        return Some(format!(
            "a body of more than {MAX_REQUEST_BODY_BYTES} bytes"
        ));
    };
    let recorded = match recorded {
        None if sent.is_empty() => return None,
        None => {
            return Some(format!(
                "a body of {} bytes where none was recorded",
                sent.len()
            ))
        }
        Some(recorded) => recorded,
    };
    if sent.is_empty() {
        return Some(format!("no body where {} was recorded", kind_of(recorded)));
    }
    match recorded {
        RecordedBody::Form(fields) => match parse_form(sent) {
            Some(sent) => form_mismatch(fields, &sent, known),
            None => Some("a body that is not a form".to_owned()),
        },
        RecordedBody::Json(json) => match serde_json::from_slice::<Value>(sent) {
            Ok(sent) => json_mismatch(json, &sent, "", known),
            Err(_) => Some("a body that is not JSON".to_owned()),
        },
        RecordedBody::Text(text) => match std::str::from_utf8(sent) {
            Ok(sent) => value_mismatch(text, sent, known)
                .map(|how| format!("body: expected {text:?}, got {how}")),
            Err(_) => Some("a body that is not UTF-8 text".to_owned()),
        },
    }
}

/// Names what kind of body `body` is, for a mismatch.
fn kind_of(body: &RecordedBody) -> &'static str {
    match body {
        RecordedBody::Form(_) => "a form",
        RecordedBody::Json(_) => "JSON",
        RecordedBody::Text(_) => "a text",
    }
}

/// Decodes an `application/x-www-form-urlencoded` body (`+` as a space); `None` when it is not
/// one: not UTF-8, or a field without `=` or a name.
pub fn parse_form(body: &[u8]) -> Option<BTreeMap<String, String>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut fields = BTreeMap::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=')?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        fields.insert(percent_decode(name, true), percent_decode(value, true));
    }
    (!fields.is_empty()).then_some(fields)
}

/// Says how the first field of the form `sent` differs from `recorded`.
fn form_mismatch(
    recorded: &BTreeMap<String, String>,
    sent: &BTreeMap<String, String>,
    known: &Known,
) -> Option<String> {
    let differs = recorded.iter().find_map(|(name, pattern)| {
        let how = match sent.get(name) {
            None => "missing".to_owned(),
            Some(value) => format!(
                "expected {pattern:?}, got {}",
                value_mismatch(pattern, value, known)?
            ),
        };
        Some(format!("body field {}: {how}", known.redact(name)))
    });
    differs.or_else(|| {
        sent.keys()
            .find(|name| !recorded.contains_key(*name))
            .map(|name| format!("body field {}: not recorded", known.redact(name)))
    })
}

/// Says how the JSON `sent` differs from `recorded` at `pointer` (a JSON pointer).
fn json_mismatch(recorded: &Value, sent: &Value, pointer: &str, known: &Known) -> Option<String> {
    let field = || {
        if pointer.is_empty() {
            "body".to_owned()
        } else {
            format!("body field {}", known.redact(pointer))
        }
    };
    match (recorded, sent) {
        (Value::String(pattern), Value::String(value)) => value_mismatch(pattern, value, known)
            .map(|how| format!("{}: expected {pattern:?}, got {how}", field())),
        (Value::Object(recorded), Value::Object(sent)) => {
            let differs = recorded.iter().find_map(|(key, item)| {
                let at = format!("{pointer}/{}", escape_pointer(key));
                match sent.get(key) {
                    None => Some(format!("body field {}: missing", known.redact(&at))),
                    Some(value) => json_mismatch(item, value, &at, known),
                }
            });
            differs.or_else(|| {
                sent.keys()
                    .find(|key| !recorded.contains_key(*key))
                    .map(|key| {
                        let at = format!("{pointer}/{}", escape_pointer(key));
                        format!("body field {}: not recorded", known.redact(&at))
                    })
            })
        }
        (Value::Array(recorded), Value::Array(sent)) if recorded.len() != sent.len() => {
            Some(format!(
                "{}: expected {} items, got {}",
                field(),
                recorded.len(),
                sent.len()
            ))
        }
        (Value::Array(recorded), Value::Array(sent)) => recorded
            .iter()
            .zip(sent)
            .enumerate()
            .find_map(|(i, (r, s))| json_mismatch(r, s, &format!("{pointer}/{i}"), known)),
        (recorded, sent) if recorded == sent => None,
        (recorded, sent) if json_kind(recorded) == json_kind(sent) => Some(format!(
            "{}: expected {recorded}, got another {}",
            field(),
            json_kind(sent)
        )),
        (recorded, sent) => Some(format!(
            "{}: expected {recorded}, got {} {}",
            field(),
            article(json_kind(sent)),
            json_kind(sent)
        )),
    }
}

/// Names the JSON type of `value`.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'o']) {
        "an"
    } else {
        "a"
    }
}

/// Escapes a key for a JSON pointer (`~` as `~0`, `/` as `~1`).
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Names each place of `sent` that holds a form of a known secret where `recorded` (the
/// exchange it matched, or `None`) has neither [`REDACTED`] nor a known secret itself: `path`,
/// `query NAME`, `header NAME`, `body field NAME` (a JSON pointer in a JSON body) or `body`.
pub fn leaks(recorded: Option<&RecordedRequest>, sent: &SentRequest, known: &Known) -> Vec<String> {
    let mut places = Vec::new();
    let allowed =
        |pattern: Option<&str>| pattern.is_some_and(|p| p.contains(REDACTED) || known.found_in(p));
    let mut check = |place: String, value: &str, pattern: Option<&str>| {
        if known.found_in(value) && !allowed(pattern) {
            places.push(place);
        }
    };
    let decoded = percent_decode(&sent.path, false);
    check(
        "path".to_owned(),
        &decoded,
        recorded.map(|r| r.path.as_str()),
    );
    for (name, value) in &sent.query {
        let pattern = recorded.and_then(|r| r.query.get(name)).map(String::as_str);
        check(format!("query {}", known.redact(name)), value, pattern);
        if known.found_in(name) {
            check("a query name".to_owned(), name, None);
        }
    }
    for (name, value) in &sent.headers {
        let pattern = recorded
            .and_then(|r| r.headers.get(name))
            .map(String::as_str);
        check(format!("header {}", known.redact(name)), value, pattern);
    }
    let recorded_body = recorded.and_then(|r| r.body.as_ref());
    let body = sent.body.as_deref().unwrap_or_default();
    if body.is_empty() || !known.found_in(&String::from_utf8_lossy(body)) {
        return places;
    }
    if let Some(form) = parse_form(body) {
        let patterns = match recorded_body {
            Some(RecordedBody::Form(fields)) => Some(fields),
            _ => None,
        };
        for (name, value) in &form {
            let pattern = patterns.and_then(|p| p.get(name)).map(String::as_str);
            check(format!("body field {}", known.redact(name)), value, pattern);
        }
    } else if let Ok(json) = serde_json::from_slice::<Value>(body) {
        let pattern = match recorded_body {
            Some(RecordedBody::Json(json)) => Some(json),
            _ => None,
        };
        json_leaks(&json, pattern, "", known, &mut places);
    } else {
        let pattern = match recorded_body {
            Some(RecordedBody::Text(text)) => Some(text.as_str()),
            _ => None,
        };
        check("body".to_owned(), &String::from_utf8_lossy(body), pattern);
    }
    places
}

/// Adds the places of the JSON `sent` that hold a known secret where `recorded` does not.
fn json_leaks(
    sent: &Value,
    recorded: Option<&Value>,
    pointer: &str,
    known: &Known,
    places: &mut Vec<String>,
) {
    match sent {
        Value::Object(fields) => {
            for (key, item) in fields {
                let at = format!("{pointer}/{}", escape_pointer(key));
                let inner = recorded.and_then(|r| r.get(key));
                if known.found_in(key) {
                    places.push(format!("body field name at {}", known.redact(pointer)));
                }
                json_leaks(item, inner, &at, known, places);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let inner = recorded.and_then(|r| r.get(i));
                json_leaks(item, inner, &format!("{pointer}/{i}"), known, places);
            }
        }
        other => {
            let text = match other {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let pattern = recorded.and_then(Value::as_str);
            let allowed = pattern.is_some_and(|p| p.contains(REDACTED) || known.found_in(p));
            if known.found_in(&text) && !allowed {
                let at = if pointer.is_empty() { "/" } else { pointer };
                places.push(format!("body field {}", known.redact(at)));
            }
        }
    }
}

/// Decodes `a=1&b=x%20y` into a map.
pub(crate) fn parse_query(raw: &str) -> BTreeMap<String, String> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes the `%XX` escapes of `text`, and `+` as a space when `plus_as_space` (a query).
pub(crate) fn percent_decode(text: &str, plus_as_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_contract::encoding::base64;
    use serde_json::json;

    const SECRET: &str = "conformance canary/7f3a+9c2e=5b1d";

    fn known() -> Known {
        Known {
            expected: Some(Secrets::new([SECRET])),
            issued: Secrets::new(["<issued-1>"]),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> RecordedBody {
        RecordedBody::Form(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn said(recorded: Option<&RecordedBody>, sent: &str) -> Option<String> {
        body_mismatch(recorded, Some(sent.as_bytes()), &known())
    }

    #[test]
    fn redacted_inside_a_recorded_header_stands_for_one_or_more_characters() {
        assert!(header_matches("<redacted>", "k"));
        assert!(!header_matches("<redacted>", ""));
        assert!(header_matches("Bearer <redacted>", "Bearer abc"));
        assert!(!header_matches("Bearer <redacted>", "Bearer "));
        assert!(!header_matches("Bearer <redacted>", "abc"));
        assert!(!header_matches("Bearer <redacted>", "bearer abc"));
        assert!(header_matches("a <redacted> b <redacted>", "a x b y"));
        assert!(header_matches("<redacted>-<redacted>", "x--y"));
        assert!(!header_matches("<redacted>-<redacted>", "-y"));
        assert!(header_matches("v=<redacted>;é", "v=ü;é"));
        assert!(header_matches("2", "2"));
        assert!(!header_matches("2", "22"));
    }

    #[test]
    fn header_mismatches_say_how_the_value_differed_never_what_it_was() {
        let said =
            |recorded: &str, sent: &str| value_mismatch(recorded, sent, &Known::default()).unwrap();
        assert_eq!(
            said("Bearer <redacted>", "xBearer y"),
            r#"a value with "Bearer " out of place"#
        );
        assert_eq!(
            said("Bearer <redacted>", "Bearer "),
            "a value with nothing where <redacted> stands"
        );
        assert_eq!(said("<redacted>", ""), "an empty value");
        assert_eq!(said("<redacted>;v1", "k;v2"), r#"a value without ";v1""#);
        assert_eq!(said("2026-01", "hunter2"), "another value (7 characters)");
    }

    #[test]
    fn redacted_matches_only_a_form_of_the_secret_when_the_secrets_are_known() {
        let known = known();
        let not = Some("a value that is not the secret where <redacted> stands".to_owned());
        assert_eq!(
            value_mismatch("Bearer <redacted>", &format!("Bearer {SECRET}"), &known),
            None
        );
        assert_eq!(
            value_mismatch("Bearer <redacted>", "Bearer client-id", &known),
            not
        );
        // HTTP Basic: base64 of `client_id:client_secret`, the secret form-urlencoded first.
        let encoded = plugin_contract::encoding::percent_encode(SECRET);
        let basic = format!("Basic {}", base64(format!("client-1:{encoded}").as_bytes()));
        assert_eq!(value_mismatch("Basic <redacted>", &basic, &known), None);
        let raw = format!("Basic {}", base64(format!("client-1:{SECRET}").as_bytes()));
        assert_eq!(value_mismatch("Basic <redacted>", &raw, &known), None);
        let wrong = format!("Basic {}", base64(b"client-1:client-1"));
        assert_eq!(value_mismatch("Basic <redacted>", &wrong, &known), not);
        let swapped = format!("Basic {}", base64(format!("{encoded}:client-1").as_bytes()));
        assert_eq!(value_mismatch("Basic <redacted>", &swapped, &known), None);
        // Without the secrets known, any value stands for <redacted>.
        assert!(header_matches("Bearer <redacted>", "Bearer client-id"));
    }

    #[test]
    fn a_form_body_matches_in_any_order_and_says_which_field_differed() {
        let recorded = form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "c1"),
            ("client_secret", REDACTED),
        ]);
        let secret = plugin_contract::encoding::percent_encode(SECRET);
        let ok = format!("client_secret={secret}&client_id=c1&grant_type=client_credentials");
        assert_eq!(said(Some(&recorded), &ok), None);
        let spaced = form(&[("scope", "read write")]);
        assert_eq!(said(Some(&spaced), "scope=read+write"), None);
        let wrong = format!("client_secret={secret}&client_id=c1&grant_type=password");
        assert_eq!(
            said(Some(&recorded), &wrong).as_deref(),
            Some(
                r#"body field grant_type: expected "client_credentials", got another value (8 characters)"#
            )
        );
        assert_eq!(
            said(
                Some(&recorded),
                "client_id=c1&grant_type=client_credentials"
            )
            .as_deref(),
            Some("body field client_secret: missing")
        );
        let extra = format!("{ok}&debug=1");
        assert_eq!(
            said(Some(&recorded), &extra).as_deref(),
            Some("body field debug: not recorded")
        );
        let as_id = "client_secret=c1&client_id=c1&grant_type=client_credentials";
        let error = said(Some(&recorded), as_id).unwrap();
        assert!(error.contains("not the secret"), "{error}");
        assert_eq!(
            said(Some(&recorded), r#"{"grant_type":"client_credentials"}"#).as_deref(),
            Some("a body that is not a form")
        );
    }

    #[test]
    fn a_body_where_none_was_recorded_or_none_where_one_was_is_a_mismatch() {
        assert_eq!(said(None, ""), None);
        assert_eq!(
            said(None, &"x".repeat(37)).as_deref(),
            Some("a body of 37 bytes where none was recorded")
        );
        assert_eq!(
            said(Some(&form(&[("a", "1")])), "").as_deref(),
            Some("no body where a form was recorded")
        );
        assert_eq!(
            body_mismatch(None, None, &known()).as_deref(),
            Some("a body of more than 1048576 bytes")
        );
    }

    #[test]
    fn a_json_body_is_compared_by_value_naming_the_pointer_never_the_sent_value() {
        let recorded = RecordedBody::Json(json!({"a": [1, {"k": "<redacted>"}], "b": "x"}));
        let secret_json = serde_json::to_string(SECRET).unwrap();
        let ok = format!(r#"{{"b":"x","a":[1,{{"k":{secret_json}}}]}}"#);
        assert_eq!(said(Some(&recorded), &ok), None);
        let number = format!(r#"{{"b":"x","a":[2,{{"k":{secret_json}}}]}}"#);
        assert_eq!(
            said(Some(&recorded), &number).as_deref(),
            Some("body field /a/0: expected 1, got another number")
        );
        assert_eq!(
            said(Some(&recorded), r#"{"b":"x","a":[1,{"k":"hunter2"}]}"#).as_deref(),
            Some(
                r#"body field /a/1/k: expected "<redacted>", got a value that is not the secret where <redacted> stands"#
            )
        );
        let boolean = format!(r#"{{"b":true,"a":[1,{{"k":{secret_json}}}]}}"#);
        assert_eq!(
            said(Some(&recorded), &boolean).as_deref(),
            Some(r#"body field /b: expected "x", got a boolean"#)
        );
        assert_eq!(
            said(Some(&recorded), "nope").as_deref(),
            Some("a body that is not JSON")
        );
        let text = RecordedBody::Text("hello".into());
        assert_eq!(
            said(Some(&text), "hullo").as_deref(),
            Some(r#"body: expected "hello", got another value (5 characters)"#)
        );
    }

    fn sent(
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &str,
    ) -> SentRequest {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        SentRequest {
            method: "GET".into(),
            path: path.into(),
            query: map(query),
            headers: map(headers),
            body: Some(body.as_bytes().to_vec()),
        }
    }

    #[test]
    fn a_secret_sent_where_the_recording_has_none_is_named_by_its_place() {
        let recorded = RecordedRequest {
            method: "POST".into(),
            path: "/token".into(),
            query: BTreeMap::from([("id".to_owned(), "1".to_owned())]),
            headers: BTreeMap::from([("authorization".to_owned(), "Bearer <issued-1>".to_owned())]),
            body: Some(form(&[("client_secret", REDACTED), ("grant_type", "x")])),
        };
        let secret = plugin_contract::encoding::percent_encode(SECRET);
        let fine = sent(
            "/token",
            &[("id", "1")],
            &[("authorization", "Bearer <issued-1>"), ("host", "h")],
            &format!("client_secret={secret}&grant_type=x"),
        );
        assert!(leaks(Some(&recorded), &fine, &known()).is_empty());
        let leaky = sent(
            &format!("/token/{secret}"),
            &[("id", SECRET), ("t", "<issued-1>")],
            &[("authorization", "Bearer <issued-1>"), ("x-debug", SECRET)],
            &format!("client_secret={secret}&grant_type={secret}"),
        );
        let places = leaks(Some(&recorded), &leaky, &known());
        assert_eq!(
            places,
            [
                "path",
                "query id",
                "query t",
                "header x-debug",
                "body field grant_type"
            ]
        );
        assert!(places.iter().all(|p| !p.contains("canary")));
        let json = sent("/j", &[], &[], &format!(r#"{{"a":[{{"s":"{SECRET}"}}]}}"#));
        assert_eq!(leaks(None, &json, &known()), ["body field /a/0/s"]);
    }
}
