//! The recorder's tests: helpers shared by the files that test its jobs.

mod personal;
mod random;
mod secrets;

use super::*;
use plugin_contract::encoding::{base64, percent_encode};
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
