//! Secrets leave a recording: every form of a key, bearer schemes, issued tokens as placeholders.

use super::*;

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
        format!("grant_type=client_credentials&client_id=c1&client_secret={secret}").into_bytes();
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
