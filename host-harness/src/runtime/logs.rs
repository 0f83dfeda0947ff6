//! The plugin's log lines, provided by the harness in place of Extism's built-in `log_*`.
//!
//! Extism 1.30's built-ins hand each line to `tracing`, where it goes nowhere unless the process
//! installs a global subscriber (`extism::set_log_callback`, one per process), and
//! `get_log_level` answers from that subscriber. These shadow `extism:host/env::{log_trace,
//! log_debug, log_info, log_warn, log_error, get_log_level}` as [`crate::runtime::http`] shadows
//! `http_request`: each line goes to the observer of the call that logged it, secrets removed,
//! and `get_log_level` tells the plugin the least level that observer wants (off without an
//! observer, as Extism answers without a subscriber). A line below that level, or with no one to
//! read it, is freed and dropped.

use extism::{CurrentPlugin, Function, UserData, Val, ValType, EXTISM_ENV_MODULE, PTR};

use crate::runtime::http::{call_state, lock};
use crate::runtime::observe::{CallObserver, LogLevel};

/// What `get_log_level` answers when no level is wanted: the PDKs then log nothing.
const LOGGING_OFF: i32 = i32::MAX;

/// Returns the host functions that replace Extism's `log_*` and `get_log_level`.
pub fn log_functions() -> Vec<Function> {
    let mut functions: Vec<Function> = LogLevel::FUNCTIONS
        .into_iter()
        .map(|(level, name)| {
            Function::new(
                name,
                [PTR],
                [],
                UserData::new(()),
                move |plugin: &mut CurrentPlugin, inputs: &[Val], _: &mut [Val], _| {
                    log(plugin, level, &inputs[0])
                },
            )
        })
        .collect();
    functions.push(Function::new(
        "get_log_level",
        [],
        [ValType::I32],
        UserData::new(()),
        |plugin: &mut CurrentPlugin, _: &[Val], outputs: &mut [Val], _| {
            let least = observer_of(plugin).and_then(|observer| observer.log_level());
            outputs[0] = Val::I32(least.map_or(LOGGING_OFF, LogLevel::to_int));
            Ok(())
        },
    ));
    functions
        .into_iter()
        .map(|f| f.with_namespace(EXTISM_ENV_MODULE))
        .collect()
}

/// Returns the observer of the running call; `None` without one (or outside a call).
fn observer_of(plugin: &mut CurrentPlugin) -> Option<CallObserver> {
    let state = call_state(plugin).ok()?;
    let observer = lock(&state).observer.clone();
    observer
}

/// Hands the line at `message` to the call's observer if it wants it, and frees it either way.
fn log(plugin: &mut CurrentPlugin, level: LogLevel, message: &Val) -> Result<(), extism::Error> {
    let Some(handle) = plugin.memory_from_val(message) else {
        return Ok(());
    };
    if let Some(observer) = observer_of(plugin).filter(|o| o.wants(level)) {
        observer.log(level, plugin.memory_bytes(handle)?);
    }
    plugin.memory_free(handle)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use extism::{Manifest, Plugin, Wasm};
    use plugin_contract::Secrets;

    use super::*;
    use crate::runtime::http::{CallHttp, SharedCallHttp};
    use crate::runtime::observe::{LogLine, Observer, RequestEvent};

    fn secrets() -> Secrets {
        Secrets::new(["hunter2 key"])
    }

    /// Keeps what it is told.
    struct Lines {
        least: Option<LogLevel>,
        lines: Mutex<Vec<LogLine>>,
    }

    impl Observer for Lines {
        fn request(&self, _: &RequestEvent) {}

        fn log_level(&self) -> Option<LogLevel> {
            self.least
        }

        fn log(&self, line: &LogLine) {
            self.lines.lock().expect("lines").push(line.clone());
        }
    }

    /// A module that logs "token hunter2 key" at warn if `get_log_level` allows warn.
    const LOGGING_MODULE: &str = r#"(module
      (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
      (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
      (import "extism:host/env" "log_warn" (func $log_warn (param i64)))
      (import "extism:host/env" "get_log_level" (func $level (result i32)))
      (memory 1)
      (data (i32.const 0) "token hunter2 key")
      (func (export "run") (result i32)
        (local $at i64) (local $i i32)
        (if (i32.le_s (call $level) (i32.const 3))
          (then
            (local.set $at (call $alloc (i64.const 17)))
            (loop $copy
              (call $store_u8
                (i64.add (local.get $at) (i64.extend_i32_u (local.get $i)))
                (i32.load8_u (local.get $i)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $copy (i32.lt_u (local.get $i) (i32.const 17))))
            (call $log_warn (local.get $at))))
        (i32.const 0)))"#;

    /// Runs the logging module with `least` as the observer's level (no observer for `None`
    /// with `observed` false); returns the lines it received.
    fn run_logging(least: Option<LogLevel>, observed: bool) -> Vec<LogLine> {
        let manifest = Manifest::new([Wasm::data(LOGGING_MODULE.as_bytes().to_vec())]);
        let mut plugin = Plugin::new(manifest, log_functions(), false).expect("module loads");
        let lines = Arc::new(Lines {
            least,
            lines: Mutex::new(Vec::new()),
        });
        let mut call = CallHttp::new(false);
        if observed {
            call = call.observed_by(CallObserver::new(lines.clone(), secrets()));
        }
        let state: SharedCallHttp = Arc::new(Mutex::new(call));
        plugin
            .call_with_host_context::<&[u8], Vec<u8>, SharedCallHttp>("run", b"", state)
            .expect("the call succeeds");
        let received = lines.lines.lock().expect("lines").clone();
        received
    }

    #[test]
    fn a_plugin_log_line_reaches_the_calls_observer_with_its_level_and_no_secret() {
        assert_eq!(
            run_logging(Some(LogLevel::Info), true),
            [LogLine {
                level: LogLevel::Warn,
                message: "token <redacted>".into()
            }]
        );
    }

    #[test]
    fn plugins_are_told_logging_is_off_below_the_observers_level_or_without_one() {
        assert_eq!(run_logging(Some(LogLevel::Error), true), []);
        assert_eq!(run_logging(None, true), []);
        assert_eq!(run_logging(None, false), []);
    }
}
