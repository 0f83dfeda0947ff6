//! What the CLI prints and the JSON files it reads and writes: results with every secret
//! removed and nothing that could control the terminal, files read with the error that names
//! them, and files written whole ([`host_harness::files`]).
//!
//! Everything the CLI prints on stdout goes through [`print`]. A reader that closes stdout early
//! (`host-harness accounts | head -1`) ends the output, not the command: what is still to print
//! is dropped without a message, and the command finishes (its files written, its replay
//! checked) and exits with its usual code, which tells the outcome of the plugin's call rather
//! than how much of it someone read.

use std::io::{ErrorKind, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use host_harness::files;
use host_harness::render;
use plugin_contract::{PluginError, Secrets};
use serde::Serialize;

use crate::error::CliError;
use crate::Exit;

/// Set once stdout's reader has gone: nothing more is printed.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints `text` on stdout as it is, and flushes; once the reader has closed stdout, prints
/// nothing more and succeeds.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(error) => Err(CliError::Stdio(error)),
    }
}

/// Writes `text` and a newline on stderr, for a person watching; a closed or failing stderr is
/// ignored (`eprintln!` would panic), since it is where a failure would be reported.
pub(crate) fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Prints `text` and a newline on stdout (see [`print`]).
pub(crate) fn print_line(text: &str) -> Result<(), CliError> {
    print(&format!("{text}\n"))
}

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
    print_line(&render::terminal_json(&secrets.redact_json(&json)))?;
    Ok(Exit::of(result.err().as_ref()))
}

/// Prints `text` on stdout with every form of every secret removed, whatever the plugin did,
/// and no character that could control the terminal.
pub(crate) fn emit(secrets: &Secrets, text: &str) -> Result<(), CliError> {
    print(&render::for_terminal(&secrets.redact(text)))
}

/// Reads a JSON file of type `T`; `what` names it in errors.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    path: &Path,
) -> Result<T, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read {
        what,
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| CliError::Invalid {
        what,
        path: path.to_owned(),
        source,
    })
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
