//! What keeps anyone but the person who started the web host from driving it: it listens on
//! 127.0.0.1 only, every request needs the random token of the printed URL (then a cookie, as
//! Jupyter does), a `Host` other than the loopback address and port is refused (DNS
//! rebinding), and a request that changes state needs the same origin and the CSRF token.
//! Every response carries a Content-Security-Policy without inline scripts.

use tiny_http::{Header, Method, Request};

/// The cookie holding the session token once the printed URL was opened.
const COOKIE: &str = "hh_session";

/// The policy of every page: only the binary's own assets, no inline script, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The two random tokens of one server's life.
pub struct Guard {
    /// In the printed URL, then in the cookie.
    session: String,
    /// In every form and in the header of every state-changing `fetch`.
    csrf: String,
    /// The port served, for `Host` and `Origin`.
    port: u16,
}

/// What the guard decided about a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Serve it.
    Allow,
    /// The URL carried the right token: set the cookie and send the browser to `location`
    /// (the same URL without the token, so it stays out of history and logs).
    SetCookie { location: String },
    /// Refuse it with this status and reason.
    Refuse { status: u16, reason: &'static str },
}

/// Why a random token could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

impl Guard {
    /// Draws the tokens for a server on `port`.
    pub fn new(port: u16) -> Result<Guard, RandomError> {
        Ok(Guard {
            session: random_token()?,
            csrf: random_token()?,
            port,
        })
    }

    /// Returns the token of the printed URL.
    pub fn session_token(&self) -> &str {
        &self.session
    }

    /// Returns the CSRF token forms and scripts send back.
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// Returns the `Set-Cookie` header of the session.
    pub fn cookie_header(&self) -> Header {
        header(
            "Set-Cookie",
            &format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                self.session
            ),
        )
    }

    /// Decides about `request`; `form_csrf` is the `csrf` field of its form body, if any.
    pub fn check(&self, request: &Request, form_csrf: Option<&str>) -> Verdict {
        let host = header_value(request, "Host");
        if !host.is_some_and(|h| self.is_loopback_origin(h)) {
            return Verdict::Refuse {
                status: 421,
                reason: "this server answers only to 127.0.0.1 and localhost on its own port",
            };
        }
        let (path, query) = request.url().split_once('?').unwrap_or((request.url(), ""));
        let from_url = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned());
        if let Some(token) = from_url {
            if !same(&token, &self.session) {
                return Verdict::Refuse {
                    status: 403,
                    reason: "wrong token: open the URL host-harness ui printed",
                };
            }
            // Only a path of the server's own shape goes back into a header.
            let plain = path.starts_with('/')
                && path
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b));
            return Verdict::SetCookie {
                location: if plain { path.into() } else { "/".into() },
            };
        }
        let cookie = header_value(request, "Cookie").and_then(|cookies| {
            cookies
                .split(';')
                .filter_map(|c| c.trim().split_once('='))
                .find(|(name, _)| *name == COOKIE)
                .map(|(_, value)| value.to_owned())
        });
        if !cookie.is_some_and(|c| same(&c, &self.session)) {
            return Verdict::Refuse {
                status: 403,
                reason: "no session: open the URL host-harness ui printed",
            };
        }
        if *request.method() != Method::Get && *request.method() != Method::Head {
            let origin = header_value(request, "Origin");
            if !origin
                .and_then(|o| o.strip_prefix("http://"))
                .is_some_and(|o| self.is_loopback_origin(o))
            {
                return Verdict::Refuse {
                    status: 403,
                    reason: "a change must come from this server's own pages",
                };
            }
            let sent = header_value(request, "X-CSRF-Token").or(form_csrf);
            if !sent.is_some_and(|t| same(t, &self.csrf)) {
                return Verdict::Refuse {
                    status: 403,
                    reason: "missing or wrong CSRF token: reload the page",
                };
            }
        }
        Verdict::Allow
    }

    /// Tells whether `authority` (`host:port`) is this server's loopback address.
    fn is_loopback_origin(&self, authority: &str) -> bool {
        let port = self.port.to_string();
        ["127.0.0.1", "localhost"].iter().any(|host| {
            authority
                .strip_prefix(host)
                .and_then(|r| r.strip_prefix(':'))
                == Some(&port)
        })
    }
}

/// Returns the headers every response carries.
pub fn security_headers() -> Vec<Header> {
    vec![
        header("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        header("X-Content-Type-Options", "nosniff"),
        header("X-Frame-Options", "DENY"),
        // `no-referrer` would make Chromium send `Origin: null` with every form, which the
        // origin check refuses; `same-origin` sends the origin to this server only.
        header("Referrer-Policy", "same-origin"),
        header("Cache-Control", "no-store"),
    ]
}

/// Makes a header from a name and a value the server wrote (ASCII, never from a request).
pub fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("the server's own header names and values are ASCII")
}

/// Returns the value of the header `name` of `request`.
fn header_value<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Compares two tokens in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Draws 32 random bytes, as hex.
fn random_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }

    #[test]
    fn only_the_loopback_address_on_the_servers_port_is_its_origin() {
        let guard = Guard::new(8123).unwrap();
        assert!(guard.is_loopback_origin("127.0.0.1:8123"));
        assert!(guard.is_loopback_origin("localhost:8123"));
        assert!(!guard.is_loopback_origin("127.0.0.1:8124"));
        assert!(!guard.is_loopback_origin("evil.example:8123"));
        assert!(!guard.is_loopback_origin("127.0.0.1:81234"));
        assert!(!guard.is_loopback_origin("127.0.0.1.evil.example:8123"));
    }
}
