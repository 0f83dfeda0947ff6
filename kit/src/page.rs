//! Telling what a response body is from its bytes alone.
//!
//! A plugin reads no response header, not even `Content-Type` (see [`http`](crate::http)), so a
//! login page, a proxy's error page or a maintenance notice answered with 200 is told by its
//! first character. What a body that is not a web page holds is for
//! [`entries::read_list`](crate::entries::read_list) to say.

use crate::body::without_bom;

/// Tells whether `body` is a web page (HTML or XML) rather than JSON: its first character,
/// after a byte order mark and white space, is `<`.
pub fn is_web_page(body: &[u8]) -> bool {
    without_bom(body).trim_ascii_start().starts_with(b"<")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_web_page_is_told_by_its_first_character() {
        for page in [
            &b"<!DOCTYPE html>"[..],
            b"\n  <html>",
            b"\xef\xbb\xbf\n<html>",
            b"<?xml ?>",
        ] {
            assert!(is_web_page(page), "{page:?}");
        }
        for json in [&b"[]"[..], b"{\"a\": \"<b>\"}", b"", b"  "] {
            assert!(!is_web_page(json), "{json:?}");
        }
    }
}
