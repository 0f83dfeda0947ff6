//! Finds where the entries of a JSON list, and the members of a JSON object, begin and end,
//! without parsing them.
//!
//! serde_json reads a document as one value, so one odd spot anywhere in it fails the whole
//! read: a number out of range (`1e309`), a string that is not UTF-8, or a value nested deeper
//! than its recursion limit (128). In a customer list, one such customer would make every other
//! customer unreadable. This scanner only delimits: it walks the bytes once, skipping strings
//! (with their escapes) and counting bracket depth with a counter. It never recurses, never
//! copies the body, and allocates only one small buffer, reused from entry to entry, for the
//! members of an object entry. It hands back the raw byte slice of each entry and of each
//! `(key, value)` member; each field the plugin reads is then parsed from its own slice with
//! serde_json, so what cannot be read fails for that field or that entry alone.
//!
//! The scanner checks the structure it walks (the list's brackets and commas, an object's keys,
//! colons and commas) but not the inside of the values it skips: an entry is only as valid as
//! the fields read from it. A body whose list structure is broken (cut short, something other
//! than a comma between two entries, text after the list) is reported as [`Broken`]. An entry
//! whose own structure is broken but whose end is known from its brackets (`{"id" 5}` in a
//! well-formed list) is still one entry, whose members are reported as broken.
//!
//! [`read_list`] puts it together for a response body: a list read entry by entry, or a
//! [`NotAList`] saying what the body is instead (empty, another kind of JSON value, not JSON).
//! A list that is one member of an object (`{"data": [...], "next": ...}`) is read the same
//! way from that member's raw value, found with [`members`].

use std::borrow::Cow;
use std::fmt;

use serde::de::IgnoredAny;

use crate::body::{is_blank, without_bom};

/// Where a body or an object stops being JSON the scanner can delimit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The offset of the offending byte (or the length, when the text is cut short).
    pub at: usize,
    /// What was wrong there.
    pub problem: &'static str,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.problem, self.at)
    }
}

impl std::error::Error for Broken {}

/// Starts reading `body` as a JSON list, skipping a byte order mark and whitespace.
///
/// Returns `None` when the body does not start with `[` (empty, another kind of value, or not
/// JSON); the caller says which. The entries come from the returned [`List`], which checks the
/// rest of the list's structure as it goes.
pub fn list(body: &[u8]) -> Option<List<'_>> {
    let offset = body.len() - without_bom(body).len();
    let start = skip_whitespace(body, offset);
    (body.get(start) == Some(&b'[')).then_some(List {
        bytes: body,
        pos: start + 1,
        state: State::First,
        members: Vec::new(),
    })
}

/// The entries of a JSON list, in order.
///
/// As an iterator it yields each entry as a raw slice without surrounding whitespace;
/// [`List::next_entry`] also gives an object entry's members, found in the same pass. Either
/// yields `Err` once, and then nothing, when the list's own structure is broken; entries may
/// have been yielded before that, so a caller that needs the whole list discards what it read.
#[derive(Clone, Debug)]
pub struct List<'a> {
    bytes: &'a [u8],
    pos: usize,
    state: State,
    /// The members of the object entry `next_entry` read last, reused from entry to entry.
    members: Vec<Member<'a>>,
}

/// An entry of a list, with its members when it is an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'l, 'a> {
    /// The entry as sent, without surrounding whitespace.
    pub raw: &'a [u8],
    /// `None` when the entry is not an object. Otherwise its members, or where the object's
    /// own structure is broken (`{"id" 5}`); the entry's end is then known from its brackets.
    pub members: Option<Result<&'l [Member<'a>], Broken>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Just after the opening bracket: an entry or the closing bracket.
    First,
    /// After an entry: `,` then an entry, or the closing bracket.
    Next,
    /// After the closing bracket, or after an error.
    Done,
}

impl<'a> Iterator for List<'a> {
    type Item = Result<&'a [u8], Broken>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = match self.advance()? {
            Ok(start) => start,
            Err(broken) => return Some(Err(broken)),
        };
        let end = self.end_at(value_end(self.bytes, start));
        Some(end.map(|end| &self.bytes[start..end]))
    }
}

impl<'a> List<'a> {
    /// Reads the next entry and, when it is an object, its members, in one pass over it.
    ///
    /// Reading members while finding where the entry ends spares a second pass over every
    /// entry, which is most of the time spent on a large body.
    pub fn next_entry(&mut self) -> Option<Result<Entry<'_, 'a>, Broken>> {
        let start = match self.advance()? {
            Ok(start) => start,
            Err(broken) => return Some(Err(broken)),
        };
        let bytes = self.bytes;
        if bytes.get(start) != Some(&b'{') {
            let end = self.end_at(value_end(bytes, start));
            return Some(end.map(|end| Entry {
                raw: &bytes[start..end],
                members: None,
            }));
        }
        self.members.clear();
        let mut walk = Members {
            bytes: &bytes[start..],
            pos: 1,
            state: State::First,
            end: 0,
            whole: false,
        };
        let walked = loop {
            match walk.next() {
                Some(Ok(member)) => self.members.push(member),
                Some(Err(broken)) => break Err(broken),
                None => break Ok(()),
            }
        };
        let end = match walked {
            Ok(()) => Ok(start + walk.end),
            // The object is broken at its own level: its brackets still say where it ends.
            Err(_) => value_end(bytes, start),
        };
        let end = match self.end_at(end) {
            Ok(end) => end,
            Err(broken) => return Some(Err(broken)),
        };
        Some(Ok(Entry {
            raw: &bytes[start..end],
            members: Some(walked.map(|()| &self.members[..])),
        }))
    }

    /// Moves past whitespace and the comma before the next entry and returns where it starts;
    /// `None` past the end of the list.
    fn advance(&mut self) -> Option<Result<usize, Broken>> {
        let found = self.find_entry();
        if !matches!(found, Some(Ok(_))) {
            self.state = State::Done;
        }
        found
    }

    fn find_entry(&self) -> Option<Result<usize, Broken>> {
        let bytes = self.bytes;
        let at = skip_whitespace(bytes, self.pos);
        match (self.state, bytes.get(at)) {
            (State::Done, _) => None,
            (_, None) => Some(Err(cut_short(bytes, "the text ends inside the list"))),
            (_, Some(b']')) => {
                let rest = skip_whitespace(bytes, at + 1);
                (rest < bytes.len()).then_some(Err(Broken {
                    at: rest,
                    problem: "text after the end of the list",
                }))
            }
            (State::Next, Some(b',')) => Some(Ok(skip_whitespace(bytes, at + 1))),
            (State::Next, Some(_)) => Some(Err(Broken {
                at,
                problem: "expected `,` or `]` after an entry",
            })),
            (State::First, Some(_)) => Some(Ok(at)),
        }
    }

    /// Records where the entry that was read ends, or that the list is broken there.
    fn end_at(&mut self, end: Result<usize, Broken>) -> Result<usize, Broken> {
        match end {
            Ok(end) => {
                self.pos = end;
                self.state = State::Next;
            }
            Err(_) => self.state = State::Done,
        }
        end
    }
}

/// One member of a JSON object: its key as raw JSON text (quotes included) and its raw value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    /// The key as sent, quotes and escapes included.
    pub raw_key: &'a [u8],
    /// The value as sent, without surrounding whitespace.
    pub value: &'a [u8],
}

impl<'a> Member<'a> {
    /// Returns the key's text, escapes decoded (borrowed when it has none, the usual case).
    ///
    /// A key whose escapes cannot be decoded gives its raw text, quotes included, which equals
    /// no field name.
    pub fn key(&self) -> Cow<'a, [u8]> {
        let inner = &self.raw_key[1..self.raw_key.len() - 1];
        if !inner.contains(&b'\\') {
            return Cow::Borrowed(inner);
        }
        match serde_json::from_slice::<String>(self.raw_key) {
            Ok(key) => Cow::Owned(key.into_bytes()),
            Err(_) => Cow::Borrowed(self.raw_key),
        }
    }
}

/// Starts reading the members of `object`, a raw JSON value; `None` when it is not an object.
pub fn members(object: &[u8]) -> Option<Members<'_>> {
    (object.first() == Some(&b'{')).then_some(Members {
        bytes: object,
        pos: 1,
        state: State::First,
        end: 0,
        whole: true,
    })
}

/// The members of a JSON object, in order.
///
/// Yields `Err` once, and then nothing, when the object's structure is broken at its own level
/// (a key without a colon, a missing comma, text after the closing brace).
#[derive(Clone, Debug)]
pub struct Members<'a> {
    bytes: &'a [u8],
    pos: usize,
    state: State,
    /// The offset just past the closing brace, once it is found.
    end: usize,
    /// Whether the object must end where `bytes` does (else `bytes` goes on past it).
    whole: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<Member<'a>, Broken>;

    fn next(&mut self) -> Option<Self::Item> {
        let result = self.step();
        if !matches!(result, Some(Ok(_))) {
            self.state = State::Done;
        }
        result
    }
}

impl<'a> Members<'a> {
    fn step(&mut self) -> Option<Result<Member<'a>, Broken>> {
        let bytes = self.bytes;
        let mut at = skip_whitespace(bytes, self.pos);
        match (self.state, bytes.get(at)) {
            (State::Done, _) => return None,
            (_, None) => return Some(Err(cut_short(bytes, "the text ends inside the object"))),
            (_, Some(b'}')) => {
                let rest = skip_whitespace(bytes, at + 1);
                if self.whole && rest < bytes.len() {
                    return Some(Err(Broken {
                        at: rest,
                        problem: "text after the end of the object",
                    }));
                }
                self.end = at + 1;
                return None;
            }
            (State::Next, Some(b',')) => at = skip_whitespace(bytes, at + 1),
            (State::Next, Some(_)) => {
                return Some(Err(Broken {
                    at,
                    problem: "expected `,` or `}` after a member",
                }))
            }
            (State::First, Some(_)) => {}
        }
        if bytes.get(at) != Some(&b'"') {
            return Some(Err(Broken {
                at,
                problem: "expected a key",
            }));
        }
        let key_end = match string_end(bytes, at) {
            Ok(end) => end,
            Err(broken) => return Some(Err(broken)),
        };
        let colon = skip_whitespace(bytes, key_end);
        if bytes.get(colon) != Some(&b':') {
            return Some(Err(Broken {
                at: colon,
                problem: "expected `:` after a key",
            }));
        }
        let value = skip_whitespace(bytes, colon + 1);
        let value_end = match value_end(bytes, value) {
            Ok(end) => end,
            Err(broken) => return Some(Err(broken)),
        };
        self.pos = value_end;
        self.state = State::Next;
        Some(Ok(Member {
            raw_key: &bytes[at..key_end],
            value: &bytes[value..value_end],
        }))
    }
}

/// Why a response body is not the JSON list expected.
///
/// Each message is a clause for a sentence that names the vendor and the request, such as
/// "Acme answered GET /devices with something the plugin cannot read: {error}.".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotAList {
    /// The body is empty or white space only.
    #[error("the response is empty, not {expected}")]
    Empty {
        /// What was expected, as given to [`read_list`].
        expected: String,
    },
    /// The body is JSON, but another kind of value.
    #[error("the response is {kind}, not {expected}")]
    OtherValue {
        /// The kind of value, as [`kind`] names it ("an object").
        kind: &'static str,
        /// What was expected, as given to [`read_list`].
        expected: String,
    },
    /// The body is not JSON, or its list structure is broken.
    #[error("the response is not valid JSON: {detail}")]
    InvalidJson {
        /// Where it stops being JSON: serde_json's account (with line and column) when it has
        /// one, else the scanner's ([`Broken`]).
        detail: String,
    },
}

/// Reads `body` as a JSON list with `read`, entry by entry; `expected` names the list for
/// messages ("a list of devices").
///
/// Only the list's own structure can make the whole body unreadable: it must be a JSON list
/// whose entries are told apart; what is wrong inside one entry is for `read` to report about
/// that entry. A byte order mark is skipped. A web page is a [`NotAList::InvalidJson`] here:
/// check [`page::is_web_page`](crate::page::is_web_page) first where it means something else.
pub fn read_list<T>(
    body: &[u8],
    expected: &str,
    read: impl FnOnce(List<'_>) -> Result<T, Broken>,
) -> Result<T, NotAList> {
    let (body, list) = list_in(body, expected)?;
    read(list).map_err(|broken| not_valid_json(body, broken))
}

/// Returns the list `body` holds, and the body without its byte order mark; apart from
/// [`read_list`], so that each kind of entry costs a plugin's wasm only its reader.
fn list_in<'b>(body: &'b [u8], expected: &str) -> Result<(&'b [u8], List<'b>), NotAList> {
    if is_blank(body) {
        return Err(NotAList::Empty {
            expected: expected.to_owned(),
        });
    }
    let body = without_bom(body);
    match list(body) {
        Some(list) => Ok((body, list)),
        None => Err(match serde_json::from_slice::<IgnoredAny>(body) {
            // Valid JSON, just not a list: say what it is instead.
            Ok(_) => NotAList::OtherValue {
                kind: kind(body.trim_ascii_start()),
                expected: expected.to_owned(),
            },
            Err(e) => NotAList::InvalidJson {
                detail: e.to_string(),
            },
        }),
    }
}

/// Why a response body is not the JSON object expected (an envelope such as
/// `{"tenants": [...], "next_page": 2}`); each message is a clause, as for [`NotAList`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotAnObject {
    /// The body is empty or white space only.
    #[error("the response is empty, not an object")]
    Empty,
    /// The body is JSON, but another kind of value.
    #[error("the response is {kind}, not an object")]
    OtherValue {
        /// The kind of value, as [`kind`] names it ("a list").
        kind: &'static str,
    },
    /// The body is not JSON, or the object's structure is broken.
    #[error("the response is not valid JSON: {0}")]
    InvalidJson(Broken),
}

/// Finds the raw values of the members `names` of the JSON object `body`, in the order of
/// `names`: `None` for a member that is absent, the first one for a repeated key.
///
/// Other members are skipped unread, and so is the inside of every value: read each one found
/// on its own (a list with [`read_list`], a number with serde_json). A byte order mark and
/// white space around the object are skipped.
///
/// ```
/// use vendor_kit::entries;
///
/// let body = br#"{"tenants": [{"id": "t1"}], "next_page": 2, "total": 1}"#;
/// let [tenants, next_page] = entries::named_members(body, ["tenants", "next_page"]).unwrap();
/// assert_eq!(tenants, Some(&br#"[{"id": "t1"}]"#[..]));
/// assert_eq!(next_page, Some(&b"2"[..]));
/// ```
pub fn named_members<'a, const N: usize>(
    body: &'a [u8],
    names: [&str; N],
) -> Result<[Option<&'a [u8]>; N], NotAnObject> {
    let body = without_bom(body).trim_ascii();
    if body.is_empty() {
        return Err(NotAnObject::Empty);
    }
    let Some(object) = members(body) else {
        return Err(NotAnObject::OtherValue { kind: kind(body) });
    };
    let mut found = [None; N];
    for member in object {
        let member = member.map_err(NotAnObject::InvalidJson)?;
        let key = member.key();
        if let Some(i) = names
            .iter()
            .position(|name| name.as_bytes() == key.as_ref())
        {
            found[i] = found[i].or(Some(member.value));
        }
    }
    Ok(found)
}

/// Says where a body whose list structure is broken stops being JSON.
///
/// serde_json's account is preferred; it validates without recursing and names a line and
/// column. Where it finds nothing wrong (it never should: the scanner only refuses what is not
/// JSON), the scanner's own account is given.
fn not_valid_json(body: &[u8], broken: Broken) -> NotAList {
    let detail = match serde_json::from_slice::<IgnoredAny>(body) {
        Err(e) => e.to_string(),
        Ok(_) => broken.to_string(),
    };
    NotAList::InvalidJson { detail }
}

/// Names the kind of a raw JSON value for messages, from its first byte, without echoing it.
pub fn kind(raw: &[u8]) -> &'static str {
    match raw.first() {
        Some(b'{') => "an object",
        Some(b'[') => "a list",
        Some(b'"') => "text",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        _ => "not JSON",
    }
}

/// Returns the offset just past the value that starts at `start`.
///
/// A list or object ends where the bracket depth, counted without telling `[` from `{`, is back
/// to zero; a string at its closing quote; anything else (numbers, `true`, `false`, `null`, or
/// a misspelling of them) at the first byte that cannot be part of such a word.
fn value_end(bytes: &[u8], start: usize) -> Result<usize, Broken> {
    match bytes.get(start) {
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut at = start;
            while let Some(found) = find(bytes, at, is_structural) {
                at = found;
                match bytes[at] {
                    b'"' => {
                        at = string_end(bytes, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    _ => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(at + 1);
                        }
                    }
                }
                at += 1;
            }
            Err(cut_short(bytes, "the text ends inside a list or object"))
        }
        Some(b'"') => string_end(bytes, start),
        Some(&b) if is_word(b) => Ok(bytes[start..]
            .iter()
            .position(|&b| !is_word(b))
            .map_or(bytes.len(), |offset| start + offset)),
        Some(_) => Err(Broken {
            at: start,
            problem: "expected a value",
        }),
        None => Err(cut_short(bytes, "the text ends where a value should be")),
    }
}

/// Returns the offset just past the string whose opening quote is at `start`.
fn string_end(bytes: &[u8], start: usize) -> Result<usize, Broken> {
    let mut at = start + 1;
    while let Some(found) = find(bytes, at, |b| b == b'"' || b == b'\\') {
        at = found;
        if bytes[at] == b'"' {
            return Ok(at + 1);
        }
        // A backslash escapes the next byte; `\u` escapes need nothing more to be skipped.
        at += 2;
        if at > bytes.len() {
            break;
        }
    }
    Err(cut_short(bytes, "the text ends inside a string"))
}

/// Returns the offset of the first byte at or after `at` that `wanted` accepts.
///
/// A plain loop: reading eight bytes at a time was measured no faster on vendor-like bodies,
/// whose strings are short, natively or in wasm.
fn find(bytes: &[u8], at: usize, wanted: fn(u8) -> bool) -> Option<usize> {
    bytes[at..]
        .iter()
        .position(|&b| wanted(b))
        .map(|offset| at + offset)
}

/// The text ends before what `problem` names does.
fn cut_short(bytes: &[u8], problem: &'static str) -> Broken {
    Broken {
        at: bytes.len(),
        problem,
    }
}

fn skip_whitespace(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| !is_whitespace(b)))
        .map_or(bytes.len(), |offset| from + offset)
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn is_structural(b: u8) -> bool {
    matches!(b, b'"' | b'{' | b'[' | b'}' | b']')
}

/// Bytes of numbers and of `true`, `false` and `null`.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')
}

#[cfg(test)]
mod tests;
