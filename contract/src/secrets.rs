//! Finding and removing a secret in every form it may take on the way out.
//!
//! A plugin trims what the MSP typed before sending it, and a vendor may echo a key back in many
//! forms: URL-encoded once or twice, every byte percent-encoded, in base64 inside a longer
//! base64 string (`Basic base64("user:" + key)`), in hex, as HTML character references, or in a
//! JSON string that escapes quotes, backslashes and any character. Looking for the raw value
//! alone misses all of these, so [`Secrets`] looks, for each secret (trimmed of surrounding
//! white space: every form of the typed value holds a form of the trimmed one), for:
//!
//! - the value with each character written as itself or in any encoding of it, mixed freely:
//!   each byte raw, as `%HH` (either case) percent-encoded any number of times (`%52`,
//!   `%2552`, `%252552`); a space as `+`; the character as an HTML reference
//!   (`&#82;`, `&#x52;`, `&#X0052;`, `&quot;` and the other four of XML, with the `&` itself
//!   escaped any number of times: `&amp;#82;`), or as a backslash escape (`\"`, `\/`, `\n`,
//!   `\u0052`, a surrogate pair) behind any run of backslashes (JSON inside JSON).
//!   This is a scan, not a list of forms built up front: raw matches are found with the
//!   standard library's substring search, and the other matches from each `%`, `&`, `\` or
//!   `+` in the text (where the first encoded character of a match starts), so the cost stays
//!   close to linear in the text;
//! - its hex, all lowercase or all uppercase;
//! - its base64 and base64url at each of the three alignments a longer string may put it at:
//!   for each, the characters that only the secret's own bits decide (the *stable middle*); a
//!   match is widened to the one partial character on each side and the `=` padding after it,
//!   so `Basic base64("user:" + key)` loses every character that carries a bit of the key.
//!
//! Hex and base64 forms are strings other than the secret, which unrelated text may hold by
//! chance; they are looked for only when at least [`MIN_DERIVED_LEN`] characters long (8: a
//! chance match at a given place is about 1 in 4·10⁹ for hex and 1 in 3·10¹⁴ for base64), that
//! is for secrets of 4 bytes or more in hex and, in base64 at any alignment, of 7 bytes or
//! more. A shorter secret is still found in base64 when it is encoded alone (its whole
//! encoding, padded or not).
//!
//! Not covered: base64 broken into lines (MIME), mixed-case hex, and encodings stacked in other
//! orders than above (an HTML reference inside percent-encoding, base64 of the percent-encoded
//! value).
//!
//! Plugins use it on their own outputs (`export_plugin!` does so for Rust plugins); hosts use it on
//! everything they print or store.

use std::borrow::Cow;
use std::ops::Range;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The fewest characters a hex or base64 form must have to be looked for (see the module docs).
pub const MIN_DERIVED_LEN: usize = 8;

/// The secret values of one call, in every form they may take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Each secret, trimmed of surrounding white space.
    values: Vec<String>,
    /// The strings looked for as they are: each secret, its hex and its base64.
    derived: Vec<Derived>,
}

/// A string looked for as it is (a secret, its hex or base64), and how far a match of it is
/// widened.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Derived {
    text: String,
    /// Whether it is base64, which a match widens to the `=` padding after it.
    base64: bool,
    /// Whether the base64 character before the form carries bits of the secret too.
    lead: bool,
    /// Whether the base64 character after the form carries bits of the secret too.
    trail: bool,
}

impl Secrets {
    /// Collects every form of the non-blank `values`.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        // One non-generic body, whatever the iterator: a copy per caller would cost wasm size.
        Secrets::of(&values.into_iter().collect::<Vec<&str>>())
    }

    /// Collects every form of the non-blank `values`.
    fn of(values: &[&str]) -> Secrets {
        let mut secrets = Secrets::default();
        for value in values {
            secrets.add(value);
        }
        secrets
    }

    /// Adds every form of `value`, trimmed; a blank value changes nothing.
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        self.values.push(value.to_owned());
        self.derived.push(Derived {
            text: value.to_owned(),
            base64: false,
            lead: false,
            trail: false,
        });
        add_derived_forms(value.as_bytes(), &mut self.derived);
    }

    /// Tells whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Tells whether `text` holds any form of any secret.
    pub fn found_in(&self, text: &str) -> bool {
        self.each_match(text, &mut |_| true)
    }

    /// Calls `found` with the range of each form of each secret in `text`, in no set order,
    /// until it returns `true`; returns whether it did.
    fn each_match(&self, text: &str, found: &mut dyn FnMut(Range<usize>) -> bool) -> bool {
        self.values
            .iter()
            .any(|value| find_encoded(value, text, found))
            || self
                .derived
                .iter()
                .any(|form| find_derived(form, text, found))
    }

    /// Replaces every form of every secret in `text` with [`REDACTED`].
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.covered(text) {
            Some(covered) => Cow::Owned(splice(text, &covered)),
            None => Cow::Borrowed(text),
        }
    }

    /// Tells which bytes of `text` some form of some secret covers; `None` when none does.
    fn covered(&self, text: &str) -> Option<Vec<bool>> {
        // Forms are found in no set order, and may overlap.
        let mut covered: Vec<bool> = Vec::new();
        self.each_match(text, &mut |range| {
            covered.resize(text.len(), false);
            covered[range].fill(true);
            false
        });
        (!covered.is_empty()).then_some(covered)
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

    /// Redacts the inside of one JSON string literal, each escape sequence whole or not at
    /// all (a form found across an escape sequence must not leave a broken escape behind).
    fn redact_literal<'t>(&self, inside: &'t str) -> Cow<'t, str> {
        let Some(mut covered) = self.covered(inside) else {
            return Cow::Borrowed(inside);
        };
        let bytes = inside.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let len = match (bytes[at], bytes.get(at + 1)) {
                // A surrogate pair is one sequence: half of one is not JSON a parser takes.
                (b'\\', Some(b'u')) if unit(bytes, at + 2).is_some_and(|u| u >> 10 == 0x36) => 12,
                (b'\\', Some(b'u')) => 6,
                (b'\\', _) => 2,
                _ => 1,
            };
            let end = (at + len).min(bytes.len());
            if covered[at..end].contains(&true) {
                covered[at..end].fill(true);
            }
            at = end;
        }
        Cow::Owned(splice(inside, &covered))
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

/// Returns `text` with each run of `covered` bytes replaced with [`REDACTED`].
fn splice(text: &str, covered: &[bool]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let run = covered[at..]
            .iter()
            .take_while(|&&c| c == covered[at])
            .count();
        out.push_str(if covered[at] {
            REDACTED
        } else {
            &text[at..at + run]
        });
        at += run;
    }
    out
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

/// Finds `value` in `text` with each character written as itself or in any encoding the module
/// docs list; calls `found` with each match until it returns `true`, and returns whether it did.
///
/// Raw matches are left to [`find_derived`], with the standard library's fast search.
fn find_encoded(value: &str, text: &str, found: &mut dyn FnMut(Range<usize>) -> bool) -> bool {
    // A match has a first encoded character, which starts with one of these bytes
    // after a raw prefix of the value: each is a place to start from.
    let (key, bytes) = (value.as_bytes(), text.as_bytes());
    // The bytes of the value: a raw prefix can only end before a trigger with one of them.
    let mut in_key = [false; 256];
    key.iter().for_each(|&b| in_key[usize::from(b)] = true);
    let plus = in_key[usize::from(b' ')];
    let mut scratch = (Vec::new(), Vec::new());
    for (p, &b) in bytes.iter().enumerate() {
        if !(b == b'%' || b == b'&' || b == b'\\' || (b == b'+' && plus)) {
            continue;
        }
        let before = p.checked_sub(1).map(|i| bytes[i]);
        let longest = match before {
            Some(b) if in_key[usize::from(b)] => key.len().min(p),
            _ => 0,
        };
        for i in 0..=longest {
            let raw_prefix = i == 0
                || (Some(key[i - 1]) == before
                    && value.is_char_boundary(i)
                    && bytes[p - i..p] == key[..i]);
            if raw_prefix {
                if let Some(end) = match_from(&value[i..], bytes, p, &mut scratch) {
                    if found(p - i..end) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// Returns the furthest end of `rest` written from `start` in `text` in any mix of encodings;
/// `scratch` is room for the work, kept from call to call.
fn match_from(
    rest: &str,
    text: &[u8],
    start: usize,
    (ends, next): &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    // The places each prefix of `rest` may end at: one character at a time, without revisiting.
    ends.clear();
    ends.push(start);
    for c in rest.chars() {
        next.clear();
        for &at in ends.iter() {
            char_ends(text, at, c, next);
        }
        if next.is_empty() {
            return None;
        }
        std::mem::swap(ends, next);
    }
    ends.iter().copied().max()
}

/// Adds to `ends` every place where a form of `c` starting at `at` in `text` ends.
fn char_ends(text: &[u8], at: usize, c: char, ends: &mut Vec<usize>) {
    let mut utf8 = [0; 4];
    byte_ends(text, at, c.encode_utf8(&mut utf8).as_bytes(), ends);
    match text.get(at) {
        Some(b'+') if c == ' ' => push(ends, at + 1),
        Some(b'&') => reference_ends(text, at, c, ends),
        Some(b'\\') => escape_ends(text, at, c, ends),
        _ => {}
    }
}

/// Adds to `ends` every place where `bytes` written from `at` end, each byte raw, as `%HH`
/// percent-encoded any number of times.
fn byte_ends(text: &[u8], at: usize, bytes: &[u8], ends: &mut Vec<usize>) {
    let Some((&byte, rest)) = bytes.split_first() else {
        push(ends, at);
        return;
    };
    if text.get(at) == Some(&byte) {
        byte_ends(text, at + 1, rest, ends);
    }
    if text.get(at) == Some(&b'%') {
        // `%` then `25` once per extra round of encoding, then the byte's two digits.
        let mut q = at + 1;
        loop {
            if hex_byte(text, q) == Some(byte) {
                byte_ends(text, q + 2, rest, ends);
            }
            if text.get(q..q + 2) != Some(b"25") {
                break;
            }
            q += 2;
        }
    }
}

/// Adds to `ends` the end of each HTML character reference to `c` at `at` (an `&`, itself
/// written as `&amp;` any number of times).
fn reference_ends(text: &[u8], at: usize, c: char, ends: &mut Vec<usize>) {
    const NAMED: [(&[u8], char); 5] = [
        (b"quot;", '"'),
        (b"amp;", '&'),
        (b"lt;", '<'),
        (b"gt;", '>'),
        (b"apos;", '\''),
    ];
    let mut q = at + 1;
    loop {
        let rest = &text[q.min(text.len())..];
        if let Some(digits) = rest.strip_prefix(b"#") {
            let (radix, digits, skip) = match digits.first() {
                Some(b'x' | b'X') => (16, &digits[1..], 2),
                _ => (10, digits, 1),
            };
            let (code, len) = number(digits, radix);
            if len > 0 && digits.get(len) == Some(&b';') && code == Some(u32::from(c)) {
                push(ends, q + skip + len + 1);
            }
        }
        for (name, named) in NAMED {
            if named == c && rest.starts_with(name) {
                push(ends, q + name.len());
            }
        }
        if !rest.starts_with(b"amp;") {
            break;
        }
        q += 4;
    }
}

/// Adds to `ends` the end of each backslash escape of `c` at `at`, behind any run of
/// backslashes: `\\` (the character itself), `\"` and any punctuation, `\n` and the other
/// short JSON escapes, and `\uXXXX` (a surrogate pair beyond the BMP).
fn escape_ends(text: &[u8], at: usize, c: char, ends: &mut Vec<usize>) {
    let q = after_backslashes(text, at);
    if c == '\\' {
        // A backslash escaped once more each time: 1, 2, 4, … of them.
        let mut run = 1;
        while at + run <= q {
            push(ends, at + run);
            run *= 2;
        }
    }
    let short = match c {
        '\\' => None,
        '\n' => Some(b'n'),
        '\t' => Some(b't'),
        '\r' => Some(b'r'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        c if c.is_ascii_punctuation() => Some(c as u8),
        _ => None,
    };
    match text.get(q) {
        Some(&b) if Some(b) == short => push(ends, q + 1),
        Some(b'u') => {
            let mut units = [0; 2];
            let units = c.encode_utf16(&mut units);
            let first = unit(text, q + 1);
            if units.len() == 1 && first == Some(units[0]) {
                push(ends, q + 5);
            } else if units.len() == 2 && first == Some(units[0]) {
                let low = after_backslashes(text, q + 5);
                if low > q + 5
                    && text.get(low) == Some(&b'u')
                    && unit(text, low + 1) == Some(units[1])
                {
                    push(ends, low + 5);
                }
            }
        }
        _ => {}
    }
}

/// Returns the offset past the run of backslashes at `at`, of at most [`MAX_BACKSLASHES`].
#[inline(never)]
fn after_backslashes(text: &[u8], at: usize) -> usize {
    at + text[at.min(text.len())..]
        .iter()
        .take(MAX_BACKSLASHES)
        .take_while(|&&b| b == b'\\')
        .count()
}

/// The longest run of backslashes an escape is read behind: 63 is a JSON string escaped six
/// times over; a longer run is not read, so that a text of backslashes costs linear time.
const MAX_BACKSLASHES: usize = 64;

/// Reads the number of up to 8 digits in `radix` at the start of `digits`; returns it (`None`
/// when there are more digits) and how many digits there are.
#[inline(never)]
fn number(digits: &[u8], radix: u32) -> (Option<u32>, usize) {
    let mut value = 0;
    let mut len = 0;
    while let Some(digit) = digits.get(len).and_then(|b| char::from(*b).to_digit(radix)) {
        value = value * radix + digit;
        len += 1;
        if len > 8 {
            return (None, len);
        }
    }
    (Some(value), len)
}

/// Reads the four hex digits of a UTF-16 unit at `at`.
fn unit(text: &[u8], at: usize) -> Option<u16> {
    let digits = text.get(at..at + 4)?;
    match number(digits, 16) {
        (Some(code), 4) => u16::try_from(code).ok(),
        _ => None,
    }
}

/// Reads the byte written as two hex digits (either case) at `at`.
fn hex_byte(text: &[u8], at: usize) -> Option<u8> {
    match number(text.get(at..at + 2)?, 16) {
        (Some(code), 2) => u8::try_from(code).ok(),
        _ => None,
    }
}

/// Adds `end` to `ends` unless it is there already.
fn push(ends: &mut Vec<usize>, end: usize) {
    if !ends.contains(&end) {
        ends.push(end);
    }
}

/// Finds `form` in `text`, each match widened as [`Derived`] says; calls `found` with each
/// until it returns `true`, and returns whether it did.
fn find_derived(form: &Derived, text: &str, found: &mut dyn FnMut(Range<usize>) -> bool) -> bool {
    let bytes = text.as_bytes();
    let base64_at = |at: usize| {
        bytes
            .get(at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"+/-_".contains(b))
    };
    for (at, _) in text.match_indices(form.text.as_str()) {
        let mut range = at..at + form.text.len();
        if form.lead && range.start > 0 && base64_at(range.start - 1) {
            range.start -= 1;
        }
        if form.trail && base64_at(range.end) {
            range.end += 1;
        }
        let padding = range.end + 2;
        while form.base64 && range.end < padding && bytes.get(range.end) == Some(&b'=') {
            range.end += 1;
        }
        if found(range) {
            return true;
        }
    }
    false
}

/// Adds to `forms` the hex and base64 forms of `value` worth looking for (see the module docs).
fn add_derived_forms(value: &[u8], forms: &mut Vec<Derived>) {
    if value.len() * 2 >= MIN_DERIVED_LEN {
        for digits in [b"0123456789abcdef", b"0123456789ABCDEF"] {
            let mut text = String::with_capacity(value.len() * 2);
            for b in value {
                text.push(char::from(digits[usize::from(b >> 4)]));
                text.push(char::from(digits[usize::from(b & 15)]));
            }
            forms.push(Derived {
                text,
                base64: false,
                lead: false,
                trail: false,
            });
        }
    }
    for url in [false, true] {
        for offset in 0..3 {
            // The secret after `offset` other bytes: character `i` holds bits 6i..6i+6, and the
            // secret's bits are 8·offset..8·(offset + len).
            let (first_bit, end_bit) = (8 * offset, 8 * (offset + value.len()));
            let (first, end) = (first_bit.div_ceil(6), end_bit / 6);
            let mut shifted = vec![0; offset];
            shifted.extend_from_slice(value);
            let encoded = crate::encoding::base64_with(&shifted, url);
            let (text, lead, trail) = if end >= first + MIN_DERIVED_LEN {
                (&encoded[first..end], first_bit % 6 != 0, end_bit % 6 != 0)
            } else if offset == 0 {
                // Too short to be looked for inside a longer string: its own whole encoding.
                (encoded.trim_end_matches('='), false, false)
            } else {
                continue;
            };
            forms.push(Derived {
                text: text.to_owned(),
                base64: true,
                lead,
                trail,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{base64, percent_encode};

    /// Returns `text` as it appears inside a JSON string literal written by serde_json.
    fn json_escape(text: &str) -> String {
        let quoted = serde_json::to_string(text).unwrap();
        quoted[1..quoted.len() - 1].to_owned()
    }

    /// Encodes `bytes` in base64url with padding (RFC 4648 §5).
    fn base64_url(bytes: &[u8]) -> String {
        base64(bytes).replace('+', "-").replace('/', "_")
    }

    /// Asserts that `secrets` find `form` inside a sentence and redact it whole.
    fn assert_redacted_whole(secrets: &Secrets, form: &str) {
        let text = format!("before {form} after");
        assert!(secrets.found_in(&text), "{form}");
        assert_eq!(secrets.redact(&text), "before <redacted> after", "{form}");
    }

    /// Writes every byte of `text` as `%HH` in `digits`.
    fn every_byte_percent_encoded(text: &str, digits: &[u8; 16]) -> String {
        text.bytes()
            .map(|b| {
                let (high, low) = (digits[usize::from(b >> 4)], digits[usize::from(b & 15)]);
                format!("%{}{}", char::from(high), char::from(low))
            })
            .collect()
    }

    #[test]
    fn every_form_of_a_padded_key_is_redacted() {
        let secrets = Secrets::new(["  k+y/é \"q\"  "]);
        let trimmed = "k+y/é \"q\"";
        for form in [
            trimmed.to_owned(),
            percent_encode(trimmed),
            percent_encode(trimmed)
                .to_lowercase()
                .replace("%c3%a9", "%C3%a9"),
            percent_encode(trimmed).replace("%20", "+"),
            base64(trimmed.as_bytes()),
            base64_url(trimmed.as_bytes())
                .trim_end_matches('=')
                .to_owned(),
            json_escape(trimmed),
        ] {
            assert_redacted_whole(&secrets, &form);
        }
    }

    #[test]
    fn a_key_percent_encoded_twice_or_byte_by_byte_is_redacted() {
        let key = "RT-k3y/ü";
        let secrets = Secrets::new([key]);
        for form in [
            percent_encode(&percent_encode(key)),
            percent_encode(&percent_encode(&percent_encode(key))),
            every_byte_percent_encoded(key, b"0123456789ABCDEF"),
            every_byte_percent_encoded(key, b"0123456789abcdef"),
            percent_encode(&every_byte_percent_encoded(key, b"0123456789ABCDEF")),
            format!(
                "RT{}",
                &every_byte_percent_encoded(key, b"0123456789abcdef")[6..]
            ),
        ] {
            assert_redacted_whole(&secrets, &form);
        }
    }

    #[test]
    fn a_key_in_hex_is_redacted_in_either_case() {
        let key = "Rt/k3y";
        let secrets = Secrets::new([key]);
        let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        assert_redacted_whole(&secrets, &hex);
        assert_redacted_whole(&secrets, &hex.to_uppercase());
    }

    #[test]
    fn a_key_as_html_character_references_is_redacted() {
        let key = "R\"t<&k3y>é";
        let secrets = Secrets::new([key]);
        let decimal: String = key
            .chars()
            .map(|c| format!("&#{};", u32::from(c)))
            .collect();
        let hex: String = key
            .chars()
            .map(|c| format!("&#x{:X};", u32::from(c)))
            .collect();
        let padded: String = key
            .chars()
            .map(|c| format!("&#X{:06x};", u32::from(c)))
            .collect();
        let named = "R&quot;t&lt;&amp;k3y&gt;é";
        for form in [decimal.clone(), hex, padded, named.to_owned()] {
            assert_redacted_whole(&secrets, &form);
        }
        assert_redacted_whole(&secrets, &decimal.replace('&', "&amp;"));
        assert_redacted_whole(&secrets, &named.replace('&', "&amp;"));
    }

    #[test]
    fn a_key_escaped_as_json_debug_or_json_inside_json_is_redacted() {
        let key = "R\"t\\k3y/é😀";
        let secrets = Secrets::new([key]);
        let once = serde_json::to_string(key).unwrap();
        let twice = serde_json::to_string(&once).unwrap();
        let unicode: String = key
            .encode_utf16()
            .map(|unit| format!("\\u{unit:04X}"))
            .collect();
        for form in [
            &once[1..once.len() - 1],
            &twice[1..twice.len() - 1],
            &format!("{key:?}")[1..],
            &unicode,
            &key.replace('/', "\\/"),
        ] {
            let text = format!("before {form} after");
            assert!(secrets.found_in(&text), "{form}");
            assert!(!secrets.found_in(&secrets.redact(&text)), "{form}");
        }
    }

    #[test]
    fn base64_of_the_key_after_a_prefix_is_redacted_at_every_alignment() {
        let key = "k3y-Of+Some/Length";
        let secrets = Secrets::new([key]);
        for prefix in ["", "u", "us", "user:", "user:x", "user:xy"] {
            for suffix in ["", ":", "ab", "abc"] {
                let plain = format!("{prefix}{key}{suffix}");
                for encoded in [base64(plain.as_bytes()), base64_url(plain.as_bytes())] {
                    let text = format!("Basic {encoded}.");
                    assert!(secrets.found_in(&text), "{prefix} {suffix}: {text}");
                    let redacted = secrets.redact(&text);
                    // What only the prefix's bits decide stays; every character that carries
                    // a bit of the key goes.
                    let kept = prefix.len() * 8 / 6;
                    assert!(
                        redacted.starts_with(&format!("Basic {}<redacted>", &encoded[..kept])),
                        "{prefix} {suffix}: {redacted}"
                    );
                    assert!(!secrets.found_in(&redacted), "{redacted}");
                }
            }
        }
    }

    #[test]
    fn short_keys_are_not_looked_for_in_hex_or_inside_base64() {
        // "Kq" is "4b71" in hex and `eEtx` after an `x` in base64: forms this short would
        // match unrelated text. Its own whole base64 is still looked for.
        let secrets = Secrets::new(["Kq"]);
        assert_eq!(secrets.redact("id 4b71, eEtx"), "id 4b71, eEtx");
        assert_eq!(secrets.redact("b64 S3E= ok"), "b64 <redacted> ok");
    }

    #[test]
    fn long_runs_of_escape_characters_are_scanned_in_linear_time() {
        let secrets = Secrets::new(["a\\%&+ b"]);
        let started = std::time::Instant::now();
        for unit in ["\\", "%25", "&amp;", "+", "a\\%&+"] {
            let text = unit.repeat(200_000);
            assert!(!secrets.found_in(&text), "{unit}");
        }
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
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
        for secret in ["n", "u0041", "\\", "D83D", "uDE00"] {
            let secrets = Secrets::new([secret]);
            let json = r#"{"a":"x\n\u0001\\y\uD83D\uDE00"}"#;
            let redacted = secrets.redact_json(json);
            let parsed: serde_json::Value = serde_json::from_str(&redacted).expect(&redacted);
            assert!(
                !parsed["a"].as_str().unwrap().contains(secret),
                "{secret}: {redacted}"
            );
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
