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

use crate::traffic::pseudonyms::{lists_people, Pseudonyms, Role};
use crate::traffic::record_requests::{credential_header, sent_body, Placeholders, SentBody};
use crate::traffic::replay::{
    parse_query, percent_decode, Exchange, RecordedBody, RecordedRequest, RecordedResponse,
    Recording, REDACTED, REPLAY_URL_PLACEHOLDER,
};
use crate::runtime::http::RawExchange;

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
mod tests {
    use super::*;
    use plugin_contract::secrets::{base64, percent_encode};
    use serde_json::json;

    const KEY: &str = "s3cret-key";

    fn raw(url: &str, content_type: &str, body: &str) -> RawExchange {
        RawExchange {
            method: "GET".into(),
            url: url.into(),
            request_headers: [("api_key".to_owned(), KEY.to_owned())].into(),
            request_body: Vec::new(),
            status: 200,
            response_headers: [
                ("content-type".to_owned(), content_type.to_owned()),
                ("set-cookie".to_owned(), "session=abc".to_owned()),
            ]
            .into(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn exchange(body: &str) -> RawExchange {
        raw(
            &format!("http://127.0.0.1:9/api/v1/accounts?customerId=c%201&token={KEY}"),
            "application/json",
            body,
        )
    }

    fn credentials(key: &str) -> Credentials {
        [("api_key", key), ("api_url", "http://127.0.0.1:9/api/v1")]
            .into_iter()
            .collect()
    }

    fn record_raw(raw: &[RawExchange]) -> Recording {
        let secrets = Secrets::new([KEY]);
        fixtures_of(
            raw,
            &credentials(KEY),
            &secrets,
            &["api_url".into()],
            "test".into(),
        )
        .0
    }

    fn record(bodies: &[&str]) -> Recording {
        let raw: Vec<RawExchange> = bodies.iter().map(|b| exchange(b)).collect();
        record_raw(&raw)
    }

    fn body(recording: &Recording, index: usize) -> Value {
        recording.exchanges[index].response.body.clone().unwrap()
    }

    fn text(recording: &Recording, index: usize) -> &str {
        recording.exchanges[index]
            .response
            .body_text
            .as_deref()
            .unwrap()
    }

    #[test]
    fn secrets_are_removed_everywhere() {
        let recording = record(&[r#"{"echo":"s3cret-key"}"#]);
        let text = serde_json::to_string(&recording).unwrap();
        assert!(!text.contains(KEY), "{text}");
        let request = &recording.exchanges[0].request;
        assert_eq!(request.headers["api_key"], REDACTED);
        assert_eq!(request.query["customerId"], "c 1");
        assert_eq!(request.query["token"], REDACTED);
        assert_eq!(
            recording.exchanges[0].response.headers["set-cookie"], "session=abc",
            "too short to be a session"
        );
    }

    #[test]
    fn a_key_with_spaces_around_it_is_redacted_in_every_form() {
        let typed = "  K3y+/é  ";
        let sent = typed.trim();
        let (encoded, b64) = (percent_encode(sent), base64(sent.as_bytes()));
        let url = format!("http://127.0.0.1:9/api/v1/echo/{encoded}?key={encoded}&{encoded}=1");
        let mut echo = raw(
            &url,
            "application/json",
            // Escaped in the raw text (`\/`, `\u00e9`), plain once parsed.
            &format!(
                r#"{{"raw":"K3y+\/\u00e9","b64":"{b64}","url":"x?k={encoded}","{sent}":1,"nested":{}}}"#,
                serde_json::to_string(&json!({"k": sent}).to_string()).unwrap()
            ),
        );
        echo.request_headers = [
            ("api_key".to_owned(), sent.to_owned()),
            ("Authorization".to_owned(), format!("Basic {b64}")),
            ("X-Trace".to_owned(), format!("trace {sent}")),
        ]
        .into();
        echo.response_headers
            .insert("location".into(), format!("/next?k={encoded}"));
        let mut page = raw(&url, "text/html", &format!("<p>key {sent} or {b64}</p>"));
        page.request_headers.clear();
        let secrets = Secrets::new([typed]);
        let (recording, replay) = fixtures_of(
            &[echo, page],
            &credentials(typed),
            &secrets,
            &["api_url".into()],
            "test".into(),
        );
        let written = serde_json::to_string_pretty(&recording).unwrap()
            + &serde_json::to_string_pretty(&replay).unwrap();
        assert!(!secrets.found_in(&written), "{written}");
        assert!(!written.contains(sent), "{written}");
        let request = &recording.exchanges[0].request;
        assert_eq!(request.path, "/api/v1/echo/<redacted>");
        assert_eq!(request.query["key"], REDACTED);
        assert_eq!(request.query[REDACTED], "1");
        assert_eq!(request.headers["api_key"], REDACTED);
        assert_eq!(request.headers["authorization"], "Basic <redacted>");
        assert_eq!(request.headers["x-trace"], "trace <redacted>");
        assert_eq!(
            recording.exchanges[0].response.headers["location"],
            "/next?k=<redacted>"
        );
        assert_eq!(
            body(&recording, 0),
            json!({"raw": REDACTED, "b64": REDACTED, "url": "x?k=<redacted>", REDACTED: 1,
                "nested": json!({"k": REDACTED}).to_string()})
        );
        assert_eq!(text(&recording, 1), "<p>key <redacted> or <redacted></p>");
        assert_eq!(replay.get("api_key"), Some(REPLAY_SECRET));
    }

    #[test]
    fn a_bearer_token_keeps_its_scheme_so_that_replay_checks_it() {
        let mut call = exchange("[]");
        call.response_headers
            .insert("set-cookie".into(), "sid=s3ss10n-c00kie; Path=/".into());
        call.request_headers = [
            ("Authorization".to_owned(), format!("Bearer {KEY}")),
            ("Cookie".to_owned(), "session=abc".to_owned()),
            (
                "Proxy-Authorization".to_owned(),
                "Digest nonce-value".to_owned(),
            ),
            ("X-Session".to_owned(), "sid=s3ss10n-c00kie".to_owned()),
            ("X-Key".to_owned(), format!(" {KEY} ")),
        ]
        .into();
        let recording = record_raw(&[call]);
        let headers = &recording.exchanges[0].request.headers;
        assert_eq!(headers["authorization"], "Bearer <redacted>");
        assert_eq!(headers["proxy-authorization"], "Digest <redacted>");
        assert_eq!(headers["cookie"], REDACTED);
        // The cookie the response sets: an issued value.
        assert_eq!(headers["x-session"], "sid=<issued-1>");
        assert_eq!(headers["x-key"], REDACTED);
        assert!(crate::traffic::replay::header_matches(
            &headers["authorization"],
            "Bearer replay-secret"
        ));
        assert!(!crate::traffic::replay::header_matches(
            &headers["authorization"],
            "replay-secret"
        ));
    }

    /// A client-credentials token request and a call with the token it got.
    fn oauth_exchanges(token: &str) -> Vec<RawExchange> {
        let secret = percent_encode(KEY);
        let mut post = raw(
            "http://127.0.0.1:9/oauth/token",
            "application/json",
            &json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}).to_string(),
        );
        post.method = "POST".into();
        post.response_headers.remove("set-cookie");
        post.request_headers = [(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )]
        .into();
        post.request_body =
            format!("grant_type=client_credentials&client_id=c1&client_secret={secret}")
                .into_bytes();
        let mut get = raw(
            &format!(
                "http://127.0.0.1:9/v1/companies?page=1&t={}",
                percent_encode(token)
            ),
            "application/json",
            &json!([{"id": "co-1", "echo": token}]).to_string(),
        );
        get.response_headers.remove("set-cookie");
        get.request_headers = [("Authorization".to_owned(), format!("Bearer {token}"))].into();
        get.request_body = json!({"token": token, "n": 1}).to_string().into_bytes();
        vec![post, get]
    }

    #[test]
    fn an_issued_token_becomes_a_placeholder_everywhere_and_the_token_form_is_recorded() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln+/\"Tok";
        let recording = record_raw(&oauth_exchanges(token));
        let written = serde_json::to_string(&recording).unwrap();
        let issued = Secrets::new([token]);
        assert!(!issued.found_in(&written), "{written}");
        let post = &recording.exchanges[0];
        assert_eq!(
            post.request.body,
            Some(RecordedBody::Form(
                [
                    ("client_id", "c1"),
                    ("client_secret", REDACTED),
                    ("grant_type", "client_credentials")
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
            ))
        );
        assert_eq!(
            post.response.body,
            Some(json!({"access_token": "<issued-1>", "token_type": "Bearer", "expires_in": 3600}))
        );
        let get = &recording.exchanges[1];
        assert_eq!(get.request.headers["authorization"], "Bearer <issued-1>");
        assert_eq!(get.request.query["t"], "<issued-1>");
        assert_eq!(
            get.request.body,
            Some(RecordedBody::Json(json!({"token": "<issued-1>", "n": 1})))
        );
        assert_eq!(
            get.response.body,
            Some(json!([{"id": "co-1", "echo": "<issued-1>"}]))
        );
    }

    #[test]
    fn a_recorded_token_exchange_replays_with_the_placeholder_as_the_token() {
        let recording = record_raw(&oauth_exchanges("tok-12345"));
        let server =
            crate::traffic::replay::ReplayServer::serve(recording, Credentials::default()).unwrap();
        server.expect_secrets(Secrets::new([REPLAY_SECRET]));
        let address = server.base_url().trim_start_matches("http://").to_owned();
        let send = |request: String| {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        };
        let form = "client_secret=replay-secret&grant_type=client_credentials&client_id=c1";
        let token = send(format!(
            "POST /oauth/token HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ));
        assert!(token.starts_with("HTTP/1.1 200"), "{token}");
        assert!(token.contains(r#""access_token":"<issued-1>""#), "{token}");
        let body = r#"{"n":1,"token":"<issued-1>"}"#;
        let companies = send(format!(
            "GET /v1/companies?page=1&t=%3Cissued-1%3E HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAuthorization: Bearer <issued-1>\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
        assert!(companies.starts_with("HTTP/1.1 200"), "{companies}");
        assert!(
            server.report().leaks.is_empty(),
            "{:?}",
            server.report().leaks
        );
        assert!(server.finish().is_ok());
    }

    #[test]
    fn a_numeric_key_echoed_as_a_number_is_redacted() {
        let secrets = Secrets::new([" 73914268 "]);
        let echo = raw(
            "http://v.example/a",
            "application/json",
            r#"{"n":73914268}"#,
        );
        let (recording, _) = fixtures_of(&[echo], &credentials("x"), &secrets, &[], "t".into());
        assert_eq!(body(&recording, 0), json!({"n": REDACTED}));
    }

    #[test]
    fn a_secret_credential_becomes_replay_secret_with_or_without_spaces() {
        for typed in ["s3cret-key", "  s3cret-key\t", "\u{a0}s3cret-key "] {
            let credentials: Credentials = [
                ("api_key", typed),
                ("api_url", "https://vendor.example/base/"),
                ("region", "eu"),
            ]
            .into_iter()
            .collect();
            let (_, replay) = fixtures_of(
                &[],
                &credentials,
                &Secrets::new([typed]),
                &["api_url".into()],
                "t".into(),
            );
            assert_eq!(replay.get("api_key"), Some(REPLAY_SECRET), "{typed:?}");
            assert_eq!(replay.get("api_url"), Some("{replay_url}/base"));
            assert_eq!(replay.get("region"), Some("eu"));
        }
    }

    #[test]
    fn bodies_that_are_not_json_are_kept_as_text_without_secrets() {
        let recording = record(&["<html>key s3cret-key</html>"]);
        assert_eq!(text(&recording, 0), "<html>key <redacted></html>");
    }

    #[test]
    fn personal_data_gets_consistent_pseudonyms_and_business_data_stays() {
        let recording = record(&[
            r#"[{"name":"Ada Moreau","email":"ada@acme.example","ip":"203.0.113.7"},{"name":"Ben Okafor","email":"ben@acme.example","ip":"2001:db8:1::5"}]"#,
            r#"[{"fullName":"Ada Moreau","user":"ada@acme.example"},{"name":"Acme & Sons","customerDomain":"acme.example"}]"#,
        ]);
        assert_eq!(
            body(&recording, 0),
            json!([
                {"name": "Person 1", "email": "person-1@acme.example", "ip": "198.51.100.2"},
                {"name": "Person 2", "email": "person-2@acme.example", "ip": "2001:db8::2"}
            ])
        );
        assert_eq!(
            body(&recording, 1),
            json!([
                {"fullName": "Person 1", "user": "person-1@acme.example"},
                {"name": "Acme & Sons", "customerDomain": "acme.example"}
            ])
        );
    }

    #[test]
    fn a_body_with_a_byte_order_mark_is_pseudonymized() {
        let recording = record(&[
            "\u{feff}[{\"name\":\"Ada Moreau\",\"email\":\"ada@acme.example\",\"echo\":\"s3cret-key\"}]",
        ]);
        let replayed = text(&recording, 0);
        let json = replayed.strip_prefix('\u{feff}').expect(replayed);
        assert_eq!(
            serde_json::from_str::<Value>(json).unwrap(),
            json!([{"name": "Person 1", "email": "person-1@acme.example", "echo": REDACTED}])
        );
    }

    #[test]
    fn a_text_body_that_is_json_is_pseudonymized() {
        let recording = record_raw(&[
            raw(
                "http://v.example/a",
                "text/plain",
                r#" {"email":"ada@acme.example"} "#,
            ),
            raw(
                "http://v.example/b",
                "application/x-ndjson",
                "{\"displayName\":\"Ben Okafor\"}\r\n{\"ip\":\"203.0.113.9\"}\n",
            ),
        ]);
        assert_eq!(
            body(&recording, 0),
            json!({"email": "person-1@acme.example"})
        );
        assert_eq!(
            text(&recording, 1),
            "{\"displayName\":\"Person 1\"}\r\n{\"ip\":\"198.51.100.2\"}\n"
        );
    }

    #[test]
    fn json_encoded_inside_a_json_string_is_pseudonymized() {
        let inner = json!({"user": {"displayName": "Ada Moreau", "email": "ada@acme.example"}});
        let twice = json!({"level": inner.to_string()}).to_string();
        let recording = record(&[&json!({"payload": inner.to_string(), "deeper": twice,
            "plain": "[1, 2]"})
        .to_string()]);
        let recorded = body(&recording, 0);
        let pseudonymized =
            json!({"user": {"displayName": "Person 1", "email": "person-1@acme.example"}});
        assert_eq!(recorded["payload"], pseudonymized.to_string());
        assert_eq!(
            recorded["deeper"],
            json!({"level": pseudonymized.to_string()}).to_string()
        );
        assert_eq!(recorded["plain"], "[1, 2]");
    }

    #[test]
    fn a_name_with_an_address_is_pseudonymized_whole() {
        let recording = record(&[r#"{
            "from": "Ada Moreau <ada@acme.example>",
            "to": "\"Ben Okafor\" <ben@acme.example>, cleo diaz <cleo@acme.example>",
            "body": "Forwarded by Ada de Moreau <ada@acme.example> today"}"#]);
        assert_eq!(
            body(&recording, 0),
            json!({
                "from": "Person 2 <person-1@acme.example>",
                "to": "\"Person 3\" <person-2@acme.example>, Person 4 <person-3@acme.example>",
                "body": "Forwarded by Person 1 <person-1@acme.example> today"
            })
        );
    }

    #[test]
    fn emails_inside_free_text_and_as_object_keys_are_pseudonymized() {
        let recording = record(&[
            r#"{"note":"Ask Ada (ada.moreau@acme.example), or mailto:ben_o+it@acme.example.","seats":{"ada.moreau@acme.example":2},"guest":"cleo_diaz.example#EXT#@acme.onmicrosoft.com","link":"https://x.example/?user=dan@acme.example"}"#,
        ]);
        assert_eq!(
            body(&recording, 0),
            json!({
                "guest": "person-1@acme.onmicrosoft.com",
                "link": "https://x.example/?user=person-2@acme.example",
                "note": "Ask Ada (person-3@acme.example), or mailto:person-4@acme.example.",
                "seats": {"person-3@acme.example": 2}
            })
        );
    }

    #[test]
    fn phone_numbers_in_text_and_values_are_pseudonymized() {
        let recording = record(&[r#"{
            "description": "Call +33 6 12 34 56 78, (555) 010-9999 or 06.12.34.56.78.",
            "mobile": "0612345678",
            "businessPhones": ["+44 20 7946 0958"],
            "fax": 5550109999,
            "contact": {"tel": "+33612345678"}}"#]);
        assert_eq!(
            body(&recording, 0),
            json!({
                "description": "Call +1-555-0101, +1-555-0102 or +1-555-0103.",
                "mobile": "+1-555-0103",
                "businessPhones": ["+1-555-0100"],
                "fax": 15550102,
                "contact": {"tel": "+1-555-0101"}
            })
        );
    }

    #[test]
    fn dates_ids_counts_and_versions_are_not_taken_for_phone_numbers() {
        let untouched = json!({
            "id": "29683412", "mappedTo": 19002, "count": 1234567, "customerId": "c-1234567",
            "date": "2026-11-01", "when": "2026-11-01 10:22", "at": "2024-03-18T10:22:41.000Z",
            "us": "11/01/2026", "eu": "01.11.2026", "version": "10.0.19045.2965",
            "build": "16.0.1234.1000", "total": "1 234 567", "dots": "1.234.567",
            "uuid": "123e4567-e89b-12d3-a456-426614174000", "time": "10:22:41",
            "mac": "00:1a:2b:3c:4d:5e", "sentence": "Build 10.0.19045.2965 of 2026-11-01 for 1 234 567 seats, ticket #20261101"
        });
        let recording = record(&[&untouched.to_string()]);
        assert_eq!(body(&recording, 0), untouched);
    }

    #[test]
    fn ip_addresses_inside_free_text_are_pseudonymized() {
        let recording = record(&[
            r#"{"log":"At 10:22:41 from 203.0.113.7 and 2001:DB8:1::5, then [2001:db8:1::5]:443 and 203.0.113.8:8080.","ips":{"203.0.113.7":"ok"}}"#,
        ]);
        assert_eq!(
            body(&recording, 0),
            json!({
                "log": "At 10:22:41 from 198.51.100.2 and 2001:db8::2, then [2001:db8::2]:443 and 198.51.100.4:8080.",
                "ips": {"198.51.100.2": "ok"}
            })
        );
    }

    #[test]
    fn names_without_an_email_beside_them_are_pseudonymized() {
        let recording = record_raw(&[
            raw(
                "http://v.example/api/v1/report",
                "application/json",
                r#"[{"displayName":"Ada Moreau","id":"u1"},{"firstName":"Ada","last_name":"Moreau"},{"name":{"first":"Cleo","last":"Diaz"},"phone":"+1 202 555 0147"}]"#,
            ),
            raw(
                "http://v.example/api/v1/users",
                "application/json",
                r#"[{"name":"Ben Okafor","id":"u2","products":[{"id":"p1","name":"Microsoft"}]}]"#,
            ),
            raw(
                "http://v.example/api/v1/members",
                "application/json",
                r#"{"data":[{"name":"Dan Ek","id":"u4"}],"name":"page","total":1}"#,
            ),
            raw(
                "http://v.example/api/v1/groups",
                "application/json",
                r#"{"data":[{"name":"Sales","id":"g1"}],"total":1}"#,
            ),
        ]);
        assert_eq!(
            body(&recording, 0),
            json!([{"displayName": "Person 1", "id": "u1"},
                {"firstName": "Person 2", "last_name": "Person 3"},
                {"name": {"first": "Person 4", "last": "Person 5"}, "phone": "+1-555-0100"}])
        );
        assert_eq!(
            body(&recording, 1),
            json!([{"name": "Person 6", "id": "u2", "products": [{"id": "p1", "name": "Microsoft"}]}])
        );
        assert_eq!(
            body(&recording, 2),
            json!({"data": [{"name": "Dan Ek", "id": "u4"}], "name": "Person 7", "total": 1}),
            "an object with a name is a person, not a wrapper"
        );
        assert_eq!(
            body(&recording, 3),
            json!({"data": [{"name": "Sales", "id": "g1"}], "total": 1})
        );
    }

    #[test]
    fn a_list_of_people_is_found_through_its_wrapper() {
        let recording = record_raw(&[raw(
            "http://v.example/api/v1/users",
            "application/json",
            r#"{"value":[{"name":"Dan Ek","id":"u4"}],"total":1}"#,
        )]);
        assert_eq!(
            body(&recording, 0),
            json!({"value": [{"name": "Person 1", "id": "u4"}], "total": 1})
        );
    }

    #[test]
    fn a_managers_name_and_email_are_pseudonymized() {
        let recording = record(&[
            r#"[{"email":"ada@acme.example","name":"Ada Moreau","manager":{"name":"Ben Okafor","mail":"ben@acme.example"}},
                {"email":"cleo@acme.example","manager":"Ben Okafor","createdBy":"system","owner":"u1"}]"#,
        ]);
        assert_eq!(
            body(&recording, 0),
            json!([
                {"email": "person-1@acme.example", "name": "Person 2",
                 "manager": {"name": "Person 1", "mail": "person-2@acme.example"}},
                {"email": "person-3@acme.example", "manager": "Person 1", "createdBy": "system",
                 "owner": "u1"}
            ])
        );
    }

    #[test]
    fn a_customer_list_comes_out_unchanged() {
        // Keys in order, as the recording writes them, so that the bytes can be compared.
        let customers = r#"[{"billingUsers":{"count":3},"createTime":"2024-03-18T10:22:41.000Z","customerDomain":"acme.example","id":"c1","mappedToPSA":[{"mappedTo":"29683412","product":"autotaskpsa"}],"name":"Acme & Sons","products":[{"name":"Microsoft"}],"status":"active","totalAccountsAmount":6},{"billingUsers":{"count":0},"customerDomain":"cafe-delice.example","id":"c2","name":"Café Délice  ","status":"inactive"}]"#;
        let csv = "id,name,customerDomain,status,seats\nc1,Acme & Sons,acme.example,active,3\n";
        let recording = record_raw(&[
            raw(
                "http://v.example/api/v1/customers",
                "application/json",
                customers,
            ),
            raw("http://v.example/api/v1/customers.csv", "text/csv", csv),
        ]);
        assert_eq!(body(&recording, 0).to_string(), customers);
        assert_eq!(text(&recording, 1), csv);
    }

    #[test]
    fn pseudonyms_are_the_same_in_bodies_paths_queries_and_credentials() {
        let mut lookup = raw(
            "http://v.example/api/v1/users/ada%40acme.example/devices?owner=ada@acme.example&from=2026-11-01",
            "application/json",
            r#"{"lastIp":"203.0.113.7"}"#,
        );
        lookup.request_headers = [("x-user".to_owned(), "admin@msp.example".to_owned())].into();
        let list = raw(
            "http://v.example/api/v1/users",
            "application/json",
            r#"[{"email":"Ada@Acme.example","ip":"203.0.113.7"}]"#,
        );
        let credentials: Credentials = [("api_key", KEY), ("login", "admin@msp.example")]
            .into_iter()
            .collect();
        let (recording, replay) = fixtures_of(
            &[lookup, list],
            &credentials,
            &Secrets::new([KEY]),
            &[],
            "t".into(),
        );
        let request = &recording.exchanges[0].request;
        assert_eq!(
            request.path,
            "/api/v1/users/person-2%40acme.example/devices"
        );
        assert_eq!(request.query["owner"], "person-2@acme.example");
        assert_eq!(request.query["from"], "2026-11-01");
        assert_eq!(request.headers["x-user"], "person-1@msp.example");
        assert_eq!(replay.get("login"), Some("person-1@msp.example"));
        assert_eq!(body(&recording, 0), json!({"lastIp": "198.51.100.2"}));
        assert_eq!(
            body(&recording, 1),
            json!([{"email": "person-2@acme.example", "ip": "198.51.100.2"}])
        );
    }

    #[test]
    fn names_found_anywhere_are_pseudonymized_in_free_text_everywhere() {
        let recording = record_raw(&[
            raw(
                "http://v.example/export.csv",
                "text/csv",
                "name,status\nAda Moreau,active\nAda Moreaux,active\n",
            ),
            raw(
                "http://v.example/api/v1/report",
                "application/json",
                r#"[{"displayName":"Ada Moreau"},{"event":"Ada Moreau signed in"}]"#,
            ),
        ]);
        assert_eq!(
            text(&recording, 0),
            "name,status\nPerson 1,active\nAda Moreaux,active\n"
        );
        assert_eq!(
            body(&recording, 1),
            json!([{"displayName": "Person 1"}, {"event": "Person 1 signed in"}])
        );
    }

    #[test]
    fn a_card_number_and_an_ssn_are_not_mangled_by_the_phone_rule() {
        // Both were `4111 +1-555-0100`-like: the phone rule took their last groups.
        let recording = record(&[
            r#"{"note":"Card 4111 1111 1111 1111, SSN 123-45-6789, call +44 20 7946 0958"}"#,
        ]);
        assert_eq!(
            body(&recording, 0),
            json!({"note": "Card 4000 0000 0000 0010, SSN 000-00-0001, call +1-555-0100"})
        );
    }

    #[test]
    fn addresses_ninos_ibans_and_dashed_cards_are_pseudonymized_whole() {
        let recording = record(&[r#"{
            "address": "221B Baker Street, London NW1 6XE",
            "billingAddress": {"line1": "10 Downing St", "city": "London", "postalCode": "SW1A 2AA"},
            "emailAddress": "ada@acme.example",
            "ssn": "078051120",
            "note": "Ship to 1600 Pennsylvania Avenue NW; NINO AB 12 34 56 C, IBAN GB82 WEST 1234 5698 7654 32, card 5555-5555-5555-4444"}"#]);
        assert_eq!(
            body(&recording, 0),
            json!({
                "address": "1 Example Street",
                "billingAddress": {"line1": "2 Example Street", "city": "London",
                    "postalCode": "3 Example Street"},
                "emailAddress": "person-1@acme.example",
                "ssn": "000000001",
                "note": "Ship to 4 Example Street NW; NINO QQ 00 00 01 A, IBAN GB00 TEST 0000 0000 0000 01, card 4000-0000-0000-0010"
            })
        );
    }

    /// A small deterministic generator (xorshift64*), so that the property test needs no crate.
    struct Generator(u64);

    impl Generator {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }

        fn digits(&mut self, n: usize) -> String {
            (0..n)
                .map(|_| char::from(b'0' + self.below(10) as u8))
                .collect()
        }

        fn key(&mut self) -> String {
            const CHARS: &[&str] = &[
                "a", "Z", "q", "7", "0", "-", "_", ".", "~", "+", "/", "=", "%", "&", "?", "#",
                "\"", "\\", "'", ":", " ", "é", "ß", "中", "🔑", "Ω", "\u{a0}",
            ];
            const AROUND: &[&str] = &["", " ", "  ", "\t", "\u{a0}", "\u{3000}", "\n"];
            let inner: String = (0..8 + self.below(17)).map(|_| self.pick(CHARS)).collect();
            let inner = inner.trim();
            // Starts and ends with a letter so that trimming leaves the whole inner part.
            format!("{}x{inner}y{}", self.pick(AROUND), self.pick(AROUND))
        }

        fn word(&mut self) -> String {
            const SYLLABLES: &[&str] = &[
                "zo", "ra", "vek", "tu", "lin", "qa", "mor", "bex", "ul", "dri", "ka", "yth",
            ];
            let word: String = (0..3).map(|_| self.pick(SYLLABLES)).collect();
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }

        /// A card number that passes the Luhn check, in groups of four.
        fn card(&mut self) -> String {
            let body = format!("4{}", self.digits(14));
            let number = (0..10)
                .map(|check| format!("{body}{check}"))
                .find(|number| luhn::valid(number))
                .unwrap();
            let separator = self.pick(&[" ", "-", ""]);
            let groups: Vec<&str> = (0..4).map(|i| &number[4 * i..4 * i + 4]).collect();
            groups.join(separator)
        }

        /// A British IBAN with its mod-97 check digits.
        fn iban(&mut self) -> String {
            let bban = format!("WEST{}", self.digits(14));
            let digits: String = format!("{bban}GB00")
                .chars()
                .map(|c| c.to_digit(36).unwrap().to_string())
                .collect();
            let remainder = digits
                .bytes()
                .fold(0u32, |r, d| (r * 10 + u32::from(d - b'0')) % 97);
            format!("GB{:02}{bban}", 98 - remainder)
        }

        fn ssn(&mut self) -> String {
            format!(
                "{:03}-{:02}-{:04}",
                1 + self.below(665),
                1 + self.below(99),
                1 + self.below(9999)
            )
        }

        fn nino(&mut self) -> String {
            let prefix = self.pick(&["AB", "CE", "JM", "PR", "WX"]);
            format!(
                "{prefix}{}{}",
                self.digits(6),
                self.pick(&["A", "B", "C", "D"])
            )
        }

        fn phone(&mut self) -> String {
            match self.below(4) {
                0 => format!(
                    "+33 6 {} {} {} {}",
                    self.digits(2),
                    self.digits(2),
                    self.digits(2),
                    self.digits(2)
                ),
                1 => format!(
                    "({}{}) {}-{}",
                    1 + self.below(9),
                    self.digits(2),
                    self.digits(3),
                    self.digits(4)
                ),
                2 => format!("+44 20 {} {}", self.digits(4), self.digits(4)),
                _ => format!(
                    "0{} {} {} {} {}",
                    1 + self.below(9),
                    self.digits(2),
                    self.digits(2),
                    self.digits(2),
                    self.digits(2)
                ),
            }
        }
    }

    struct Someone {
        first: String,
        last: String,
        email: String,
        phone: String,
        ipv4: String,
        ipv6: String,
        card: String,
        iban: String,
        ssn: String,
        nino: String,
        street: String,
    }

    impl Someone {
        fn new(generator: &mut Generator, n: usize) -> Someone {
            let (first, last) = (generator.word(), generator.word());
            Someone {
                email: format!(
                    "{}.{}{n}@corp{}.example",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    generator.below(3)
                ),
                phone: generator.phone(),
                card: generator.card(),
                iban: generator.iban(),
                ssn: generator.ssn(),
                nino: generator.nino(),
                street: format!("{} {} Road", 1 + generator.below(999), generator.word()),
                ipv4: format!(
                    "10.{}.{}.{}",
                    generator.below(256),
                    generator.below(256),
                    1 + generator.below(254)
                ),
                ipv6: format!(
                    "fd{:02x}:{:x}::{:x}",
                    generator.below(256),
                    1 + generator.below(0xfffe),
                    1 + generator.below(0xfffe)
                ),
                first,
                last,
            }
        }

        fn full(&self) -> String {
            format!("{} {}", self.first, self.last)
        }
    }

    #[test]
    fn random_keys_and_people_never_survive_a_recording() {
        let customers = r#"[{"billingUsers":{"count":3},"createTime":"2026-11-01T00:00:00Z","customerDomain":"acme.example","id":"c1","mappedTo":"29683412","name":"Acme & Sons","status":"active","version":"10.0.19045.2965"}]"#;
        let mut generator = Generator(0x9e37_79b9_7f4a_7c15);
        for round in 0..40 {
            let typed = generator.key();
            let sent = typed.trim().to_owned();
            let (encoded, b64) = (percent_encode(&sent), base64(sent.as_bytes()));
            // Every form a vendor may echo the key in (twice percent-encoded, byte by byte,
            // base64 after `user:`, hex, HTML references, …): the scanner sees each.
            let echoed = crate::traffic::echo::echo_forms(&sent);
            for form in &echoed {
                assert!(Secrets::new([typed.as_str()]).found_in(form), "{form}");
            }
            let echoed = echoed.join(" ");
            let people: Vec<Someone> = (0..3).map(|n| Someone::new(&mut generator, n)).collect();
            let [a, b, c] = [&people[0], &people[1], &people[2]];
            let headers = |raw: &mut RawExchange| {
                raw.request_headers = [
                    ("api_key".to_owned(), sent.clone()),
                    ("authorization".to_owned(), format!("Bearer {b64}")),
                    (
                        "proxy-authorization".to_owned(),
                        format!("Basic {}", base64(format!("user:{sent}").as_bytes())),
                    ),
                    ("x-echo".to_owned(), echoed.clone()),
                ]
                .into();
                raw.response_headers
                    .insert("location".into(), format!("/x?k={encoded}"));
            };
            let base = "http://127.0.0.1:9/api/v1";
            let users = json!([
                {"id": "u1", "name": a.full(), "email": a.email, "mobilePhone": a.phone,
                 "lastLoginIp": a.ipv4, "echo": sent, "homeAddress": a.street, "ssn": a.ssn,
                 "payment": format!("card {} iban {}", a.card, a.iban), "nino": a.nino,
                 "manager": {"displayName": b.full(), "mail": b.email}},
                {"id": "u2", "name": b.full(), "email": b.email, "manager": a.full()}
            ]);
            let events = json!({"data": [{
                "description": format!("Sign-in by {} <{}> from {}, call {}; key {sent}; \
                    lives at {}, SSN {}, NINO {}, card {}, IBAN {}",
                    b.full(), b.email, b.ipv6, b.phone, b.street, b.ssn, b.nino, b.card, b.iban),
                "actor": b.email,
                "raw": format!("{encoded} {b64} {echoed}"),
                sent.clone(): "echoed as a key",
                "payload": json!({"user": {"fullName": c.full(), "email": c.email,
                    "ip": c.ipv4, "token": sent}}).to_string()
            }]});
            let profile = json!({"givenName": a.first, "surname": a.last,
                "contacts": {c.email.clone(): {"phone": c.phone, "from": c.ipv6,
                    "address": {"street": c.street, "city": "Leeds"}, "ssn": c.ssn,
                    "paidWith": format!("{} / {} / {}", c.card, c.iban, c.nino)}}});
            let csv = format!(
                "name,email,phone,ip,key\n{},{},{},{},{sent}\n{},{},{},{},{b64}\n{echoed}\n",
                a.full(),
                a.email,
                a.phone,
                a.ipv4,
                c.full(),
                c.email,
                c.phone,
                c.ipv6
            );
            let mut raws = vec![
                raw(
                    &format!("{base}/users?key={encoded}"),
                    "application/json",
                    &users.to_string(),
                ),
                raw(
                    &format!("{base}/events/{encoded}?user={}", percent_encode(&a.email)),
                    "application/json",
                    &events.to_string(),
                ),
                raw(
                    &format!("{base}/profile"),
                    "application/json",
                    &format!("\u{feff}{profile}"),
                ),
                raw(&format!("{base}/export.csv"), "text/csv", &csv),
            ];
            raws.push(raw(
                &format!("{base}/customers"),
                "application/json",
                customers,
            ));
            raws.iter_mut().for_each(headers);
            let secrets = Secrets::new([typed.as_str()]);
            let credentials: Credentials = [
                ("api_key", typed.as_str()),
                ("api_url", "http://127.0.0.1:9/api/v1"),
            ]
            .into_iter()
            .collect();
            let (recording, replay) = fixtures_of(
                &raws,
                &credentials,
                &secrets,
                &["api_url".into()],
                "generated".into(),
            );
            let written = serde_json::to_string_pretty(&recording).unwrap()
                + &serde_json::to_string_pretty(&replay).unwrap();
            assert!(
                !secrets.found_in(&written),
                "round {round}, key {typed:?}: {written}"
            );
            assert_eq!(replay.get("api_key"), Some(REPLAY_SECRET));
            for someone in &people {
                for original in [
                    &someone.first,
                    &someone.last,
                    &someone.email,
                    &someone.phone,
                    &someone.ipv4,
                    &someone.ipv6,
                    &someone.card,
                    &someone.iban,
                    &someone.ssn,
                    &someone.nino,
                    &someone.street,
                ] {
                    assert!(
                        !written.contains(original.as_str()),
                        "round {round}: {original} survived in {written}"
                    );
                }
            }
            assert_eq!(body(&recording, 4).to_string(), customers, "round {round}");
        }
    }
}
