//! What `record` keeps of a request beyond its path and query, and how it stores the secrets a
//! vendor issues: the parts [`crate::traffic::recorder`] builds on.
//!
//! **Issued secrets become placeholders.** Every value a response of the recording issues (see
//! [`crate::runtime::issued`]: `access_token`, `refresh_token`, `id_token`, a JWT, a session
//! cookie) is replaced, in every form [`Secrets`] finds, by `<issued-1>`, `<issued-2>`, … in the
//! order they first appear, the same each time: in the response that issued it, in every later
//! request that carries it (path, query, headers, body) and in any other response. Replay then
//! serves the placeholder as the token, and the plugin's `Authorization: Bearer <issued-1>`
//! matches the recorded one literally.
//!
//! **Request bodies** are stored as a form (a `application/x-www-form-urlencoded` content type,
//! or a body that parses as one and not as JSON), as JSON (one that parses as JSON), or as
//! text; the recorder removes secrets and personal data from each field.
//!
//! **Credential headers** (`authorization`, `proxy-authorization`, `cookie`) that hold no
//! credential the recorder knows keep their scheme: `Bearer <redacted>`, `Basic <redacted>`,
//! or `Bearer <issued-1>` when they carry an issued value; never a bare `<redacted>` when the
//! value had a scheme.

use std::collections::BTreeMap;

use plugin_contract::Secrets;
use serde_json::Value;

use crate::runtime::http::RawExchange;
use crate::runtime::issued::issued_values;
use crate::traffic::matching::{parse_form, REDACTED};

/// The placeholders of the values a recording's responses issue.
#[derive(Debug, Default)]
pub struct Placeholders {
    /// Each issued value's placeholder and every form of the value, in order of appearance.
    issued: Vec<(String, Secrets)>,
}

impl Placeholders {
    /// Numbers the values the responses of `raw` issue, in the order they first appear.
    pub fn of(raw: &[RawExchange]) -> Placeholders {
        let mut values: Vec<String> = Vec::new();
        for exchange in raw {
            let headers = exchange
                .response_headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()));
            for value in issued_values(headers, &exchange.body) {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        let issued = values
            .iter()
            .enumerate()
            .map(|(i, value)| {
                (
                    format!("<issued-{}>", i + 1),
                    Secrets::new([value.as_str()]),
                )
            })
            .collect();
        Placeholders { issued }
    }

    /// Returns `text` with every form of every issued value replaced by its placeholder.
    pub fn replace(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (placeholder, secrets) in &self.issued {
            if !secrets.found_in(&text) {
                continue;
            }
            // `<redacted>` already in the text stays as it is.
            text = text
                .split(REDACTED)
                .map(|piece| secrets.redact(piece).replace(REDACTED, placeholder))
                .collect::<Vec<_>>()
                .join(REDACTED);
        }
        text
    }

    /// Replaces the issued values in every string and object key of `value`.
    pub fn replace_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.replace(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.replace_value(item)),
            Value::Object(fields) => {
                let taken = std::mem::take(fields);
                for (key, mut item) in taken {
                    self.replace_value(&mut item);
                    fields.insert(self.replace(&key), item);
                }
            }
            _ => {}
        }
    }

    /// Returns a body with the issued values replaced: a JSON body value by value (so that no
    /// escape sequence is cut), any other as text.
    pub fn replace_body(&self, body: &[u8]) -> Vec<u8> {
        if self.issued.is_empty() {
            return body.to_vec();
        }
        let text = String::from_utf8_lossy(body);
        let (bom, json_text) = match text.strip_prefix('\u{feff}') {
            Some(rest) => ("\u{feff}", rest),
            None => ("", &*text),
        };
        match serde_json::from_str::<Value>(json_text) {
            Ok(mut json) => {
                self.replace_value(&mut json);
                format!("{bom}{json}").into_bytes()
            }
            Err(_) => self.replace(&text).into_bytes(),
        }
    }

    /// Returns a raw (percent-encoded) URL path with the issued values replaced by their
    /// placeholders, percent-encoded as a client sends them (`%3Cissued-1%3E`).
    pub fn replace_in_path(&self, path: &str) -> String {
        let mut path = self.replace(path);
        for (placeholder, _) in &self.issued {
            let encoded = placeholder.replace('<', "%3C").replace('>', "%3E");
            path = path.replace(placeholder.as_str(), &encoded);
        }
        path
    }

    /// Tells whether `text` holds a placeholder.
    pub fn in_text(&self, text: &str) -> bool {
        self.issued.iter().any(|(p, _)| text.contains(p.as_str()))
    }
}

/// A request body as sent, before secrets and personal data are removed.
#[derive(Clone, Debug, PartialEq)]
pub enum SentBody {
    /// A form, decoded.
    Form(BTreeMap<String, String>),
    /// JSON.
    Json(Value),
    /// Anything else.
    Text(String),
}

/// Reads a request body as a form, JSON or text (see the module docs); `None` when empty.
pub fn sent_body(body: &[u8], headers: &BTreeMap<String, String>) -> Option<SentBody> {
    if body.is_empty() {
        return None;
    }
    let content_type = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.to_ascii_lowercase())
        .unwrap_or_default();
    let form = || parse_form(body).map(SentBody::Form);
    if content_type.starts_with("application/x-www-form-urlencoded") {
        if let Some(form) = form() {
            return Some(form);
        }
    }
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        return Some(SentBody::Json(json));
    }
    form().or_else(|| Some(SentBody::Text(String::from_utf8_lossy(body).into_owned())))
}

/// What a credential header that holds no known credential is recorded as: its scheme kept
/// (`Bearer <redacted>`), `<redacted>` whole when it has none.
pub fn credential_header(value: &str) -> String {
    let trimmed = value.trim();
    match trimmed.split_once(' ') {
        Some((scheme, rest))
            if !rest.trim().is_empty()
                && !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_exchange(body: &str) -> RawExchange {
        RawExchange {
            method: "POST".into(),
            url: "https://v.example/oauth/token".into(),
            request_headers: BTreeMap::new(),
            request_body: Vec::new(),
            status: 200,
            response_headers: BTreeMap::from([(
                "set-cookie".to_owned(),
                "sid=c00kie-1234; Path=/".to_owned(),
            )]),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn issued_values_get_numbered_placeholders_in_order_of_first_appearance() {
        let placeholders = Placeholders::of(&[
            token_exchange(r#"{"access_token":"tok\/1+x-abcd","refresh_token":"r-2-abcdef"}"#),
            token_exchange(r#"{"access_token":"tok/1+x-abcd"}"#),
        ]);
        assert_eq!(
            placeholders.replace("Bearer tok/1+x-abcd; r-2-abcdef; sid=c00kie-1234; <redacted>"),
            "Bearer <issued-2>; <issued-3>; sid=<issued-1>; <redacted>"
        );
        assert_eq!(
            placeholders.replace("t=tok%2F1%2Bx-abcd"),
            "t=<issued-2>",
            "a percent-encoded form"
        );
        let body = placeholders.replace_body(br#"{"access_token":"tok\/1+x-abcd"}"#);
        assert_eq!(body, br#"{"access_token":"<issued-2>"}"#);
    }

    #[test]
    fn a_body_is_a_form_json_or_text() {
        let form_type = BTreeMap::from([(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )]);
        let none = BTreeMap::new();
        assert_eq!(
            sent_body(b"a=1&b=x+y", &form_type),
            Some(SentBody::Form(BTreeMap::from([
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "x y".to_owned())
            ])))
        );
        assert_eq!(
            sent_body(br#"{"a":"b=c"}"#, &none),
            Some(SentBody::Json(serde_json::json!({"a": "b=c"})))
        );
        assert!(matches!(sent_body(b"a=1", &none), Some(SentBody::Form(_))));
        assert_eq!(
            sent_body(b"hello", &none),
            Some(SentBody::Text("hello".into()))
        );
        assert_eq!(sent_body(b"", &none), None);
    }

    #[test]
    fn a_credential_header_keeps_its_scheme() {
        assert_eq!(credential_header("Bearer abc.def"), "Bearer <redacted>");
        assert_eq!(credential_header("Basic dXNlcjpw"), "Basic <redacted>");
        assert_eq!(credential_header("abc"), REDACTED);
        assert_eq!(credential_header("sid=1; x=2"), REDACTED);
    }
}
