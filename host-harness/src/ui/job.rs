//! The sync a person started from the web host, run on its own thread: its progress from the
//! runtime's observer (accounts done of all), its cancellation, and how it ended.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use plugin_contract::{Credentials, ErrorClass, Secrets};

use crate::runtime::observe::{Observer, RequestEvent};
use crate::runtime::plugin::PluginInstance;
use crate::store::steps::{self, StepError};
use crate::store::Store;

/// How the last sync ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Counted and reviewed, as sync `id`.
    Done { id: i64 },
    /// Failed as a whole: the class and the message (secrets removed).
    Failed {
        class: Option<ErrorClass>,
        message: String,
    },
    /// A person cancelled it.
    Cancelled,
}

/// Where the sync stands, as the Sync screen shows it.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Whether it is running.
    pub running: bool,
    /// Accounts counted so far (one request each), at most `total`.
    pub done: usize,
    /// Accounts to count, once `fetch_usage` started.
    pub total: Option<usize>,
    /// How it ended, once it did.
    pub ended: Option<Ended>,
}

impl Progress {
    /// Returns the progress as a person reads it: `3 of 12 accounts`.
    pub fn text(&self) -> String {
        match (&self.ended, self.total) {
            (Some(Ended::Done { .. }), _) => "Sync finished: the review is ready.".into(),
            (Some(Ended::Cancelled), _) => "Sync cancelled: nothing was kept.".into(),
            (Some(Ended::Failed { class, message }), _) => match class {
                Some(class) => format!("Sync failed ({}): {message}", class.as_str()),
                None => format!("Sync failed: {message}"),
            },
            (None, Some(total)) if self.running => format!("{} of {total} accounts", self.done),
            (None, None) if self.running => "Listing accounts…".into(),
            (None, _) => "No sync has run since this host started.".into(),
        }
    }
}

/// The one sync of a web host: started, watched and cancelled from the request thread.
#[derive(Clone, Default)]
pub struct Job {
    progress: Arc<Mutex<Progress>>,
    cancelled: Arc<AtomicBool>,
    cancel: Arc<Mutex<Option<extism::CancelHandle>>>,
}

/// Counts `fetch_usage`'s requests as accounts done.
struct Counter {
    progress: Arc<Mutex<Progress>>,
    fetching: AtomicBool,
}

impl Observer for Counter {
    fn request(&self, _: &RequestEvent) {
        if self.fetching.load(Ordering::SeqCst) {
            let mut progress = lock(&self.progress);
            if let Some(total) = progress.total {
                progress.done = (progress.done + 1).min(total);
            }
        }
    }

    fn call_started(&self, export: &str, accounts: Option<usize>) {
        if export == plugin_contract::exports::FETCH_USAGE {
            self.fetching.store(true, Ordering::SeqCst);
            let mut progress = lock(&self.progress);
            progress.total = accounts;
            progress.done = 0;
        }
    }

    fn call_finished(&self, export: &str) {
        if export == plugin_contract::exports::FETCH_USAGE {
            self.fetching.store(false, Ordering::SeqCst);
            let mut progress = lock(&self.progress);
            if let Some(total) = progress.total {
                progress.done = total;
            }
        }
    }
}

impl Job {
    /// Returns where the sync stands.
    pub fn progress(&self) -> Progress {
        lock(&self.progress).clone()
    }

    /// Starts a sync of `store` with `plugin` on its own thread, unless one is running; tells
    /// whether it started.
    pub fn start(
        &self,
        store: Store,
        mut plugin: PluginInstance,
        credentials: Credentials,
        secrets: Secrets,
        as_of: String,
    ) -> bool {
        {
            let mut progress = lock(&self.progress);
            if progress.running {
                return false;
            }
            *progress = Progress {
                running: true,
                ..Progress::default()
            };
        }
        self.cancelled.store(false, Ordering::SeqCst);
        plugin.set_observer(Arc::new(Counter {
            progress: self.progress.clone(),
            fetching: AtomicBool::new(false),
        }));
        *lock(&self.cancel) = Some(plugin.cancel_handle());
        let job = self.clone();
        std::thread::spawn(move || {
            let mut store = store;
            let cancelled = || job.cancelled.load(Ordering::SeqCst);
            let result = steps::sync(
                &mut store,
                &mut plugin,
                &credentials,
                &as_of,
                &crate::clock::now_rfc3339,
                &cancelled,
            );
            let ended = match result {
                Ok((id, _)) => Ended::Done { id },
                Err(StepError::Cancelled) => Ended::Cancelled,
                Err(StepError::Call { error, .. }) => Ended::Failed {
                    class: Some(error.class),
                    message: secrets.redact(&error.message).into_owned(),
                },
                Err(other) => Ended::Failed {
                    class: None,
                    message: secrets.redact(&other.to_string()).into_owned(),
                },
            };
            *lock(&job.cancel) = None;
            let mut progress = lock(&job.progress);
            progress.running = false;
            progress.ended = Some(ended);
        });
        true
    }

    /// Asks the running sync to stop: its plugin call ends at once and nothing it counted is
    /// kept.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Some(handle) = &*lock(&self.cancel) {
            // A call that already ended has nothing to stop.
            let _ = handle.cancel();
        }
    }
}

/// Locks a mutex, whether or not a thread panicked holding it (the data is plain counters).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
