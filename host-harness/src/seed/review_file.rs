//! `review.json`: the review `sync` printed, kept for `approve` to read back, written whole or
//! not at all with every secret removed.
//!
//! A person or a script keeps this file between `sync` and `approve`, perhaps across versions
//! of the harness, so it begins with its `format_version` ([`crate::seed::format`]), and
//! `contract/schemas/host/review.json` describes it. Format 2 names lines and vendor accounts by
//! their ids ([`crate::seed::line`]); format 1 (also a file from before the member existed)
//! named them by their keys and `Name (id)`, and is still read.

use std::path::Path;

use plugin_contract::Secrets;
use schemars::JsonSchema;
use serde::Serialize;

use crate::seed::format::{FileError, Kind};
use crate::seed::review::Review;

/// The format of `review.json` this harness writes.
pub const FORMAT_VERSION: &str = "2";

/// What `review.json` is, for [`crate::seed::format`].
pub const KIND: Kind = Kind {
    what: "the review",
    reads: &["1", FORMAT_VERSION],
    advice: "sync again with this harness",
};

/// `review.json` as written: the format's version, then the review.
#[derive(Serialize, JsonSchema)]
pub struct ReviewFile<'a> {
    /// The format of the file: "2".
    #[schemars(extend("const" = FORMAT_VERSION))]
    pub format_version: &'a str,
    /// The review.
    #[serde(flatten)]
    pub review: &'a Review,
}

/// Returns the text of `review.json` for `review`: pretty JSON with a final newline, every
/// form of `secrets` removed.
pub fn text(review: &Review, secrets: &Secrets) -> Result<String, FileError> {
    let text = KIND.text(&ReviewFile {
        format_version: FORMAT_VERSION,
        review,
    })?;
    Ok(secrets.redact_json(&text))
}

/// Writes `review` to `path` as `review.json`, whole or not at all, `secrets` removed.
pub fn write(path: &Path, review: &Review, secrets: &Secrets) -> Result<(), FileError> {
    KIND.write(path, &text(review, secrets)?)
}

/// Reads the review in `path`, refusing a format this harness does not read.
pub fn read(path: &Path) -> Result<Review, FileError> {
    KIND.read(path).map(|(review, _)| review)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::line::PsaLine;

    fn review() -> Review {
        serde_json::from_str(
            r#"{"as_of":"2026-11-01T00:00:00Z","lines":[],"unmapped_with_usage":[],"failed":[],"warnings":[]}"#,
        )
        .expect("a review")
    }

    #[test]
    fn a_written_review_says_its_format_first_and_reads_back() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("review.json");
        write(&path, &review(), &Secrets::default()).expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with("{\n  \"format_version\": \"2\",\n"),
            "{text}"
        );
        assert_eq!(
            read(&path).expect("read back").as_of,
            "2026-11-01T00:00:00Z"
        );
    }

    #[test]
    fn a_review_without_a_format_version_is_read_as_format_1() {
        let bytes = serde_json::to_vec(&review()).expect("JSON");
        assert!(KIND.parse::<Review>(&bytes).is_ok());
    }

    #[test]
    fn a_format_1_review_naming_accounts_and_lines_by_their_texts_reads_as_ids() {
        let bytes = br#"{"format_version": "1", "as_of": "2026-11-01T00:00:00Z",
            "lines": [{"kind": "reconcile", "psa_account_id": "P", "psa_account_name": "P Co",
                "psa_product_id": "PROD", "vendor_accounts": ["Acme (EU) (a1)"],
                "psa_quantity": 3, "vendor_quantity": 4, "delta": 1}],
            "unmapped_with_usage": [], "warnings": [],
            "failed": [{"vendor_account_id": "b", "vendor_name": "B", "service_ids": ["S"],
                "error": {"class": "vendor", "message": "no"}, "psa_lines": ["P/PROD%2FX"]}]}"#;
        let review: Review = KIND.parse(bytes).expect("a format 1 review");
        let account = &review.lines[0].vendor_accounts[0];
        assert_eq!(
            (account.id.as_str(), account.name.as_str()),
            ("a1", "Acme (EU)")
        );
        assert_eq!(review.failed[0].psa_lines, [PsaLine::new("P", "PROD/X")]);
        assert_eq!(review.failed[0].vendor.id, "b");
    }

    #[test]
    fn an_unknown_format_version_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("review.json");
        let text = text(&review(), &Secrets::default())
            .expect("text")
            .replace("\"format_version\": \"2\"", "\"format_version\": \"3\"");
        std::fs::write(&path, text).expect("written");
        let error = read(&path).expect_err("refused");
        assert!(
            matches!(&error, FileError::UnknownFormat { found, .. } if found == "3"),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("format_version \"3\""),
            "{error}"
        );
    }

    #[test]
    fn secrets_are_removed_from_the_file() {
        let mut review = review();
        review.as_of = "hunter2-key".into();
        let text = text(&review, &Secrets::new(["hunter2-key"])).expect("text");
        assert!(!text.contains("hunter2-key"), "{text}");
    }
}
