//! The files the host keeps for a person or a script to read and edit (`review.json`, the
//! mapping file), read and written the one way: each begins with `format_version`, a reader
//! refuses a format it does not read before a line of it is used, and a file from before the
//! member existed is format 1. Each file's own module says what its formats hold
//! ([`crate::seed::review_file`], [`crate::seed::mapping_file`]); `contract/schemas/host/`
//! describes them ([`crate::seed::schemas`]).

use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::files;

/// Why a kept file could not be read or written; `what` names the file's kind ("the review").
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read {what} {}", .path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// The file is not of its kind.
    #[error("{what} {} is not valid", .path.display())]
    Invalid {
        what: &'static str,
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The file is in a format this harness does not read.
    #[error(
        "{what} {} has format_version {found:?}, which this harness does not read (it reads \
         {reads:?}): {advice}",
        .path.display()
    )]
    UnknownFormat {
        what: &'static str,
        path: PathBuf,
        found: String,
        reads: &'static [&'static str],
        advice: &'static str,
    },
    /// The file could not be written.
    #[error("cannot write {}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    /// The value could not be encoded.
    #[error("cannot encode {what} as JSON")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },
}

/// A kind of kept file: what errors call it, the formats read, and what a person does with a
/// file of another format. (The format written is the file's own `FORMAT_VERSION`, which its
/// writer puts first.)
pub struct Kind {
    /// What errors call the file, e.g. "the review".
    pub what: &'static str,
    /// The formats it reads, the one it writes among them.
    pub reads: &'static [&'static str],
    /// What to do with a file of another format.
    pub advice: &'static str,
}

impl Kind {
    /// Reads the file at `path`, with the SHA-256 (hex) of the bytes read.
    pub fn read<T: DeserializeOwned>(&self, path: &Path) -> Result<(T, String), FileError> {
        let bytes = std::fs::read(path).map_err(|source| FileError::Read {
            what: self.what,
            path: path.to_owned(),
            source,
        })?;
        let value = self.parse(&bytes).map_err(|unread| match unread {
            Unread::Invalid(source) => FileError::Invalid {
                what: self.what,
                path: path.to_owned(),
                source,
            },
            Unread::UnknownFormat(found) => FileError::UnknownFormat {
                what: self.what,
                path: path.to_owned(),
                found,
                reads: self.reads,
                advice: self.advice,
            },
        })?;
        Ok((value, crate::seed::psa::sha256_hex(&bytes)))
    }

    /// Parses the bytes of a file, its format checked first; errors name no file yet.
    pub fn parse<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, Unread> {
        /// The member read first.
        #[derive(Deserialize)]
        struct Version {
            /// Absent in files written before it existed, which are format 1.
            format_version: Option<String>,
        }
        let version: Version = serde_json::from_slice(bytes).map_err(Unread::Invalid)?;
        let found = version.format_version.unwrap_or_else(|| "1".to_owned());
        if !self.reads.contains(&found.as_str()) {
            return Err(Unread::UnknownFormat(found));
        }
        serde_json::from_slice(bytes).map_err(Unread::Invalid)
    }

    /// Returns `file` (a value whose first member is `format_version`) as pretty JSON with a
    /// final newline.
    pub fn text(&self, file: &impl serde::Serialize) -> Result<String, FileError> {
        let json = serde_json::to_string_pretty(file).map_err(|source| FileError::Encode {
            what: self.what,
            source,
        })?;
        Ok(json + "\n")
    }

    /// Writes `text` to `path`, whole or not at all.
    pub fn write(&self, path: &Path, text: &str) -> Result<(), FileError> {
        files::write(path, text.as_bytes()).map_err(|source| FileError::Write {
            path: path.to_owned(),
            source,
        })
    }
}

/// Why bytes are not a file this harness reads, before the file is named.
#[derive(Debug)]
pub enum Unread {
    /// Not JSON of the file's kind.
    Invalid(serde_json::Error),
    /// A `format_version` not read.
    UnknownFormat(String),
}
