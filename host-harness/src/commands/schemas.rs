//! `host-harness schemas`: the JSON Schemas of every boundary, printed or written; with them,
//! in `host/`, the schemas of the files the host writes for a person or a script to keep.

use std::path::Path;

use crate::error::{CliError, Failure};
use crate::output::print_line;
use crate::Exit;

/// Prints every schema as one JSON object keyed by file name, or writes them into `folder`.
pub(crate) fn run(folder: Option<&Path>) -> Result<Exit, Failure> {
    match folder {
        Some(folder) => {
            let host = folder.join(host_harness::seed::schemas::FOLDER);
            host_harness::conformance::schemas::write(folder)
                .and_then(|()| host_harness::seed::schemas::write(&host))
                .map_err(|source| CliError::Write {
                    path: folder.to_owned(),
                    source,
                })?
        }
        None => {
            let all: serde_json::Map<String, serde_json::Value> =
                host_harness::conformance::schemas::all()
                    .into_iter()
                    .map(|(name, schema)| (name.to_owned(), schema))
                    .collect();
            print_line(&serde_json::to_string_pretty(&all).map_err(CliError::from)?)?;
        }
    }
    Ok(Exit::Success)
}
