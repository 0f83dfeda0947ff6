//! The mapping file (`mapping.json` by default): the mapping `map` writes and a person edits,
//! read by `sync`, `approve` and `import`, written whole or not at all.
//!
//! It begins with its `format_version` ([`crate::seed::format`]), and
//! `contract/schemas/host/mapping.json` describes it. Format 1 is the only one so far; a file
//! from before the member existed is format 1 too (the same members).

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::seed::format::{FileError, Kind};
use crate::seed::mapping::Mapping;

/// The format of the mapping file this harness writes.
pub const FORMAT_VERSION: &str = "1";

/// What the mapping file is, for [`crate::seed::format`].
pub const KIND: Kind = Kind {
    what: "the mapping file",
    reads: &[FORMAT_VERSION],
    advice: "map again with this harness",
};

/// The mapping file as written: the format's version, then the mapping.
#[derive(Serialize, JsonSchema)]
pub struct MappingFile<'a> {
    /// The format of the file: "1".
    #[schemars(extend("const" = FORMAT_VERSION))]
    pub format_version: &'a str,
    /// The mapping.
    #[serde(flatten)]
    pub mapping: &'a Mapping,
}

/// Writes `mapping` to `path`, whole or not at all.
pub fn write(path: &Path, mapping: &Mapping) -> Result<(), FileError> {
    let text = KIND.text(&MappingFile {
        format_version: FORMAT_VERSION,
        mapping,
    })?;
    KIND.write(path, &text)
}

/// Reads the mapping file at `path`, with the SHA-256 (hex) of its bytes (a review names the
/// mapping it was made from by it), refusing a format this harness does not read.
pub fn read(path: &Path) -> Result<(Mapping, String), FileError> {
    KIND.read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_mapping_says_its_format_first_and_reads_back_as_it_was() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("mapping.json");
        write(&path, &Mapping::default()).expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            text,
            "{\n  \"format_version\": \"1\",\n  \"accounts\": [],\n  \"services\": []\n}\n"
        );
        let (mapping, sha256) = read(&path).expect("read back");
        assert_eq!(mapping, Mapping::default());
        assert_eq!(sha256, crate::seed::psa::sha256_hex(text.as_bytes()));
    }

    #[test]
    fn a_mapping_file_from_before_the_member_is_read_and_another_format_is_refused() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("mapping.json");
        std::fs::write(&path, r#"{"accounts": [], "services": []}"#).expect("written");
        assert!(read(&path).is_ok());
        std::fs::write(
            &path,
            r#"{"format_version": "2", "accounts": [], "services": []}"#,
        )
        .expect("written");
        let error = read(&path).expect_err("refused");
        assert!(
            error.to_string().contains("format_version \"2\""),
            "{error}"
        );
    }
}
