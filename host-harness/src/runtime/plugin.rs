//! A vendor plugin loaded by manifest and called through the contract's typed functions.
//!
//! Compiling a module takes seconds in a debug build and instantiating it milliseconds, so a
//! [`PluginModule`] is made once and [`PluginInstance`]s are made from it as needed.
//! Every failure of a call reaches the caller as the contract's [`PluginError`]: the plugin's
//! own typed error when it set one, otherwise the runtime's failure mapped to a class
//! (see `trap_failure`), never a wasm backtrace.
//!
//! An [`Observer`](crate::runtime::observe::Observer) set on the module (or an instance) is told
//! of every call, request and plugin log line as it happens.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use extism::{CompiledPlugin, Plugin, PluginBuilder};
use plugin_contract::{
    exports, host, transport, AccountList, Authenticated, Credentials, CredentialsInput,
    Description, ErrorClass, FetchUsageInput, PluginError, Secrets, ServiceList, Usage,
    VendorPlugin,
};
use serde::{de::DeserializeOwned, Serialize};

use crate::runtime::guard::CredentialGuard;
use crate::runtime::http::{
    host_functions, lock, CallHttp, HttpPolicy, RawExchange, SharedCallHttp,
};
use crate::runtime::issued::Issued;
use crate::runtime::logs::log_functions;
use crate::runtime::manifest::{check_interface_version, ManifestError, PluginManifest};
use crate::runtime::observe::{CallObserver, SharedObserver};
use crate::runtime::traps::trap_failure;

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest or the module is not usable.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Extism could not compile or instantiate the module.
    #[error("Extism could not load the plugin module: {0}")]
    Runtime(String),
    /// The module lacks one of the contract's exports.
    #[error("the plugin does not export {0}, which interface v1 requires")]
    MissingExport(&'static str),
    /// `describe_credentials` failed, so the plugin cannot be used.
    #[error("describe_credentials failed: {0}")]
    Describe(PluginError),
    /// The module reports another interface version than its manifest.
    #[error("the plugin reports interface {reported} but its manifest says {manifest}")]
    InterfaceMismatch { reported: String, manifest: String },
    /// The module reports another plugin version than its manifest.
    #[error("the plugin reports version {reported} but its manifest says {manifest}: the manifest does not describe this module")]
    VersionMismatch { reported: String, manifest: String },
}

/// A plugin compiled once, from which instances are made.
pub struct PluginModule {
    compiled: CompiledPlugin,
    manifest: PluginManifest,
    guard: CredentialGuard,
    description: Description,
    observer: Option<SharedObserver>,
}

impl PluginModule {
    /// Compiles the manifest's module, allowing `extra_hosts` beside the manifest's hosts, with
    /// WASI on when the manifest says `"wasi": true`, and checks its exports and the interface
    /// and plugin versions it reports.
    pub fn compile(
        manifest: &PluginManifest,
        extra_hosts: &[String],
    ) -> Result<PluginModule, LoadError> {
        let wasm = manifest.read_wasm()?;
        let allowed_hosts = manifest.allowed_hosts_with(extra_hosts);
        let extism_manifest = manifest.to_extism(wasm, &allowed_hosts);
        let policy = HttpPolicy {
            allowed_hosts: allowed_hosts.clone(),
            max_response_bytes: manifest.limits.max_http_response_bytes,
            request_timeout: manifest.limits.request_timeout(),
            failures_as_values: transport::plugin_reads_failures_as_values(
                &manifest.interface_version,
            ),
        };
        // WASI only when the manifest asks for it; `read_wasm` refused a module that imports
        // WASI under a manifest that does not.
        let compiled = PluginBuilder::new(extism_manifest)
            .with_wasi(manifest.wasi)
            .with_functions(host_functions(policy))
            .with_functions(log_functions())
            .compile()
            .map_err(|e| LoadError::Runtime(format!("{:#}", e.root_cause())))?;
        let timeout_ms = manifest.limits.timeout_ms;
        let mut probe = PluginInstance::new(&compiled, CredentialGuard::default(), timeout_ms)?;
        for export in exports::ALL {
            if !probe.plugin.function_exists(export) {
                return Err(LoadError::MissingExport(export));
            }
        }
        let description = probe
            .describe_credentials(&CredentialsInput::default())
            .map_err(LoadError::Describe)?;
        check_interface_version(&description.interface_version)?;
        if description.interface_version != manifest.interface_version {
            return Err(LoadError::InterfaceMismatch {
                reported: description.interface_version,
                manifest: manifest.interface_version.clone(),
            });
        }
        if description.plugin_version != manifest.version {
            return Err(LoadError::VersionMismatch {
                reported: description.plugin_version,
                manifest: manifest.version.clone(),
            });
        }
        Ok(PluginModule {
            guard: CredentialGuard::from_schema(&description.credentials_schema, allowed_hosts),
            compiled,
            manifest: manifest.clone(),
            description,
            observer: None,
        })
    }

    /// Makes a fresh instance, with its own memory and the module's observer.
    pub fn instantiate(&self) -> Result<PluginInstance, LoadError> {
        let mut instance = PluginInstance::new(
            &self.compiled,
            self.guard.clone(),
            self.manifest.limits.timeout_ms,
        )?;
        instance.observer = self.observer.clone();
        Ok(instance)
    }

    /// Reports the calls of every instance made from now on to `observer`.
    pub fn set_observer(&mut self, observer: SharedObserver) {
        self.observer = Some(observer);
    }

    /// Returns what the plugin said of itself when it was loaded.
    pub fn description(&self) -> &Description {
        &self.description
    }

    /// Returns the credentials the schema marks `writeOnly`.
    pub fn secret_fields(&self) -> &[String] {
        &self.guard.secret_fields
    }

    /// Returns every form of the values `credentials` give the secret fields.
    pub fn secrets(&self, credentials: &Credentials) -> Secrets {
        self.guard.secrets_in(credentials)
    }

    /// Returns the credentials the schema marks `format: uri`.
    pub fn url_fields(&self) -> Vec<String> {
        self.guard
            .url_fields
            .iter()
            .map(|(field, _)| field.clone())
            .collect()
    }

    /// Returns the manifest the plugin was loaded from.
    pub fn manifest(&self) -> &PluginManifest {
        &self.manifest
    }
}

/// One instance of a vendor plugin; calls run one at a time.
///
/// A call that ends in a trap (a panic, the timeout, the memory limit, a failed request) leaves
/// the wasm instance unusable, so the next call gets a fresh one.
pub struct PluginInstance {
    plugin: Plugin,
    compiled: CompiledPlugin,
    guard: CredentialGuard,
    timeout_ms: u64,
    /// Every HTTP exchange since recording started, when recording.
    recording: Option<Vec<RawExchange>>,
    /// Whether secrets are removed from errors (off only to check the plugin's own discipline).
    redacting: bool,
    /// Who is told of each call, request and log line.
    observer: Option<SharedObserver>,
    /// How many accounts the last successful `list_accounts` returned.
    listed_accounts: Option<usize>,
    /// The secrets the vendor issued to this instance (tokens, cookies), removed like the
    /// credentials' from its errors and from what its observer is told.
    issued: Issued,
}

impl PluginInstance {
    fn new(
        compiled: &CompiledPlugin,
        guard: CredentialGuard,
        timeout_ms: u64,
    ) -> Result<PluginInstance, LoadError> {
        Ok(PluginInstance {
            plugin: instance_of(compiled)?,
            compiled: compiled.clone(),
            guard,
            timeout_ms,
            recording: None,
            redacting: true,
            observer: None,
            listed_accounts: None,
            issued: Issued::default(),
        })
    }

    /// Reports this instance's calls to `observer`.
    pub fn set_observer(&mut self, observer: SharedObserver) {
        self.observer = Some(observer);
    }

    /// Stops removing secrets from the plugin's errors and from what its observer is told
    /// (requests, log lines), so that what the plugin itself returns and logs can be checked
    /// (conformance does); a host never does this.
    pub fn without_redaction(mut self) -> PluginInstance {
        self.redacting = false;
        self
    }

    /// Returns a handle that stops this instance's running call from another thread (the call
    /// ends in a trap and the instance is replaced): how a host cancels a sync.
    pub fn cancel_handle(&self) -> extism::CancelHandle {
        self.plugin.cancel_handle()
    }

    /// Returns the secrets the vendor issued to this instance so far.
    pub fn issued(&self) -> &Issued {
        &self.issued
    }

    /// Starts keeping every HTTP exchange of the following calls.
    pub fn start_recording(&mut self) {
        self.recording = Some(Vec::new());
    }

    /// Returns the exchanges kept since recording started, and stops recording.
    pub fn take_recording(&mut self) -> Vec<RawExchange> {
        self.recording.take().unwrap_or_default()
    }

    /// Runs `export` on `input`; `accounts` is how many accounts it counts, when known, for the
    /// observer.
    fn call<I: Serialize, O: DeserializeOwned>(
        &mut self,
        export: &str,
        credentials: &Credentials,
        accounts: Option<usize>,
        input: &I,
    ) -> Result<O, PluginError> {
        self.check_credentials(export, credentials)?;
        let input = serde_json::to_vec(input).map_err(|e| {
            PluginError::new(ErrorClass::Internal, format!("input not encodable: {e}"))
        })?;
        let output = self
            .invoke(export, credentials, accounts, &input)
            .and_then(|bytes| {
                serde_json::from_slice(&bytes).map_err(|e| {
                    PluginError::new(
                        ErrorClass::Internal,
                        format!("{export} returned output that is not the contract's JSON: {e}"),
                    )
                })
            });
        if !self.redacting {
            return output;
        }
        output.map_err(|mut error| {
            let message = self.guard.secrets_in(credentials).redact(&error.message);
            error.message = self.issued.secrets().redact(&message).into_owned();
            error
        })
    }

    /// Checks the URL credentials against the allowed hosts before a call that may make
    /// requests; `describe_credentials` makes none (the form is drawn before any credential
    /// exists), so it is not checked.
    fn check_credentials(
        &self,
        export: &str,
        credentials: &Credentials,
    ) -> Result<(), PluginError> {
        if export == exports::DESCRIBE_CREDENTIALS {
            return Ok(());
        }
        self.guard.check(credentials)
    }

    /// Runs `export` on the JSON `input` and returns its output undecoded, so that conformance
    /// can check the plugin's own JSON; a failure comes with the runtime's error text (the
    /// plugin's error JSON when it set one; `None` when the credentials were refused first).
    pub fn call_raw(
        &mut self,
        export: &str,
        credentials: &Credentials,
        input: &[u8],
    ) -> Result<Vec<u8>, (PluginError, Option<String>)> {
        self.check_credentials(export, credentials)
            .map_err(|e| (e, None))?;
        self.invoke_raw(export, credentials, None, input)
            .map_err(|(error, text)| (error, Some(text)))
    }

    /// Runs one export; after a trap, replaces the instance so the next call starts clean.
    fn invoke(
        &mut self,
        export: &str,
        credentials: &Credentials,
        accounts: Option<usize>,
        input: &[u8],
    ) -> Result<Vec<u8>, PluginError> {
        self.invoke_raw(export, credentials, accounts, input)
            .map_err(|(error, _)| error)
    }

    /// Runs one export as [`PluginInstance::invoke`] does, telling the observer of its start
    /// and end; a failure comes with the root cause's text.
    fn invoke_raw(
        &mut self,
        export: &str,
        credentials: &Credentials,
        accounts: Option<usize>,
        input: &[u8],
    ) -> Result<Vec<u8>, (PluginError, String)> {
        let http = CallHttp::new(self.recording.is_some()).issuing_into(self.issued.clone());
        let Some(observer) = self.observer.clone() else {
            return self.run(export, http, input);
        };
        let call_observer = if self.redacting {
            CallObserver::new(observer.clone(), self.guard.secrets_in(credentials))
                .with_issued(self.issued.clone())
        } else {
            CallObserver::new(observer.clone(), Secrets::default())
        };
        let http = http.observed_by(call_observer);
        observer.call_started(export, accounts);
        let result = self.run(export, http, input);
        observer.call_finished(export);
        result
    }

    /// Runs one export with `http` as its host context; after a trap, replaces the instance.
    fn run(
        &mut self,
        export: &str,
        http: CallHttp,
        input: &[u8],
    ) -> Result<Vec<u8>, (PluginError, String)> {
        let started = Instant::now();
        let http: SharedCallHttp = Arc::new(Mutex::new(http));
        let result = self
            .plugin
            .call_with_host_context::<&[u8], Vec<u8>, SharedCallHttp>(
                export,
                input,
                Arc::clone(&http),
            );
        let mut http = lock(&http);
        if let Some(recording) = &mut self.recording {
            recording.append(&mut http.exchanges);
        }
        let error = match result {
            Ok(output) => return Ok(output),
            Err(error) => error,
        };
        let text = error.root_cause().to_string();
        // The plugin returned its own error: the instance is still good.
        if let Ok(mut own) = serde_json::from_str::<PluginError>(&error.to_string()) {
            host::fill_retry_after(&mut own, http.retry_after.as_deref(), unix_now_s());
            return Err((own, text));
        }
        let transport = http.failure.take();
        drop(http);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let typed = trap_failure(export, &error, transport, elapsed_ms, self.timeout_ms);
        self.plugin = instance_of(&self.compiled).map_err(|e| {
            let error = PluginError::new(
                ErrorClass::Internal,
                format!("{typed}; and the plugin could not be restarted: {e}"),
            );
            (error, text.clone())
        })?;
        Err((typed, text))
    }
}

impl VendorPlugin for PluginInstance {
    fn describe_credentials(
        &mut self,
        input: &CredentialsInput,
    ) -> Result<Description, PluginError> {
        self.call(
            exports::DESCRIBE_CREDENTIALS,
            &Credentials::default(),
            None,
            input,
        )
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        self.call(exports::AUTHENTICATE, &input.credentials, None, input)
    }

    fn list_accounts(&mut self, input: &CredentialsInput) -> Result<AccountList, PluginError> {
        let listed: AccountList =
            self.call(exports::LIST_ACCOUNTS, &input.credentials, None, input)?;
        self.listed_accounts = Some(listed.accounts.len());
        Ok(listed)
    }

    fn list_services(&mut self, input: &CredentialsInput) -> Result<ServiceList, PluginError> {
        self.call(exports::LIST_SERVICES, &input.credentials, None, input)
    }

    /// Counts usage; the observer is told how many accounts: `account_ids`, or all the
    /// accounts this instance last listed.
    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        let accounts = input
            .account_ids
            .as_ref()
            .map(Vec::len)
            .or(self.listed_accounts);
        self.call(exports::FETCH_USAGE, &input.credentials, accounts, input)
    }
}

fn instance_of(compiled: &CompiledPlugin) -> Result<Plugin, LoadError> {
    Plugin::new_from_compiled(compiled)
        .map_err(|e| LoadError::Runtime(format!("{:#}", e.root_cause())))
}

/// Returns the host's clock, for a `Retry-After` given as a date.
fn unix_now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}
