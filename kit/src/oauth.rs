//! OAuth 2.0 client credentials (RFC 6749 §4.4): a token from the vendor's token endpoint, then
//! that token as the bearer of every API request.
//!
//! A vendor such as Pax8 gives the MSP a Client ID and a Client Secret. The plugin posts them to
//! the token endpoint (`grant_type=client_credentials`, as form fields or HTTP Basic, RFC 6749
//! §2.3.1), reads `access_token`, `token_type` and `expires_in` (§5.1), and sends
//! `Authorization: Bearer <token>` on each request. [`send`] does all of it around one request.
//!
//! **One token per instance, no clock.** A plugin cannot read the time, so it cannot tell when
//! `expires_in` runs out. The token is fetched once and reused for every request of the call
//! and of later calls of the same plugin instance (it lives in the instance's memory); when the
//! API answers 401 to a reused token, [`send`] fetches one fresh token and retries once, never
//! more: a 401 to a fresh token is the vendor's answer, returned as it is. A different client
//! (another token URL, client or secret) never gets the kept token; an instance serves one
//! connection anyway (host profile).
//!
//! **Tokens are secrets.** Every token received is handed to
//! [`plugin_contract::issued::keep`], so the guest glue removes it from whatever leaves the
//! plugin, like the client secret.
//!
//! **Errors are typed.** A token endpoint that refuses says why in `error` (§5.2); [`TokenError`]
//! keeps it, and [`TokenError::class`] gives the contract's class: `invalid_client` and
//! `invalid_grant` are `auth` (re-enter the credentials), `unauthorized_client` is
//! `permission` (the client may not use this grant), `invalid_scope`, `invalid_request` and
//! `unsupported_grant_type` are `config`; without an `error`, the status's class on a call's
//! first request (`status::class_of`: 5xx `transient`, 429 `rate_limited`, 404 `config`).

use std::cell::RefCell;

use plugin_contract::{ErrorClass, PluginError};
use serde::Deserialize;

use crate::http::{form_body, Http, HttpRequest, HttpResponse, TransportError, FORM_CONTENT_TYPE};
use crate::page;
use crate::status::{self, Request};

/// How the client proves who it is to the token endpoint (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as form fields of the token request.
    Body,
    /// `Authorization: Basic base64(client_id:client_secret)`, each form-encoded first.
    Basic,
}

/// What a token request needs: the endpoint, the client, and what else the vendor asks for.
#[derive(Clone, Copy, Debug)]
pub struct ClientCredentials<'a> {
    /// The token endpoint's full URL.
    pub token_url: &'a str,
    /// The Client ID.
    pub client_id: &'a str,
    /// The Client Secret.
    pub client_secret: &'a str,
    /// How the client authenticates.
    pub auth: ClientAuth,
    /// More form fields the vendor requires, e.g. `scope` or `audience`.
    pub fields: &'a [(&'a str, &'a str)],
}

/// An access token the vendor issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The token itself: a secret.
    pub access_token: String,
    /// `Bearer` (any case), the only type sent.
    pub token_type: String,
    /// How long the vendor says it lasts, in seconds; unused without a clock, kept for hosts.
    pub expires_in: Option<u64>,
}

/// Why no token came from the token endpoint.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The request got no response.
    #[error("the token endpoint could not be reached: {0}")]
    Transport(#[from] TransportError),
    /// The endpoint refused with an OAuth error code (RFC 6749 §5.2).
    #[error("the token endpoint refused the client credentials with HTTP {status} ({code})")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The `error` member, e.g. `invalid_client`.
        code: String,
    },
    /// The endpoint answered a status other than 200 without an OAuth error.
    #[error("the token endpoint answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The endpoint answered a web page: the token URL is not the vendor's.
    #[error("the token endpoint answered a web page, not JSON")]
    WebPage,
    /// The endpoint answered 200 with something that is not a bearer token.
    #[error("the token endpoint's answer cannot be read: {0}")]
    Unreadable(String),
}

impl TokenError {
    /// Returns the contract's class of the failure (see the [module docs](self)).
    pub fn class(&self) -> ErrorClass {
        match self {
            TokenError::Transport(e) => e.class(),
            TokenError::Refused { status, code } => match code.as_str() {
                "invalid_client" | "invalid_grant" => ErrorClass::Auth,
                "unauthorized_client" => ErrorClass::Permission,
                "invalid_scope" | "invalid_request" | "unsupported_grant_type" => {
                    ErrorClass::Config
                }
                _ => status::class_of(*status, Request::First),
            },
            TokenError::Status { status } => status::class_of(*status, Request::First),
            TokenError::WebPage => status::web_page_class(Request::First),
            TokenError::Unreadable(_) => ErrorClass::Vendor,
        }
    }

    /// Returns the HTTP status the endpoint answered, if it answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            TokenError::Refused { status, .. } | TokenError::Status { status } => Some(*status),
            TokenError::WebPage | TokenError::Unreadable(_) => Some(200),
            TokenError::Transport(_) => None,
        }
    }

    /// Returns the contract's error for the failure, its message naming `vendor`.
    pub fn to_plugin_error(&self, vendor: &str) -> PluginError {
        let hint = match self.class() {
            ErrorClass::Auth => " Check the Client ID and Client Secret.",
            ErrorClass::Permission => " The client may not use client credentials.",
            _ => "",
        };
        let error = PluginError::new(self.class(), format!("{vendor}: {self}.{hint}"));
        match self.http_status() {
            Some(status) => error.with_http_status(status),
            None => error,
        }
    }
}

/// Why an authorized request failed: no token, or no response to the request itself.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizedError {
    /// No token could be had.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The API request got no response.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// The token kept by this instance, and the client it was issued to.
struct Kept {
    client: (String, String, String),
    access_token: String,
}

thread_local! {
    /// The one token of this instance (an instance serves one connection).
    static KEPT: RefCell<Option<Kept>> = const { RefCell::new(None) };
}

/// Returns the client a token is kept for: another endpoint, client or secret is another one.
fn client_of(grant: &ClientCredentials<'_>) -> (String, String, String) {
    (
        grant.token_url.to_owned(),
        grant.client_id.to_owned(),
        grant.client_secret.to_owned(),
    )
}

/// Returns the token kept for `grant`'s client, if any.
fn kept_token(grant: &ClientCredentials<'_>) -> Option<String> {
    KEPT.with(|kept| {
        kept.borrow()
            .as_ref()
            .filter(|kept| {
                let (token_url, client_id, client_secret) = &kept.client;
                (
                    token_url.as_str(),
                    client_id.as_str(),
                    client_secret.as_str(),
                ) == (grant.token_url, grant.client_id, grant.client_secret)
            })
            .map(|kept| kept.access_token.clone())
    })
}

/// Forgets the kept token, so that the next request fetches a fresh one.
pub fn forget_token() {
    KEPT.with(|kept| *kept.borrow_mut() = None);
}

/// Sends `request` with `Authorization: Bearer <token>`, fetching the token first unless this
/// instance keeps one for `grant`'s client; a 401 to a kept token gets one fresh token and one
/// retry (see the [module docs](self)).
pub fn send<H: Http>(
    http: &mut H,
    grant: &ClientCredentials<'_>,
    request: &HttpRequest<'_>,
) -> Result<HttpResponse, AuthorizedError> {
    let (token, reused) = match kept_token(grant) {
        Some(token) => (token, true),
        None => (fetch_token(http, grant)?.access_token, false),
    };
    let response = send_with_bearer(http, request, &token)?;
    if response.status != 401 || !reused {
        return Ok(response);
    }
    forget_token();
    let token = fetch_token(http, grant)?.access_token;
    Ok(send_with_bearer(http, request, &token)?)
}

/// Sends `request` with its headers and `Authorization: Bearer <token>`.
fn send_with_bearer<H: Http>(
    http: &mut H,
    request: &HttpRequest<'_>,
    token: &str,
) -> Result<HttpResponse, TransportError> {
    let bearer = format!("Bearer {token}");
    let mut headers: Vec<(&str, &str)> = request.headers.to_vec();
    headers.push(("authorization", &bearer));
    http.send(&HttpRequest {
        headers: &headers,
        ..*request
    })
}

/// The members of a token response (RFC 6749 §5.1) and of a refusal (§5.2) that are read.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    error: Option<String>,
}

/// Fetches a fresh token for `grant` from its endpoint, keeps it for this instance and hands
/// it to [`plugin_contract::issued::keep`].
pub fn fetch_token<H: Http>(
    http: &mut H,
    grant: &ClientCredentials<'_>,
) -> Result<Token, TokenError> {
    let mut fields: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
    let basic;
    let mut headers = vec![
        ("content-type", FORM_CONTENT_TYPE),
        ("accept", "application/json"),
    ];
    match grant.auth {
        ClientAuth::Body => {
            fields.push(("client_id", grant.client_id));
            fields.push(("client_secret", grant.client_secret));
        }
        ClientAuth::Basic => {
            let pair = format!(
                "{}:{}",
                crate::percent_encode(grant.client_id),
                crate::percent_encode(grant.client_secret)
            );
            basic = format!(
                "Basic {}",
                plugin_contract::encoding::base64(pair.as_bytes())
            );
            headers.push(("authorization", &basic));
        }
    }
    fields.extend_from_slice(grant.fields);
    let body = form_body(&fields);
    let response = http.send(&HttpRequest::post(grant.token_url, &headers, &body))?;
    let token = read_token(&response)?;
    KEPT.with(|kept| {
        *kept.borrow_mut() = Some(Kept {
            client: client_of(grant),
            access_token: token.access_token.clone(),
        });
    });
    Ok(token)
}

/// Reads the token endpoint's answer: a bearer token on 200, else why not.
fn read_token(response: &HttpResponse) -> Result<Token, TokenError> {
    let parsed = serde_json::from_slice::<TokenResponse>(&response.body);
    if response.status != 200 {
        return Err(match parsed.ok().and_then(|r| r.error) {
            Some(code) => TokenError::Refused {
                status: response.status,
                code,
            },
            None => TokenError::Status {
                status: response.status,
            },
        });
    }
    if page::is_web_page(&response.body) {
        return Err(TokenError::WebPage);
    }
    let parsed =
        parsed.map_err(|e| TokenError::Unreadable(format!("not a token response: {e}")))?;
    if let Some(refresh) = &parsed.refresh_token {
        plugin_contract::issued::keep(refresh);
    }
    let access_token = match parsed.access_token {
        Some(token) if !token.trim().is_empty() => token,
        _ => return Err(TokenError::Unreadable("no access_token".to_owned())),
    };
    plugin_contract::issued::keep(&access_token);
    let token_type = parsed.token_type.unwrap_or_else(|| "Bearer".to_owned());
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::Unreadable(format!(
            "token_type {token_type:?}, not Bearer"
        )));
    }
    let expires_in = match parsed.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(Token {
        access_token,
        token_type,
        expires_in,
    })
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::FakeHttp;

    const TOKEN_URL: &str = "https://login.example/oauth/token";
    const API: &str = "https://api.example/v1/companies";

    fn grant(auth: ClientAuth) -> ClientCredentials<'static> {
        ClientCredentials {
            token_url: TOKEN_URL,
            client_id: "client 1",
            client_secret: "s3cret&=+",
            auth,
            fields: &[("audience", "api://example")],
        }
    }

    fn token(value: &str) -> String {
        format!(r#"{{"access_token":"{value}","token_type":"bearer","expires_in":86400}}"#)
    }

    fn fake() -> FakeHttp {
        forget_token();
        FakeHttp::new()
    }

    fn get(http: &mut FakeHttp, auth: ClientAuth) -> Result<HttpResponse, AuthorizedError> {
        send(
            http,
            &grant(auth),
            &HttpRequest::get(API, &[("accept", "application/json")]),
        )
    }

    #[test]
    fn the_token_request_is_a_form_with_the_client_in_the_body_or_as_basic() {
        let mut http = fake()
            .answer_to("POST", TOKEN_URL, 200, token("tok-1"))
            .answer(API, 200, "[]");
        get(&mut http, ClientAuth::Body).unwrap();
        let sent = &http.sent[0];
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.header("content-type"), Some(FORM_CONTENT_TYPE));
        assert_eq!(
            String::from_utf8_lossy(&sent.body),
            "grant_type=client_credentials&client_id=client%201&client_secret=s3cret%26%3D%2B&audience=api%3A%2F%2Fexample"
        );
        assert_eq!(sent.header("authorization"), None);
        assert_eq!(http.sent[1].header("authorization"), Some("Bearer tok-1"));

        let mut http = fake()
            .answer_to("POST", TOKEN_URL, 200, token("tok-2"))
            .answer(API, 200, "[]");
        get(&mut http, ClientAuth::Basic).unwrap();
        let sent = &http.sent[0];
        let basic = plugin_contract::encoding::base64(b"client%201:s3cret%26%3D%2B");
        assert_eq!(
            sent.header("authorization"),
            Some(format!("Basic {basic}").as_str())
        );
        assert_eq!(
            String::from_utf8_lossy(&sent.body),
            "grant_type=client_credentials&audience=api%3A%2F%2Fexample"
        );
    }

    #[test]
    fn a_token_is_fetched_once_and_reused_by_later_requests_and_calls() {
        let mut http = fake()
            .answer_to("POST", TOKEN_URL, 200, token("tok-1"))
            .answer(API, 200, "[]");
        for _ in 0..3 {
            assert_eq!(get(&mut http, ClientAuth::Body).unwrap().status, 200);
        }
        assert_eq!(http.sent_to(TOKEN_URL).len(), 1);
        assert_eq!(http.sent_to(API).len(), 3);
        assert!(plugin_contract::issued::kept().contains(&"tok-1".to_owned()));
    }

    #[test]
    fn another_client_never_gets_the_kept_token() {
        let mut http = fake()
            .answer_to("POST", TOKEN_URL, 200, token("tok-1"))
            .then_answer("POST", TOKEN_URL, 200, token("tok-2"))
            .answer(API, 200, "[]");
        get(&mut http, ClientAuth::Body).unwrap();
        let other = ClientCredentials {
            client_secret: "another secret",
            ..grant(ClientAuth::Body)
        };
        send(&mut http, &other, &HttpRequest::get(API, &[])).unwrap();
        assert_eq!(http.sent_to(TOKEN_URL).len(), 2);
        assert_eq!(http.sent[3].header("authorization"), Some("Bearer tok-2"));
    }

    #[test]
    fn a_401_to_a_reused_token_gets_one_fresh_token_and_one_retry_never_more() {
        let mut http = fake()
            .answer_to("POST", TOKEN_URL, 200, token("tok-1"))
            .then_answer("POST", TOKEN_URL, 200, token("tok-2"))
            .answer(API, 200, "[]")
            .then_answer("*", API, 401, "")
            .then_answer("*", API, 200, "[]")
            .then_answer("*", API, 401, "");
        assert_eq!(get(&mut http, ClientAuth::Body).unwrap().status, 200);
        // The kept tok-1 gets a 401: a fresh tok-2, and the retry answers 200.
        assert_eq!(get(&mut http, ClientAuth::Body).unwrap().status, 200);
        assert_eq!(http.sent_to(TOKEN_URL).len(), 2);
        let bearers: Vec<_> = http
            .sent_to(API)
            .iter()
            .map(|s| s.header("authorization"))
            .collect();
        assert_eq!(
            bearers,
            [
                Some("Bearer tok-1"),
                Some("Bearer tok-1"),
                Some("Bearer tok-2")
            ]
        );
        // tok-2 is kept now and gets 401s: one fresh token, one retry, and its 401 is returned.
        assert_eq!(get(&mut http, ClientAuth::Body).unwrap().status, 401);
        assert_eq!(http.sent_to(TOKEN_URL).len(), 3);
        assert_eq!(http.sent_to(API).len(), 5);
    }

    #[test]
    fn a_401_to_a_fresh_token_is_returned_without_a_retry() {
        let mut http = fake()
            .answer_to("POST", TOKEN_URL, 200, token("tok-1"))
            .answer(API, 401, "");
        assert_eq!(get(&mut http, ClientAuth::Body).unwrap().status, 401);
        assert_eq!(http.sent.len(), 2);
    }

    #[test]
    fn token_errors_get_the_contract_classes() {
        let class = |status: u16, body: &str| {
            let mut http = fake().answer_to("POST", TOKEN_URL, status, body);
            match get(&mut http, ClientAuth::Body) {
                Err(AuthorizedError::Token(e)) => e.class(),
                other => panic!("expected a token error, got {other:?}"),
            }
        };
        let refused = |code: &str| format!(r#"{{"error":"{code}","error_description":"no"}}"#);
        assert_eq!(class(401, &refused("invalid_client")), ErrorClass::Auth);
        assert_eq!(class(400, &refused("invalid_client")), ErrorClass::Auth);
        assert_eq!(class(400, &refused("invalid_grant")), ErrorClass::Auth);
        assert_eq!(
            class(400, &refused("unauthorized_client")),
            ErrorClass::Permission
        );
        assert_eq!(class(400, &refused("invalid_scope")), ErrorClass::Config);
        assert_eq!(
            class(400, &refused("unsupported_grant_type")),
            ErrorClass::Config
        );
        assert_eq!(class(500, "oops"), ErrorClass::Transient);
        assert_eq!(
            class(503, &refused("temporarily_unavailable")),
            ErrorClass::Transient
        );
        assert_eq!(class(429, ""), ErrorClass::RateLimited);
        assert_eq!(class(404, "<html></html>"), ErrorClass::Config);
        assert_eq!(class(403, ""), ErrorClass::Permission);
        assert_eq!(
            class(200, "<!doctype html><p>login</p>"),
            ErrorClass::Config
        );
        assert_eq!(class(200, r#"{"token_type":"bearer"}"#), ErrorClass::Vendor);
        assert_eq!(
            class(200, r#"{"access_token":"t","token_type":"mac"}"#),
            ErrorClass::Vendor
        );
        assert_eq!(class(200, "{"), ErrorClass::Vendor);
        let mut http = fake();
        let Err(AuthorizedError::Token(unreached)) = get(&mut http, ClientAuth::Body) else {
            panic!("no route is a transport failure");
        };
        assert_eq!(unreached.class(), ErrorClass::Transient);
        assert_eq!(unreached.http_status(), None);
    }

    #[test]
    fn a_refusal_message_names_the_vendor_and_never_the_secret() {
        let mut http = fake().answer_to("POST", TOKEN_URL, 401, r#"{"error":"invalid_client"}"#);
        let Err(AuthorizedError::Token(error)) = get(&mut http, ClientAuth::Body) else {
            panic!("refused");
        };
        let error = error.to_plugin_error("Acme");
        assert_eq!(error.class, ErrorClass::Auth);
        assert_eq!(error.http_status, Some(401));
        assert!(error.message.starts_with("Acme: "), "{}", error.message);
        assert!(!error.message.contains("s3cret"));
    }

    #[test]
    fn every_token_received_is_kept_as_an_issued_secret() {
        let body = r#"{"access_token":"tok-9","refresh_token":"ref-9","token_type":"Bearer","expires_in":"3600"}"#;
        let mut http = fake().answer_to("POST", TOKEN_URL, 200, body);
        let token = fetch_token(&mut http, &grant(ClientAuth::Body)).unwrap();
        assert_eq!(token.expires_in, Some(3600));
        let kept = plugin_contract::issued::kept();
        assert!(kept.contains(&"tok-9".to_owned()) && kept.contains(&"ref-9".to_owned()));
    }
}
