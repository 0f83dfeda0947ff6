//! What the CLI prints and the JSON files it reads and writes: results with every secret
//! removed and nothing that could control the terminal, files read with the error that names
//! them, and files written whole ([`host_harness::files`]).

use std::path::Path;

use host_harness::files;
use host_harness::render;
use plugin_contract::{PluginError, Secrets};
use serde::Serialize;

use crate::{CliError, Exit};

/// Prints a call's result as JSON, secrets removed; returns the exit of its class.
pub(crate) fn print_result<T: Serialize>(
    secrets: &Secrets,
    result: Result<T, PluginError>,
) -> Result<Exit, CliError> {
    #[derive(Serialize)]
    struct Failure<'a> {
        error: &'a PluginError,
    }
    let json = match &result {
        Ok(output) => serde_json::to_string_pretty(output)?,
        Err(error) => serde_json::to_string_pretty(&Failure { error })?,
    };
    println!("{}", render::terminal_json(&secrets.redact_json(&json)));
    Ok(Exit::of(result.err().as_ref()))
}

/// Prints `text` on stdout with every form of every secret removed, whatever the plugin did,
/// and no character that could control the terminal.
pub(crate) fn emit(secrets: &Secrets, text: &str) {
    print!("{}", render::for_terminal(&secrets.redact(text)));
}

/// Reads a JSON file of type `T`; `what` names it in errors.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    path: &Path,
) -> Result<T, CliError> {
    read_json_hashed(what, path).map(|(value, _)| value)
}

/// Reads a JSON file of type `T`, with the SHA-256 (hex) of the bytes read; `what` names it in
/// errors.
pub(crate) fn read_json_hashed<T: serde::de::DeserializeOwned>(
    what: &'static str,
    path: &Path,
) -> Result<(T, String), CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read {
        what,
        path: path.to_owned(),
        source,
    })?;
    let value = serde_json::from_slice(&bytes).map_err(|source| CliError::Invalid {
        what,
        path: path.to_owned(),
        source,
    })?;
    Ok((value, host_harness::seed::psa::sha256_hex(&bytes)))
}

/// Writes `value` as pretty JSON and a final newline.
pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<(), CliError> {
    let json = serde_json::to_string_pretty(value)?;
    files::write(path, (json + "\n").as_bytes()).map_err(|source| CliError::Write {
        path: path.to_owned(),
        source,
    })
}

pub(crate) use host_harness::clock::now_rfc3339;

pub(crate) use host_harness::render::with_causes;
