//! Why the CLI could not do what was asked (exit 1): the library's error kept as the cause, and
//! the secrets known when it failed, which its message must not show.

use std::path::PathBuf;

use host_harness::bundle::BundleError;
use host_harness::conformance::ConformanceError;
use host_harness::runtime::manifest::ManifestError;
use host_harness::runtime::plugin::LoadError;
use host_harness::seed::approve::ApproveError;
use host_harness::seed::format::FileError;
use host_harness::seed::psa::PsaError;
use host_harness::seed::review::SyncError;
use host_harness::traffic::replay::ReplayError;
use plugin_contract::Secrets;

/// Why the harness could not do what was asked (exit 1); the library's error is kept as the
/// cause, and printed with its own causes.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Conformance(#[from] ConformanceError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Psa(#[from] PsaError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Approve(#[from] ApproveError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Approval(host_harness::store::approvals::ApprovalError),
    #[error(transparent)]
    Store(#[from] host_harness::store::StoreError),
    #[error(transparent)]
    Step(#[from] host_harness::store::steps::StepError),
    #[error(transparent)]
    Ui(#[from] host_harness::ui::UiError),
    #[error("cannot read {what} {}", .path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} {} is not valid", .path.display())]
    Invalid {
        what: &'static str,
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the output as JSON")]
    Encode(#[from] serde_json::Error),
    #[error("cannot use standard input or output")]
    Stdio(#[from] std::io::Error),
}

/// A command's failure: the error, and every form of the secrets known when it happened.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What failed (boxed: a command's `Result` stays small).
    pub(crate) error: Box<CliError>,
    /// What its message must not show.
    pub(crate) secrets: Secrets,
}

impl Failure {
    /// Returns the failure of `error`, whose message must not show `secrets`.
    pub(crate) fn new(error: impl Into<CliError>, secrets: Secrets) -> Failure {
        Failure {
            error: Box::new(error.into()),
            secrets,
        }
    }

    /// Returns the message printed for it: the error with its causes, secrets removed.
    pub(crate) fn message(&self) -> String {
        let message = host_harness::render::with_causes(&*self.error);
        self.secrets.redact(&message).into_owned()
    }
}

impl<E: Into<CliError>> From<E> for Failure {
    /// Returns the failure of a command that knows no secret (no credentials were read).
    fn from(error: E) -> Failure {
        Failure::new(error, Secrets::default())
    }
}
