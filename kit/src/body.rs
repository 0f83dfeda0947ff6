//! The bytes of a response body as they come, before anything reads them: a leading byte
//! order mark, and a body that is blank.
//!
//! Both [`page`](crate::page) (is it a web page?) and [`entries`](crate::entries) (is it a
//! JSON list?) look at these first; they live here, below both, so that neither module uses
//! the other.

/// The UTF-8 byte order mark, which some servers put before a JSON body.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Returns `body` without a leading UTF-8 byte order mark.
pub fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// Tells whether `body` holds nothing but ASCII white space (or nothing at all).
pub fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_white_space_only() {
        assert!(is_blank(b"") && is_blank(b" \n\t\r"));
        assert!(!is_blank(b"\xef\xbb\xbf") && !is_blank(b" 0 "));
    }

    #[test]
    fn a_byte_order_mark_is_removed_once() {
        assert_eq!(without_bom(b"\xef\xbb\xbf [1]"), b" [1]");
        assert_eq!(without_bom(b"[1]"), b"[1]");
    }
}
