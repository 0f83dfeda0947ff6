//! Checking a URL credential (the vendor's API address an MSP pastes) before any request.
//!
//! The key travels to whatever URL is entered, so the URL must be one the key may go to: HTTPS
//! (plain HTTP only for a test server on the same machine), with no user name or password (the
//! secret belongs in its own, `writeOnly` credential), and nothing a path cannot hold. What a
//! vendor's URL may look like beyond that (a default, a path prefix to add or strip) is the
//! plugin's to say.

/// The longest URL [`check`] accepts, in bytes; a schema's `maxLength` for a URL credential.
pub const MAX_URL_BYTES: usize = 2048;

/// Why a URL credential is refused.
///
/// Each message is a predicate to follow the credential's name: `format!("api_url {error}.")`
/// reads "api_url must not contain spaces.".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Longer than [`MAX_URL_BYTES`].
    #[error("is {len} bytes long; the most accepted is {max}", max = MAX_URL_BYTES)]
    TooLong {
        /// The URL's length in bytes.
        len: usize,
    },
    /// Neither `https://` nor `http://`.
    #[error("must start with https://")]
    NotHttp,
    /// Spaces or other white space anywhere.
    #[error("must not contain spaces")]
    Spaces,
    /// A `?` or a `#`.
    #[error("must not contain a query (?) or a fragment (#)")]
    QueryOrFragment,
    /// `user:password@` before the host.
    #[error("must not contain a user name or password")]
    UserInfo,
    /// No host between `://` and the path.
    #[error("has no host name")]
    NoHost,
    /// `http://` to a host other than this machine.
    #[error(
        "must start with https:// (plain http is accepted only for a test server on this machine)"
    )]
    PlainHttp,
}

/// Checks that `url` is one a secret may be sent to: `https://host[:port][/path]`, or `http://`
/// to `localhost` or a loopback address; the scheme's case does not matter.
///
/// The checks run in the order of [`UrlError`]'s variants, and the first that fails is reported.
/// `url` is taken as it is: trim it first if surrounding white space is to be forgiven.
pub fn check(url: &str) -> Result<(), UrlError> {
    if url.len() > MAX_URL_BYTES {
        return Err(UrlError::TooLong { len: url.len() });
    }
    let lower = url.to_ascii_lowercase();
    let (rest, https) = if lower.starts_with("https://") {
        (&url["https://".len()..], true)
    } else if lower.starts_with("http://") {
        (&url["http://".len()..], false)
    } else {
        return Err(UrlError::NotHttp);
    };
    if url.chars().any(char::is_whitespace) {
        return Err(UrlError::Spaces);
    }
    if url.contains(['?', '#']) {
        return Err(UrlError::QueryOrFragment);
    }
    let authority = authority_of(rest);
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    if authority.is_empty() || authority.starts_with(':') {
        return Err(UrlError::NoHost);
    }
    if !https && !is_loopback(authority) {
        return Err(UrlError::PlainHttp);
    }
    Ok(())
}

/// Returns the host of `url`, with its port if it has one, for messages: `api.example:8443`.
pub fn host_of(url: &str) -> &str {
    authority_of(url.split_once("://").map_or(url, |(_, rest)| rest))
}

/// Returns what comes before the first `/` of a URL without its scheme.
fn authority_of(rest: &str) -> &str {
    rest.split('/').next().unwrap_or(rest)
}

/// Tells whether `authority` (`host[:port]`) names this machine: `localhost`, `[::1]`, or a
/// dotted-quad IPv4 address of 127.0.0.0/8.
///
/// Written out rather than parsed with `std::net::IpAddr`, whose parser would add some 4 KB to
/// every plugin's wasm for this one check; other spellings of ::1 are not taken as loopback.
fn is_loopback(authority: &str) -> bool {
    if let Some(bracketed) = authority.strip_prefix('[') {
        return bracketed.split(']').next() == Some("::1");
    }
    let host = authority.split(':').next().unwrap_or("");
    host.eq_ignore_ascii_case("localhost") || is_ipv4_loopback(host)
}

/// Tells whether `host` is four decimal octets of at most 255, without leading zeros, the
/// first 127.
fn is_ipv4_loopback(host: &str) -> bool {
    let mut octets = 0;
    for octet in host.split('.') {
        let decimal = (1..=3).contains(&octet.len())
            && octet.bytes().all(|b| b.is_ascii_digit())
            && (octet.len() == 1 || !octet.starts_with('0'))
            && octet.parse::<u8>().is_ok();
        if !decimal || (octets == 0 && octet != "127") {
            return false;
        }
        octets += 1;
    }
    octets == 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_with_a_host_are_accepted() {
        for url in [
            "https://api.example",
            "HTTPS://api.example:8443/v2/",
            "https://api.example/a/b",
        ] {
            assert_eq!(check(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn unusable_urls_are_refused_naming_why() {
        for (url, error) in [
            ("ftp://host.example", UrlError::NotHttp),
            ("host.example", UrlError::NotHttp),
            ("https://user:pw@host.example", UrlError::UserInfo),
            ("https://host.example/?x=1", UrlError::QueryOrFragment),
            ("https://host.example/#top", UrlError::QueryOrFragment),
            ("https://", UrlError::NoHost),
            ("https://:443/x", UrlError::NoHost),
            ("https://exa mple.com", UrlError::Spaces),
            ("http://host.example", UrlError::PlainHttp),
            ("http://127.0.0.1.evil.example", UrlError::PlainHttp),
        ] {
            assert_eq!(check(url), Err(error), "{url}");
        }
    }

    #[test]
    fn loopback_hosts_are_localhost_127_slash_8_and_ipv6_one() {
        for host in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.1.2.3",
            "127.255.255.255",
            "[::1]",
            "[::1]:9",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "",
            "127.0.0.01",
            "0127.0.0.1",
            "127.0.0",
            "127.0.0.1.5",
            "127.256.0.1",
            "128.0.0.1",
            "127.0.0.+1",
            "127..0.1",
            "1.2.3.4",
            "[::2]",
            "[::]",
            "[fe80::1]",
            "localhost.evil",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn plain_http_is_accepted_for_loopback_only() {
        for loopback in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "HTTP://LOCALHOST/x",
            "http://[::1]:9/",
        ] {
            assert_eq!(check(loopback), Ok(()), "{loopback}");
        }
    }

    #[test]
    fn a_url_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not() {
        let host = "https://host.example/";
        let url = format!("{host}{}", "a".repeat(MAX_URL_BYTES - host.len()));
        assert_eq!(check(&url), Ok(()));
        let longer = format!("{url}a");
        assert_eq!(
            check(&longer),
            Err(UrlError::TooLong {
                len: MAX_URL_BYTES + 1
            })
        );
        assert_eq!(
            format!("api_url {}.", check(&longer).unwrap_err()),
            "api_url is 2049 bytes long; the most accepted is 2048."
        );
    }

    #[test]
    fn host_of_strips_scheme_and_path() {
        assert_eq!(
            host_of("http://127.0.0.1:8080/reportApi/api/v1"),
            "127.0.0.1:8080"
        );
        assert_eq!(host_of("api.example/x"), "api.example");
    }
}
