//! The text encodings the contract's crates share: base64 (RFC 4648) and percent-encoding
//! (RFC 3986).
//!
//! Their own module, apart from [`secrets`](crate::secrets) (which looks for a secret in these
//! forms), because plugins and hosts use them for what they are: a query value percent-encoded
//! by the kit, a header in base64. One implementation each, with no dependency.

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `bytes` in standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    base64_with(bytes, false)
}

/// Encodes `bytes` in base64 with padding, in the URL and file name alphabet if `url`
/// (RFC 4648 §5).
pub(crate) fn base64_with(bytes: &[u8], url: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let c = BASE64[((n >> (18 - 6 * i)) & 63) as usize];
                out.push(match (url, c) {
                    (true, b'+') => '-',
                    (true, b'/') => '_',
                    _ => char::from(c),
                });
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes `text` with uppercase hex (RFC 3986 unreserved characters pass).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn unreserved_characters_pass_and_the_rest_is_uppercase_hex() {
        assert_eq!(percent_encode("a-Z._~09"), "a-Z._~09");
        assert_eq!(percent_encode("c 1/é"), "c%201%2F%C3%A9");
    }
}
