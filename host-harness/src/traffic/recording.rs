//! The recorded vendor traffic of a scenario, `exchanges.json`: the file format that
//! [`replay`](crate::traffic::replay) serves and [`recorder`](crate::traffic::recorder) writes.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::runtime::issued::issued_values;

/// The contents of a scenario's `exchanges.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// Where the exchanges came from: a capture, or how they were synthesized.
    pub source: String,
    /// The exchanges, in the order they were recorded.
    pub exchanges: Vec<Exchange>,
}

impl Recording {
    /// Returns what the recorded responses issue (tokens, session cookies: see
    /// [`issued_values`]): the values, each once in the order they appear, and `METHOD /path` of
    /// each request whose answer issues one (a token endpoint), each once in recorded order.
    pub fn issued(&self) -> (Vec<String>, Vec<String>) {
        let (mut values, mut endpoints): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for exchange in &self.exchanges {
            let issued = exchange.response.issued_values();
            if issued.is_empty() {
                continue;
            }
            let request = &exchange.request;
            let endpoint = format!("{} {}", request.method.to_ascii_uppercase(), request.path);
            if !endpoints.contains(&endpoint) {
                endpoints.push(endpoint);
            }
            for value in issued {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        (values, endpoints)
    }
}

impl RecordedResponse {
    /// Returns the values this response issues (see [`issued_values`]).
    fn issued_values(&self) -> Vec<String> {
        let headers = self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let body = match (&self.body, &self.body_text) {
            (Some(json), _) => json.to_string(),
            (None, Some(text)) => text.clone(),
            (None, None) => String::new(),
        };
        issued_values(headers, body.as_bytes())
    }
}

/// One request and the response it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// What the client sent.
    pub request: RecordedRequest,
    /// What the server answered.
    pub response: RecordedResponse,
}

/// A recorded request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query parameters, decoded.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Headers the request must carry (lowercase names).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body the request must carry; none: the request must have an empty body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RecordedBody>,
}

/// A recorded request body, matched strictly by replay: `<redacted>` inside a value stands for
/// a secret, as in a header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordedBody {
    /// An `application/x-www-form-urlencoded` body, decoded: fields in any order, the same set.
    Form(BTreeMap<String, String>),
    /// A JSON body, compared by value.
    Json(Value),
    /// Any other body, as text.
    Text(String),
}

/// A recorded response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// The HTTP status.
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, stored as JSON for readability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A body that is not JSON (or is broken JSON), stored as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// Waits this long before answering (a slow vendor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Answers with bytes that are not HTTP instead (status, headers and body unused): a broken
    /// connection, which every HTTP client reports at once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_http: bool,
}
