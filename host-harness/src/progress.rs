//! The CLI's view of a running plugin, on stderr only: a progress bar while a call makes
//! requests, drawn only when stderr is a terminal, and with `--verbose` one line per call, per
//! vendor request and per plugin log line. Everything it prints has the secrets removed.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use host_harness::runtime::observe::{LogLevel, LogLine, Observer, RequestEvent, SharedObserver};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plugin_contract::Secrets;

/// Shows a plugin's calls on stderr (see the module's documentation).
pub struct Progress {
    /// Whether to print each call, request and log line.
    verbose: bool,
    /// Whether stderr is a terminal, to draw the bar on.
    terminal: bool,
    /// Removed from every line, again (the runtime already removed the call's own).
    secrets: Secrets,
    /// The bar of the running call, on a terminal.
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress {
    /// Returns the observer for `--verbose` and a terminal on stderr, or `None` when there is
    /// neither (then nothing extra is printed).
    pub fn observer(verbose: bool, secrets: Secrets) -> Option<SharedObserver> {
        let terminal = std::io::stderr().is_terminal();
        (verbose || terminal).then(|| {
            Arc::new(Progress {
                verbose,
                terminal,
                secrets,
                bar: Mutex::new(None),
            }) as SharedObserver
        })
    }

    /// Locks the running call's bar.
    fn bar(&self) -> MutexGuard<'_, Option<ProgressBar>> {
        self.bar
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Prints `text` as a line of its own on stderr, above the bar if one is drawn.
    fn say(&self, text: &str) {
        let line = format!(
            "host-harness: {}",
            host_harness::render::shown(&self.secrets.redact(text))
        );
        match &*self.bar() {
            Some(bar) => bar.suspend(|| crate::output::note(&line)),
            None => crate::output::note(&line),
        }
    }
}

impl Observer for Progress {
    fn request(&self, event: &RequestEvent) {
        if self.verbose {
            self.say(&event.to_string());
        }
        if let Some(bar) = &*self.bar() {
            // The total is one request per account; a call makes a few more (the list itself).
            if bar.length().is_some_and(|total| bar.position() >= total) {
                bar.inc_length(1);
            }
            bar.inc(1);
        }
    }

    fn call_started(&self, export: &str, accounts: Option<usize>) {
        if self.verbose {
            match accounts {
                Some(accounts) => self.say(&format!("call {export} for {accounts} accounts")),
                None => self.say(&format!("call {export}")),
            }
        }
        if !self.terminal {
            return;
        }
        let total = accounts.map(|accounts| accounts as u64);
        let template = match total {
            Some(_) => "{spinner} {msg} [{bar:30}] {pos}/{len} requests, {elapsed} ({eta} left)",
            None => "{spinner} {msg}: {pos} requests, {elapsed}",
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr())
            .with_style(style)
            .with_message(export.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Some(previous) = self.bar().replace(bar) {
            previous.finish_and_clear();
        }
    }

    fn call_finished(&self, _: &str) {
        // Cleared before anything is printed on stdout, which happens after the calls.
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
    }

    fn log_level(&self) -> Option<LogLevel> {
        self.verbose.then_some(LogLevel::Trace)
    }

    fn log(&self, line: &LogLine) {
        self.say(&format!("plugin {}: {}", line.level, line.message));
    }
}
