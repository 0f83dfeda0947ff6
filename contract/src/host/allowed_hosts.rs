//! `allowed_hosts` matching (host profile H1), the one rule every host follows.
//!
//! A URL's host and each pattern are first normalized the same way, as the WHATWG URL parser
//! normalizes a host (the `url` crate here; Node's URL and Python's `ada-url` are the same
//! parser): lowercase, IDNA to punycode (UTS 46), IPv4 in dotted decimal (`2130706433`,
//! `0x7f.1` and `127.1` are `127.0.0.1`), IPv6 compressed and without brackets (`[::1]` and
//! `::1` alike); then one trailing dot is dropped. `*` is the only wildcard: any run of
//! characters, none included. A pattern that is no host (it holds `?`, `[`, `/`, `%`, a space…)
//! matches nothing, so `?` and `[…]` never widen a pattern. The shared vectors
//! (`contract/vectors/allowed-hosts.json`) hold the Rust, Python and Node hosts to this.

use url::Host;

/// Tells whether `host` (a URL's host, as [`url::Url::host_str`] gives it) matches `pattern`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    match (normalized_host(pattern), normalized_host(host)) {
        (Some(pattern), Some(host)) => wildcard_matches(&pattern, &host),
        _ => false,
    }
}

/// Tells whether `host` matches any of `allowed_hosts`.
pub fn host_allowed<S: AsRef<str>>(allowed_hosts: &[S], host: &str) -> bool {
    allowed_hosts
        .iter()
        .any(|pattern| host_matches(pattern.as_ref(), host))
}

/// Returns a host name, IP address or pattern in the form the rule compares; `None` when it is
/// no host at all.
pub fn normalized_host(text: &str) -> Option<String> {
    let bracketed;
    let text = if text.contains(':') && !text.starts_with('[') {
        bracketed = format!("[{text}]"); // an IPv6 address written without brackets
        &bracketed
    } else {
        text
    };
    if !text.starts_with('[') && text.chars().any(is_forbidden) {
        return None;
    }
    let host = match Host::parse(text).ok()? {
        Host::Domain(name) => name.strip_suffix('.').unwrap_or(&name).to_owned(),
        Host::Ipv4(address) => address.to_string(),
        ipv6 @ Host::Ipv6(_) => {
            let text = ipv6.to_string();
            text.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned()
        }
    };
    Some(host)
}

/// Tells whether `character` cannot be part of a host pattern: the WHATWG forbidden host code
/// points (Node's parser would cut the host there) and `%` (no pattern is percent-encoded).
fn is_forbidden(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            ' ' | '#' | '/' | ':' | '<' | '>' | '?' | '@' | '[' | '\\' | ']' | '^' | '|' | '%'
        )
}

/// Matches `text` against `pattern`, where `*` is any run of characters and every other
/// character is itself.
fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else {
        return rest.is_empty(); // no `*` at all: the whole text must be the pattern
    };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Vectors {
        wrong_case: Case,
        cases: Vec<Case>,
    }

    #[derive(Deserialize)]
    struct Case {
        pattern: String,
        url: String,
        allowed: bool,
    }

    #[test]
    fn every_host_matches_the_shared_allowed_hosts_vectors() {
        let vectors: Vectors =
            serde_json::from_str(include_str!("../../vectors/allowed-hosts.json")).unwrap();
        assert!(vectors.cases.len() > 30);
        let mismatch = |case: &Case| {
            let host = url::Url::parse(&case.url)
                .ok()
                .and_then(|url| url.host_str().map(str::to_owned))
                .unwrap_or_default();
            (host_matches(&case.pattern, &host) != case.allowed)
                .then(|| format!("{} against {}", case.pattern, case.url))
        };
        crate::host::assert_follows_vectors(&vectors.cases, &vectors.wrong_case, mismatch);
    }

    #[test]
    fn question_marks_and_brackets_are_no_wildcards() {
        assert!(!host_matches("exampl?.com", "example.com"));
        assert!(!host_matches("[ab]pi.example.com", "api.example.com"));
        assert!(host_matches("*", "[::1]"));
    }

    #[test]
    fn a_star_matches_any_run_of_characters_none_included() {
        assert!(wildcard_matches("a*", "a"));
        assert!(wildcard_matches("*a*b*", "xaybz"));
        assert!(!wildcard_matches("a*b*c", "ac"));
        assert!(
            !wildcard_matches("ab*ba", "aba"),
            "the prefix and suffix may not overlap"
        );
        assert!(wildcard_matches("**", ""));
    }
}
