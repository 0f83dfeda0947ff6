//! The forms in which a hostile vendor echoes a secret back, for the echoing replay server
//! ([`crate::traffic::replay::ReplayServer::serve_echoing`]) and the tests that check no form
//! leaves: each one a form [`plugin_contract::Secrets`] must find.

use std::fmt::Write as _;

use plugin_contract::encoding::{base64, percent_encode};

/// Returns `secret` in every form a vendor may echo it in: raw, percent-encoded once and
/// twice, every byte percent-encoded (upper- and lowercase hex), in base64 alone and after
/// `user:` (`Basic base64("user:" + secret)`, which puts it at another alignment), in hex
/// (lower- and uppercase), and as HTML decimal and hex character references.
pub fn echo_forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let encoded = percent_encode(secret);
    vec![
        secret.to_owned(),
        percent_encode(&encoded),
        encoded,
        each_byte(bytes, "%{:02X}"),
        each_byte(bytes, "%{:02x}"),
        base64(bytes),
        format!("Basic {}", base64(format!("user:{secret}").as_bytes())),
        each_byte(bytes, "{:02x}"),
        each_byte(bytes, "{:02X}"),
        secret.chars().fold(String::new(), |mut out, c| {
            let _ = write!(out, "&#{};", u32::from(c));
            out
        }),
        secret.chars().fold(String::new(), |mut out, c| {
            let _ = write!(out, "&#x{:x};", u32::from(c));
            out
        }),
    ]
}

/// Writes each byte with `pattern`, one of `%{:02X}`, `%{:02x}`, `{:02x}` and `{:02X}`.
fn each_byte(bytes: &[u8], pattern: &str) -> String {
    let percent = if pattern.starts_with('%') { "%" } else { "" };
    let upper = pattern.contains('X');
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = if upper {
            write!(out, "{percent}{b:02X}")
        } else {
            write!(out, "{percent}{b:02x}")
        };
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_echo_form_is_one_secrets_find() {
        for secret in ["Zq8/Rt+5p Lm=", "k3y\"é中😀\\x"] {
            let secrets = plugin_contract::Secrets::new([secret]);
            for form in echo_forms(secret) {
                assert!(secrets.found_in(&form), "{secret:?}: {form}");
                assert!(!secrets.found_in(&secrets.redact(&form)), "{form}");
            }
        }
    }

    #[test]
    fn the_forms_are_the_ones_named() {
        let forms = echo_forms("R/");
        assert_eq!(
            forms,
            [
                "R/",
                "R%252F",
                "R%2F",
                "%52%2F",
                "%52%2f",
                "Ui8=",
                "Basic dXNlcjpSLw==",
                "522f",
                "522F",
                "&#82;&#47;",
                "&#x52;&#x2f;"
            ]
        );
    }
}
