//! Turns live exchanges into replay fixtures: secrets removed, personal data pseudonymized.
//!
//! The harness's own HTTP (see [`crate::http`]) keeps every exchange of a recording plugin, so
//! no proxy sits between the plugin and the vendor. Before anything is written:
//!
//! - every value of a `writeOnly` credential becomes `<redacted>`, wherever it appears;
//! - in JSON bodies, e-mail addresses keep their domain but get a pseudonymous local part
//!   (`person-3@acme.com`), IP addresses become documentation addresses (`198.51.100.3`,
//!   `2001:db8::3`), and person names (`name`, `fullName`, `displayName`, … of an object that
//!   also holds an e-mail address) become `Person 3`. The same value always gets the same
//!   pseudonym, so relations between exchanges survive;
//! - only the response headers replay needs are kept (`content-type`, `retry-after`, `location`).
//!
//! Company names, domains and ids are business data and stay as they are.

use std::collections::BTreeMap;
use std::net::IpAddr;

use plugin_contract::Credentials;
use serde_json::{Map, Value};

use crate::http::RawExchange;
use crate::replay::{
    parse_query, Exchange, RecordedRequest, RecordedResponse, Recording, REDACTED,
    REPLAY_URL_PLACEHOLDER,
};

/// Response headers worth keeping in a fixture.
const KEPT_RESPONSE_HEADERS: [&str; 3] = ["content-type", "retry-after", "location"];

/// Keys that hold a person's name in an object that also holds an e-mail address.
const PERSON_NAME_KEYS: [&str; 8] = [
    "name",
    "fullname",
    "displayname",
    "firstname",
    "lastname",
    "givenname",
    "surname",
    "username",
];

/// Builds the fixture files of a recording: the exchanges and the credentials to replay them.
///
/// `secrets` are the values to remove; `url_fields` the credentials that hold the vendor's URL,
/// which point at the replay server in the fixture.
pub fn fixtures_of(
    raw: &[RawExchange],
    credentials: &Credentials,
    secrets: &[String],
    url_fields: &[String],
    source: String,
) -> (Recording, Credentials) {
    let mut pseudonyms = Pseudonyms::default();
    let scrub = |text: &str| {
        secrets
            .iter()
            .filter(|s| !s.is_empty())
            .fold(text.to_owned(), |text, secret| {
                text.replace(secret.as_str(), REDACTED)
            })
    };
    let exchanges = raw
        .iter()
        .map(|exchange| {
            let url = url::Url::parse(&exchange.url).ok();
            let path = url.as_ref().map_or("/".to_owned(), |u| u.path().to_owned());
            let query = parse_query(url.as_ref().and_then(|u| u.query()).unwrap_or(""));
            let headers = exchange
                .request_headers
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), scrub(value)))
                .collect();
            let response_headers = exchange
                .response_headers
                .iter()
                .filter(|(name, _)| {
                    KEPT_RESPONSE_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                })
                .map(|(name, value)| (name.to_ascii_lowercase(), scrub(value)))
                .collect();
            let text = scrub(&String::from_utf8_lossy(&exchange.body));
            let (body, body_text) = match serde_json::from_str::<Value>(&text) {
                Ok(json) => (Some(pseudonyms.of_json(json)), None),
                Err(_) => (None, Some(text)),
            };
            Exchange {
                request: RecordedRequest {
                    method: exchange.method.clone(),
                    path: scrub(&path),
                    query: query
                        .into_iter()
                        .map(|(k, v)| (scrub(&k), scrub(&v)))
                        .collect(),
                    headers,
                },
                response: RecordedResponse {
                    status: exchange.status,
                    headers: response_headers,
                    body,
                    body_text,
                    delay_ms: None,
                },
            }
        })
        .collect();
    let replay_credentials = credentials
        .iter()
        .map(|(key, value)| {
            let value = if secrets.iter().any(|s| s == value) {
                "replay-secret".to_owned()
            } else if url_fields.iter().any(|f| f == key) {
                url::Url::parse(value).map_or(REPLAY_URL_PLACEHOLDER.to_owned(), |u| {
                    format!("{REPLAY_URL_PLACEHOLDER}{}", u.path().trim_end_matches('/'))
                })
            } else {
                value.to_owned()
            };
            (key, value)
        })
        .collect();
    (Recording { source, exchanges }, replay_credentials)
}

/// Consistent pseudonyms for personal data.
#[derive(Default)]
struct Pseudonyms {
    by_original: BTreeMap<String, String>,
    emails: usize,
    ips: usize,
    people: usize,
}

impl Pseudonyms {
    fn of_json(&mut self, value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.of_text(text)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.of_json(v)).collect())
            }
            Value::Object(fields) => Value::Object(self.of_object(fields)),
            other => other,
        }
    }

    fn of_object(&mut self, fields: Map<String, Value>) -> Map<String, Value> {
        let about_a_person = fields.values().any(|v| v.as_str().is_some_and(is_email));
        fields
            .into_iter()
            .map(|(key, value)| {
                let value = match value {
                    Value::String(name)
                        if about_a_person
                            && PERSON_NAME_KEYS.contains(&key.to_ascii_lowercase().as_str())
                            && !is_email(&name) =>
                    {
                        Value::String(self.person(name))
                    }
                    other => self.of_json(other),
                };
                (key, value)
            })
            .collect()
    }

    fn of_text(&mut self, text: String) -> String {
        if is_email(&text) {
            let domain = text.rsplit_once('@').map_or("", |(_, d)| d).to_owned();
            let pseudonym =
                self.pseudonym(&text, |n| format!("person-{n}@{domain}"), |p| &mut p.emails);
            return pseudonym;
        }
        match text.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => self.pseudonym(
                &text,
                |n| format!("198.51.100.{}", n % 254 + 1),
                |p| &mut p.ips,
            ),
            Ok(IpAddr::V6(_)) => {
                self.pseudonym(&text, |n| format!("2001:db8::{n:x}"), |p| &mut p.ips)
            }
            Err(_) => text,
        }
    }

    fn person(&mut self, name: String) -> String {
        self.pseudonym(
            &format!("name:{name}"),
            |n| format!("Person {n}"),
            |p| &mut p.people,
        )
    }

    fn pseudonym(
        &mut self,
        original: &str,
        make: impl FnOnce(usize) -> String,
        counter: impl FnOnce(&mut Self) -> &mut usize,
    ) -> String {
        if let Some(known) = self.by_original.get(original) {
            return known.clone();
        }
        let count = counter(self);
        *count += 1;
        let pseudonym = make(*count);
        self.by_original
            .insert(original.to_owned(), pseudonym.clone());
        pseudonym
    }
}

fn is_email(text: &str) -> bool {
    match text.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(body: &str) -> RawExchange {
        RawExchange {
            method: "GET".into(),
            url: "http://127.0.0.1:9/api/v1/users?customerId=c%201&token=s3cret-key".into(),
            request_headers: [("api_key".to_owned(), "s3cret-key".to_owned())].into(),
            status: 200,
            response_headers: [
                ("content-type".to_owned(), "application/json".to_owned()),
                ("set-cookie".to_owned(), "session=abc".to_owned()),
            ]
            .into(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn record(bodies: &[&str]) -> Recording {
        let raw: Vec<RawExchange> = bodies.iter().map(|b| exchange(b)).collect();
        let credentials = [
            ("api_key", "s3cret-key"),
            ("api_url", "http://127.0.0.1:9/api/v1"),
        ]
        .into_iter()
        .collect();
        fixtures_of(
            &raw,
            &credentials,
            &["s3cret-key".into()],
            &["api_url".into()],
            "test".into(),
        )
        .0
    }

    #[test]
    fn secrets_are_removed_everywhere() {
        let recording = record(&[r#"{"echo":"s3cret-key"}"#]);
        let text = serde_json::to_string(&recording).unwrap();
        assert!(!text.contains("s3cret-key"), "{text}");
        let request = &recording.exchanges[0].request;
        assert_eq!(request.headers["api_key"], REDACTED);
        assert_eq!(request.query["customerId"], "c 1");
        assert!(!recording.exchanges[0]
            .response
            .headers
            .contains_key("set-cookie"));
    }

    #[test]
    fn personal_data_gets_consistent_pseudonyms_and_business_data_stays() {
        let recording = record(&[
            r#"[{"name":"Ada Moreau","email":"ada@acme.example","ip":"203.0.113.7"},{"name":"Ben Okafor","email":"ben@acme.example","ip":"2001:db8:1::5"}]"#,
            r#"[{"fullName":"Ada Moreau","user":"ada@acme.example"},{"name":"Acme & Sons","customerDomain":"acme.example"}]"#,
        ]);
        let first = recording.exchanges[0].response.body.clone().unwrap();
        let second = recording.exchanges[1].response.body.clone().unwrap();
        assert_eq!(
            first,
            json!([
                {"name": "Person 1", "email": "person-1@acme.example", "ip": "198.51.100.2"},
                {"name": "Person 2", "email": "person-2@acme.example", "ip": "2001:db8::2"}
            ])
        );
        assert_eq!(
            second,
            json!([
                {"fullName": "Person 1", "user": "person-1@acme.example"},
                {"name": "Acme & Sons", "customerDomain": "acme.example"}
            ])
        );
    }

    #[test]
    fn replay_credentials_point_at_the_replay_server_and_hide_secrets() {
        let credentials: Credentials = [
            ("api_key", "s3cret-key"),
            ("api_url", "https://vendor.example/base/"),
            ("region", "eu"),
        ]
        .into_iter()
        .collect();
        let (_, replay) = fixtures_of(
            &[],
            &credentials,
            &["s3cret-key".into()],
            &["api_url".into()],
            "t".into(),
        );
        assert_eq!(replay.get("api_key"), Some("replay-secret"));
        assert_eq!(replay.get("api_url"), Some("{replay_url}/base"));
        assert_eq!(replay.get("region"), Some("eu"));
    }

    #[test]
    fn bodies_that_are_not_json_are_kept_as_text_without_secrets() {
        let recording = record(&["<html>key s3cret-key</html>"]);
        assert_eq!(
            recording.exchanges[0].response.body_text.as_deref(),
            Some("<html>key <redacted></html>")
        );
    }
}
