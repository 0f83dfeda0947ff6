//! Turns live exchanges into replay fixtures: secrets removed, personal data pseudonymized.
//!
//! The harness's own HTTP (see [`crate::runtime::http`]) keeps every exchange of a recording plugin, so
//! no proxy sits between the plugin and the vendor. Before anything is written:
//!
//! **Secrets are removed.** Every form of every secret credential (see [`Secrets`]: raw,
//! percent-encoded once or more or byte by byte, base64 and base64url alone or inside a longer
//! string, hex, HTML references, JSON-escaped) becomes `<redacted>` wherever it appears: request path, query keys and values, request and
//! response headers, bodies (in the raw text before parsing, then in every string, object key
//! and number of the parsed JSON) and the `source`. A request header that holds a secret keeps
//! what is around it (`Bearer <redacted>`: replay then wants `Bearer ` and something), and is
//! `<redacted>` whole when nothing else is left; an `authorization`, `proxy-authorization` or
//! `cookie` header without a secret in any form Secrets knows keeps its scheme and is
//! `<redacted>` after it (`Bearer <redacted>`; `<redacted>` whole without a scheme).
//!
//! **Issued secrets become placeholders** (`<issued-1>`, `<issued-2>`, …: an access, refresh or
//! id token, a JWT, a session cookie) in responses and in every later request that carries
//! them, so that replay serves the placeholder and the plugin sends it back
//! ([`record_requests`](crate::traffic::record_requests) says how). Request bodies are kept as a
//! form, JSON or text, with secrets and personal data removed from each field. In `credentials.json` a secret credential becomes `replay-secret`,
//! whether or not it was typed with spaces around it, and a URL credential becomes
//! `{replay_url}` followed by its path.
//!
//! **Personal data is pseudonymized** in every body (JSON, JSON after a UTF-8 byte order mark,
//! JSON sent as text, JSON lines, JSON encoded inside a JSON string, and any other text), in
//! object keys, the request path, query and headers, the kept response headers and the
//! non-secret credentials:
//!
//! - e-mail addresses, alone or inside text, keep their domain and get a pseudonymous local
//!   part (`person-3@acme.com`);
//! - IP addresses (v4 and v6), alone or inside text, become documentation addresses
//!   (`198.51.100.3`, `2001:db8::3`);
//! - phone numbers become fictional ones, `+1-555-0100` to `+1-555-0199` in turn: the value of a
//!   phone key (`phone`, `mobilePhone`, `businessPhones`, `mobile`, `fax`, …) with 7 to 15
//!   digits, and, alone or inside text, a number of phone shape: 7 to 15 digits after a `+`, or
//!   in groups of at most four digits (longer after a leading `0`) with one separator between
//!   groups, that is not a date (`2026-11-01`, `01.11.2026`), a thousands-grouped count
//!   (`1 234 567`) or a dotted version with a one-digit part (`16.0.1234.1000`). Digits without
//!   separators or `+` (an id, a count) are never taken for a phone number outside a phone key,
//!   nor the last groups of a longer number;
//! - payment card numbers, IBANs, US social security and UK national insurance numbers and
//!   street addresses (see [`personal`](crate::traffic::personal) for their shapes and checks), alone or inside text,
//!   become a pseudonym of their own form, whole and before the phone rule:
//!   `4000 0000 0000 0010` (a test card number that passes the Luhn check, laid out as the
//!   original), `GB00 TEST 0000 0000 0000 01`, `000-00-0001`, `QQ 00 00 01 A`,
//!   `1 Example Street`; so does the value of an address key (`address`, `street`,
//!   `postalCode`, …, every string of an address object but its city, state or country) and of
//!   a national id key (`ssn`, `nino`, …);
//! - person names become `Person 3`:
//!   - the value of a person-name key, anywhere: `fullName`, `displayName`, `firstName`,
//!     `lastName`, `givenName`, `surname`, `middleName`, `userName`, `userPrincipalName`,
//!     `nickname`, …, and a person key followed by `Name` (`contactName`, `managerName`,
//!     `ownerName`, …);
//!   - `name` in an object that is a person: one under a person key (`user`, `manager`, `owner`,
//!     `contact`, `createdBy`, `assignee`, `members`, …), or the answer (or the items of its
//!     `data`, `items`, `value`, … list) to a request whose path ends in such a key
//!     (`…/users`), or one that has a person-name key, an e-mail address (or
//!     `Name <address>`) as a value, or a phone number under a phone key;
//!   - a string that looks like a name (letters only, capitalized or of several words) under a
//!     person key: `"manager": "Ben Okafor"`, but not `"createdBy": "system"` or `"owner": "u1"`;
//!   - the name of `Name <address>` and `"Name" <address>`, alone or inside text;
//!   - inside any text, a name of several words pseudonymized anywhere in the recording.
//!
//! The same e-mail address (in any case), IP address, phone number (the same digits) or name
//! gets the same pseudonym across the whole recording, so relations between exchanges survive
//! and a plugin that sends back what it read (an address in a path or query) still finds its
//! exchanges on replay.
//!
//! **Everything else is kept as it is**, in particular the `name` of objects that are not people
//! (customers, products, groups), company names, domains, ids, statuses, counts, dates and
//! versions. An organization that holds its own contact e-mail address or phone number looks
//! like a person, so its `name` is pseudonymized: the rule errs on the side of privacy. A name
//! inside free text is found only next to its address or once seen as a name elsewhere.
//!
//! Only the response headers replay needs are kept (`content-type`, `retry-after`,
//! `location`). A JSON body is stored as JSON (`body`); one with a byte order mark as text
//! (`body_text`: the mark, then the pseudonymized JSON); any other body as text.

use std::fmt::Write as _;

use plugin_contract::{Credentials, Secrets};
use serde_json::Value;

use crate::runtime::http::RawExchange;
use crate::traffic::pseudonyms::{lists_people, Pseudonyms, Role};
use crate::traffic::record_requests::{credential_header, sent_body, Placeholders, SentBody};
use crate::traffic::replay::{
    parse_query, percent_decode, Exchange, RecordedBody, RecordedRequest, RecordedResponse,
    Recording, REDACTED, REPLAY_URL_PLACEHOLDER,
};

/// Response headers worth keeping in a fixture (`set-cookie` with its issued value a
/// placeholder, so that replay sets the cookie the plugin sends back).
const KEPT_RESPONSE_HEADERS: [&str; 4] = ["content-type", "retry-after", "location", "set-cookie"];

/// Request headers that are credentials whatever they hold; recorded as `<redacted>`.
const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

/// What a secret credential becomes in a scenario's `credentials.json`.
const REPLAY_SECRET: &str = "replay-secret";

/// The UTF-8 byte order mark, which a vendor may put before a JSON body.
const BYTE_ORDER_MARK: &str = "\u{feff}";

/// Builds the fixture files of a recording: the exchanges and the credentials to replay them.
///
/// `secrets` holds every form of the secret credentials; `url_fields` the credentials that hold
/// the vendor's URL, which point at the replay server in the fixture.
pub fn fixtures_of(
    raw: &[RawExchange],
    credentials: &Credentials,
    secrets: &Secrets,
    url_fields: &[String],
    source: String,
) -> (Recording, Credentials) {
    let mut scrubber = Scrubber {
        secrets,
        pseudonyms: Pseudonyms::default(),
        placeholders: Placeholders::of(raw),
    };
    // The first pass learns every name, so that the second also finds them in free text (a
    // name in a CSV body, or in an exchange recorded before the one that said it is a name).
    scrubber.fixtures(raw, credentials, url_fields);
    let (exchanges, replay_credentials) = scrubber.fixtures(raw, credentials, url_fields);
    let source = secrets.redact(&source).into_owned();
    (Recording { source, exchanges }, replay_credentials)
}

/// Removes secrets and pseudonymizes personal data, with pseudonyms shared by a whole recording.
struct Scrubber<'a> {
    secrets: &'a Secrets,
    pseudonyms: Pseudonyms,
    /// The placeholders of the values the recording's responses issue.
    placeholders: Placeholders,
}

impl Scrubber<'_> {
    fn fixtures(
        &mut self,
        raw: &[RawExchange],
        credentials: &Credentials,
        url_fields: &[String],
    ) -> (Vec<Exchange>, Credentials) {
        let exchanges = raw.iter().map(|exchange| self.exchange(exchange)).collect();
        let replay_credentials = credentials
            .iter()
            .map(|(key, value)| {
                let value = if self.secrets.redact(value).trim() == REDACTED {
                    REPLAY_SECRET.to_owned()
                } else if url_fields.iter().any(|f| f == key) {
                    url::Url::parse(value).map_or(REPLAY_URL_PLACEHOLDER.to_owned(), |u| {
                        let path = self.path(u.path());
                        format!("{REPLAY_URL_PLACEHOLDER}{}", path.trim_end_matches('/'))
                    })
                } else {
                    self.text(value)
                };
                (key, value)
            })
            .collect();
        (exchanges, replay_credentials)
    }

    fn exchange(&mut self, exchange: &RawExchange) -> Exchange {
        let url = url::Url::parse(&exchange.url).ok();
        let raw_path = url.as_ref().map_or("/", |u| u.path());
        let query = parse_query(url.as_ref().and_then(|u| u.query()).unwrap_or(""));
        let response_body = self.placeholders.replace_body(&exchange.body);
        let (body, body_text) = self.body(&response_body, lists_people(raw_path));
        let headers = exchange
            .request_headers
            .iter()
            .map(|(name, value)| {
                let name = name.to_ascii_lowercase();
                let value = self.placeholders.replace(value);
                let value = if self.secrets.found_in(&value) {
                    self.secret_header(&value)
                } else if CREDENTIAL_HEADERS.contains(&name.as_str())
                    && !self.placeholders.in_text(&value)
                {
                    credential_header(&value)
                } else {
                    self.text(&value)
                };
                (name, value)
            })
            .collect();
        let response_headers = exchange
            .response_headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .filter(|(name, _)| KEPT_RESPONSE_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| (name, self.text(&self.placeholders.replace(value))))
            .collect();
        let request_body = sent_body(&exchange.request_body, &exchange.request_headers)
            .map(|body| self.request_body(body));
        let raw_path = self.placeholders.replace_in_path(raw_path);
        let raw_path = raw_path.as_str();
        let query: Vec<(String, String)> = query
            .into_iter()
            .map(|(k, v)| (self.placeholders.replace(&k), self.placeholders.replace(&v)))
            .collect();
        Exchange {
            request: RecordedRequest {
                method: exchange.method.clone(),
                path: self.path(raw_path),
                query: query
                    .into_iter()
                    .map(|(k, v)| (self.text(&k), self.text(&v)))
                    .collect(),
                headers,
                body: request_body,
            },
            response: RecordedResponse {
                status: exchange.status,
                headers: response_headers,
                body,
                body_text,
                delay_ms: None,
                not_http: false,
            },
        }
    }

    /// A request body: secrets removed from each field (a field that is a secret alone becomes
    /// `<redacted>`), personal data pseudonymized, issued values placeholders.
    fn request_body(&mut self, body: SentBody) -> RecordedBody {
        match body {
            SentBody::Form(fields) => RecordedBody::Form(
                fields
                    .into_iter()
                    .map(|(name, value)| {
                        let name = self.text(&self.placeholders.replace(&name));
                        (name, self.text(&self.placeholders.replace(&value)))
                    })
                    .collect(),
            ),
            SentBody::Json(mut json) => {
                self.placeholders.replace_value(&mut json);
                self.secrets.redact_value(&mut json);
                let mut json = self.pseudonyms.of_value(json, Role::Text);
                self.secrets.redact_value(&mut json);
                redact_numbers(self.secrets, &mut json);
                RecordedBody::Json(json)
            }
            SentBody::Text(text) => {
                RecordedBody::Text(self.text(&self.placeholders.replace(&text)))
            }
        }
    }

    /// A request header value that holds a secret: `Bearer <redacted>` keeps its scheme, so that
    /// replay checks it; a value that is the secret alone (spaces around it included) becomes
    /// `<redacted>`.
    fn secret_header(&mut self, value: &str) -> String {
        let redacted = self.text(value);
        if redacted.trim() == REDACTED || !redacted.contains(REDACTED) {
            REDACTED.to_owned()
        } else {
            redacted
        }
    }

    /// Returns a response body as JSON or as text, without secrets or personal data.
    ///
    /// `people` tells that the request asked for a list of people (`…/users`).
    fn body(&mut self, bytes: &[u8], people: bool) -> (Option<Value>, Option<String>) {
        let text = String::from_utf8_lossy(bytes);
        let (bom, text) = match text.strip_prefix(BYTE_ORDER_MARK) {
            Some(rest) => (BYTE_ORDER_MARK, rest),
            None => ("", &*text),
        };
        if let Some(json) = self.json_body(text, people) {
            let serialized = json.to_string();
            if !self.secrets.found_in(&serialized) {
                return if bom.is_empty() {
                    (Some(json), None)
                } else {
                    (None, Some(format!("{bom}{serialized}")))
                };
            }
        }
        let redacted = self.secrets.redact(text);
        let pseudonymized: String = redacted
            .split_inclusive('\n')
            .map(|line| self.pseudonyms.of_text(line))
            .collect();
        let text = self.secrets.redact(&pseudonymized);
        (None, Some(format!("{bom}{text}")))
    }

    /// Parses `text` as JSON, secrets removed from the raw text and again from the values, and
    /// pseudonymizes it; `None` if it is not JSON.
    fn json_body(&mut self, text: &str, people: bool) -> Option<Value> {
        let mut json: Value = serde_json::from_str(&self.secrets.redact_json(text)).ok()?;
        self.secrets.redact_value(&mut json);
        let role = if people { Role::Person } else { Role::Text };
        let mut json = self.pseudonyms.of_value(json, role);
        self.secrets.redact_value(&mut json);
        redact_numbers(self.secrets, &mut json);
        Some(json)
    }

    /// A header, query key or value, or credential: secrets removed, personal data pseudonymized.
    fn text(&mut self, text: &str) -> String {
        let redacted = self.secrets.redact(text);
        let pseudonymized = self.pseudonyms.of_text(&redacted);
        self.secrets.redact(&pseudonymized).into_owned()
    }

    /// A raw (percent-encoded) URL path: secrets removed, each segment pseudonymized.
    fn path(&mut self, raw: &str) -> String {
        let redacted = self.secrets.redact(raw);
        let path = redacted
            .split('/')
            .map(|segment| {
                let decoded = percent_decode(segment, false);
                let pseudonymized = self.pseudonyms.of_text(&decoded);
                if pseudonymized == decoded {
                    segment.to_owned()
                } else {
                    percent_encode_like(&pseudonymized, segment)
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        self.secrets.redact(&path).into_owned()
    }
}

/// Replaces the numbers that hold a form of a secret (a numeric key) with `<redacted>`.
fn redact_numbers(secrets: &Secrets, value: &mut Value) {
    match value {
        Value::Number(number) if secrets.found_in(&number.to_string()) => {
            *value = Value::String(REDACTED.to_owned());
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| redact_numbers(secrets, item)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|item| redact_numbers(secrets, item)),
        _ => {}
    }
}

/// Percent-encodes a path segment as `original` was: unreserved characters and those the
/// original held unescaped stay, anything else is escaped.
fn percent_encode_like(text: &str, original: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || (c != '%' && original.contains(c)) {
            out.push(c);
        } else {
            for byte in c.to_string().bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
