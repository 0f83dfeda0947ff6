//! Finding and removing a secret in every form it may take on the way out.
//!
//! A plugin trims what the MSP typed before sending it, a vendor may echo a key back URL-encoded
//! or in base64, and JSON escapes quotes and backslashes. Looking for the raw value alone misses
//! all of these, so [`Secrets`] derives, for each secret, every variant that may be sent (as
//! typed, trimmed) in every encoding it may be seen in (raw, percent-encoded with upper- or
//! lowercase hex and with `+` for spaces, base64 and base64url with and without padding), and
//! looks for each of them, JSON-escaped too where the text is JSON.
//!
//! Plugins use it on their own outputs (`export_plugin!` does so for Rust plugins); hosts use it on
//! everything they print or store.

use std::borrow::Cow;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The secret values of one call, in every form they may take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Every form of every secret, longest first so that a longer form is replaced whole.
    forms: Vec<String>,
}

impl Secrets {
    /// Collects every form of the non-blank `values`.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        // One non-generic body, whatever the iterator: a copy per caller would cost wasm size.
        Secrets::of(&values.into_iter().collect::<Vec<&str>>())
    }

    /// Collects every form of the non-blank `values`.
    fn of(values: &[&str]) -> Secrets {
        let mut forms = Vec::new();
        for &value in values {
            for variant in [value, value.trim()] {
                if variant.trim().is_empty() {
                    continue;
                }
                forms.push(variant.to_owned());
                forms.push(percent_encode(variant));
                forms.push(percent_encode_with(variant, b"0123456789abcdef", false));
                forms.push(percent_encode_with(variant, b"0123456789ABCDEF", true));
                for alphabet in [BASE64, BASE64_URL] {
                    let encoded = base64_with(variant.as_bytes(), alphabet);
                    forms.push(encoded.trim_end_matches('=').to_owned());
                    forms.push(encoded);
                }
            }
        }
        let escaped: Vec<String> = forms.iter().map(|form| json_escape(form)).collect();
        forms.extend(escaped);
        forms.retain(|form| !form.is_empty());
        crate::order::sort_by(&mut forms, |a, b| {
            b.len().cmp(&a.len()).then_with(|| a.cmp(b))
        });
        forms.dedup();
        Secrets { forms }
    }

    /// Tells whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// Tells whether `text` holds any form of any secret.
    pub fn found_in(&self, text: &str) -> bool {
        self.forms.iter().any(|form| text.contains(form.as_str()))
    }

    /// Replaces every form of every secret in `text` with [`REDACTED`].
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for form in &self.forms {
            if text.contains(form.as_str()) {
                text = Cow::Owned(text.replace(form.as_str(), REDACTED));
            }
        }
        text
    }

    /// Redacts secrets inside the string values of a JSON document as serde_json writes it,
    /// leaving its structure as it is: object keys (the contract's field names, which a short
    /// secret could otherwise match) and numbers are never touched.
    pub fn redact_json(&self, json: &str) -> String {
        if !self.found_in(json) {
            return json.to_owned();
        }
        let mut out = String::with_capacity(json.len());
        let mut rest = json;
        while let Some(open) = rest.find('"') {
            out.push_str(&rest[..=open]);
            let literal = &rest[open + 1..];
            let close = literal_end(literal);
            let is_key = literal[close..]
                .get(1..)
                .is_some_and(|after| after.trim_start().starts_with(':'));
            if is_key {
                out.push_str(&literal[..close]);
            } else {
                out.push_str(&self.redact_literal(&literal[..close]));
            }
            rest = &literal[close..];
            if let Some(after) = rest.strip_prefix('"') {
                out.push('"');
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }

    /// Redacts the inside of one JSON string literal, decoding it first if it holds escapes
    /// (a form found across an escape sequence must not leave a broken escape behind).
    fn redact_literal<'t>(&self, inside: &'t str) -> Cow<'t, str> {
        if !inside.contains('\\') {
            return self.redact(inside);
        }
        let Some(decoded) = json_unescape(inside) else {
            return self.redact(inside);
        };
        match self.redact(&decoded) {
            Cow::Borrowed(_) => Cow::Borrowed(inside),
            Cow::Owned(redacted) => Cow::Owned(json_escape(&redacted)),
        }
    }

    /// Redacts every string (and object key) of a JSON value in place.
    pub fn redact_value(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(text) => {
                if let Cow::Owned(redacted) = self.redact(text) {
                    *text = redacted;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.redact_value(item)),
            Value::Object(fields) => {
                let taken = std::mem::take(fields);
                for (key, mut item) in taken {
                    self.redact_value(&mut item);
                    fields.insert(self.redact(&key).into_owned(), item);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Returns the byte offset of the quote closing a JSON string literal that starts at `literal`.
fn literal_end(literal: &str) -> usize {
    let bytes = literal.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    literal.len()
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes `bytes` in standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    base64_with(bytes, BASE64)
}

/// Encodes `bytes` in base64 with padding, in `alphabet`.
fn base64_with(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes `text` with uppercase hex (RFC 3986 unreserved characters pass).
pub fn percent_encode(text: &str) -> String {
    percent_encode_with(text, b"0123456789ABCDEF", false)
}

/// Percent-encodes `text` with `hex` digits, optionally spaces as `+`.
fn percent_encode_with(text: &str, hex: &[u8; 16], plus_for_space: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else if byte == b' ' && plus_for_space {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(hex[usize::from(byte >> 4)]));
            out.push(char::from(hex[usize::from(byte & 15)]));
        }
    }
    out
}

/// Returns `text` as it appears inside a JSON string literal written by serde_json.
/// Decodes the inside of a JSON string literal (RFC 8259 §7); `None` when an escape is invalid.
///
/// Written here rather than borrowed from serde_json: its string deserializer would add some
/// 4 KB to every plugin's wasm for this one use.
fn json_unescape(inside: &str) -> Option<String> {
    let mut out = String::with_capacity(inside.len());
    let mut chars = inside.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let first = hex4(&mut chars)?;
                let code = if (0xD800..0xDC00).contains(&first) {
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let second = hex4(&mut chars)?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return None;
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else {
                    first
                };
                char::from_u32(code)?
            }
            _ => return None,
        };
        out.push(escaped);
    }
    Some(out)
}

/// Reads the four hex digits of a `\\u` escape.
fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut code = 0;
    for _ in 0..4 {
        code = code * 16 + chars.next()?.to_digit(16)?;
    }
    Some(code)
}

fn json_escape(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64_with(&[0xfb, 0xff], BASE64_URL), "-_8=");
    }

    #[test]
    fn every_form_of_a_padded_key_is_redacted() {
        let secrets = Secrets::new(["  k+y/é \"q\"  "]);
        let trimmed = "k+y/é \"q\"";
        for form in [
            trimmed.to_owned(),
            percent_encode(trimmed),
            percent_encode_with(trimmed, b"0123456789abcdef", false),
            percent_encode_with(trimmed, b"0123456789ABCDEF", true),
            base64(trimmed.as_bytes()),
            base64_with(trimmed.as_bytes(), BASE64_URL)
                .trim_end_matches('=')
                .to_owned(),
            json_escape(trimmed),
        ] {
            let text = format!("before {form} after");
            assert!(secrets.found_in(&text), "{form}");
            assert_eq!(secrets.redact(&text), "before <redacted> after", "{form}");
        }
    }

    #[test]
    fn json_redaction_touches_string_values_only() {
        let secrets = Secrets::new(["7"]);
        let json = r#"{"quantity":7,"name":"Room 7","key7" : ["a\\7"]}"#;
        assert_eq!(
            secrets.redact_json(json),
            r#"{"quantity":7,"name":"Room <redacted>","key7" : ["a\\<redacted>"]}"#
        );
    }

    #[test]
    fn json_redaction_never_leaves_a_broken_escape() {
        for secret in ["n", "u0041", "\\"] {
            let secrets = Secrets::new([secret]);
            let json = serde_json::to_string(&serde_json::json!({"a": "x\n\u{1}\\y"})).unwrap();
            let redacted = secrets.redact_json(&json);
            let parsed: serde_json::Value = serde_json::from_str(&redacted).expect(&redacted);
            assert!(
                !parsed["a"].as_str().unwrap().contains(secret),
                "{secret}: {redacted}"
            );
        }
    }

    #[test]
    fn json_string_escapes_decode_as_serde_json_decodes_them() {
        for text in ["plain", "a\"b\\c/d", "\u{8}\u{c}\n\r\t\u{1}", "é ü 中 😀"] {
            let literal = serde_json::to_string(text).unwrap();
            let inside = &literal[1..literal.len() - 1];
            assert_eq!(json_unescape(inside).as_deref(), Some(text), "{literal}");
        }
        assert_eq!(
            json_unescape(r"\u00e9\ud83d\ude00\/").as_deref(),
            Some("é😀/")
        );
        for bad in [
            r"\x",
            r"\u12",
            r"\u+123",
            r"\ud83d",
            r"\ud83dx",
            r"\ud83d\u0041",
            "end\\",
        ] {
            assert_eq!(json_unescape(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_escaped_secrets_are_found_in_json_text() {
        let secrets = Secrets::new(["a\"b\\c"]);
        let json = serde_json::to_string(&serde_json::json!({"echo": "x a\"b\\c y"})).unwrap();
        assert_eq!(secrets.redact_json(&json), r#"{"echo":"x <redacted> y"}"#);
    }

    #[test]
    fn values_are_redacted_in_keys_and_nested_strings() {
        let secrets = Secrets::new(["hunter22"]);
        let mut value = serde_json::json!({"hunter22": [{"x": "aHVudGVyMjI="}], "n": 1});
        secrets.redact_value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"<redacted>": [{"x": "<redacted>"}], "n": 1})
        );
    }

    #[test]
    fn blank_secrets_are_not_looked_for() {
        assert!(Secrets::new(["", "   "]).is_empty());
    }
}
