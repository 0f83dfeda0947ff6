//! `review.json`: the review `sync` printed, kept for `approve` to read back, written whole or
//! not at all ([`crate::files`]) with every secret removed.
//!
//! A person or a script keeps this file between `sync` and `approve`, perhaps across versions
//! of the harness, so it says which format it is in: `format_version` ([`FORMAT_VERSION`]),
//! beside the review's own members, and `contract/schemas/host/review.json` describes it
//! ([`crate::seed::schemas`]). A reader takes the current format, and a file from before the
//! member existed as that format (it is the same); any other version is refused, by name,
//! before a line of it is used.

use std::io;
use std::path::{Path, PathBuf};

use plugin_contract::Secrets;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::files;
use crate::seed::review::Review;

/// The format of `review.json` this harness writes and reads.
pub const FORMAT_VERSION: &str = "1";

/// `review.json` as written: the format's version, then the review.
#[derive(Serialize, JsonSchema)]
pub struct ReviewFile<'a> {
    /// The format of the file: "1".
    #[schemars(extend("const" = FORMAT_VERSION))]
    pub format_version: &'a str,
    /// The review.
    #[serde(flatten)]
    pub review: &'a Review,
}

/// The member read first, to refuse a format this harness does not read.
#[derive(Deserialize)]
struct Version {
    /// Absent in files written before it existed, which are format 1.
    format_version: Option<String>,
}

/// Why `review.json` could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ReviewFileError {
    /// The file could not be read.
    #[error("cannot read the review {}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    /// The file is not a review.
    #[error("the review {} is not valid", .path.display())]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The file is in a format this harness does not read.
    #[error(
        "the review {} has format_version {found:?}, which this harness does not read (it reads \
         {FORMAT_VERSION:?}): sync again with this harness",
        .path.display()
    )]
    UnknownFormat { path: PathBuf, found: String },
    /// The file could not be written.
    #[error("cannot write {}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    /// The review could not be encoded.
    #[error("cannot encode the review as JSON")]
    Encode(#[source] serde_json::Error),
}

/// Returns the text of `review.json` for `review`: pretty JSON with a final newline, every
/// form of `secrets` removed.
pub fn text(review: &Review, secrets: &Secrets) -> Result<String, ReviewFileError> {
    let file = ReviewFile {
        format_version: FORMAT_VERSION,
        review,
    };
    let json = serde_json::to_string_pretty(&file).map_err(ReviewFileError::Encode)?;
    Ok(format!("{}\n", secrets.redact_json(&json)))
}

/// Writes `review` to `path` as `review.json`, whole or not at all, `secrets` removed.
pub fn write(path: &Path, review: &Review, secrets: &Secrets) -> Result<(), ReviewFileError> {
    files::write(path, text(review, secrets)?.as_bytes()).map_err(|source| ReviewFileError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Reads the review in `path`, refusing a format this harness does not read.
pub fn read(path: &Path) -> Result<Review, ReviewFileError> {
    let bytes = std::fs::read(path).map_err(|source| ReviewFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&bytes).map_err(|error| error.at(path))
}

/// Parses the bytes of `review.json`; errors name no file yet.
fn parse(bytes: &[u8]) -> Result<Review, Unread> {
    let version: Version = serde_json::from_slice(bytes).map_err(Unread::Invalid)?;
    match version.format_version {
        None => {}
        Some(found) if found == FORMAT_VERSION => {}
        Some(found) => return Err(Unread::UnknownFormat(found)),
    }
    serde_json::from_slice(bytes).map_err(Unread::Invalid)
}

/// Why bytes are not a review this harness reads, before the file is named.
enum Unread {
    Invalid(serde_json::Error),
    UnknownFormat(String),
}

impl Unread {
    /// Names the file.
    fn at(self, path: &Path) -> ReviewFileError {
        let path = path.to_owned();
        match self {
            Unread::Invalid(source) => ReviewFileError::Invalid { path, source },
            Unread::UnknownFormat(found) => ReviewFileError::UnknownFormat { path, found },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            text.starts_with("{\n  \"format_version\": \"1\",\n"),
            "{text}"
        );
        assert_eq!(
            read(&path).expect("read back").as_of,
            "2026-11-01T00:00:00Z"
        );
    }

    #[test]
    fn a_review_without_a_format_version_is_read_as_the_current_format() {
        let bytes = serde_json::to_vec(&review()).expect("JSON");
        assert!(parse(&bytes).is_ok());
    }

    #[test]
    fn an_unknown_format_version_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("review.json");
        let text = text(&review(), &Secrets::default())
            .expect("text")
            .replace("\"format_version\": \"1\"", "\"format_version\": \"2\"");
        std::fs::write(&path, text).expect("written");
        let error = read(&path).expect_err("refused");
        assert!(
            matches!(&error, ReviewFileError::UnknownFormat { found, .. } if found == "2"),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("format_version \"2\""),
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
