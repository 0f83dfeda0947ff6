//! A vendor plugin loaded by manifest and called through the contract's typed functions.
//!
//! Compiling a module takes seconds in a debug build and instantiating it milliseconds, so a
//! [`CompiledVendorPlugin`] is made once and [`HostedPlugin`]s are made from it as needed.
//! Every failure of a call reaches the caller as the contract's [`PluginError`]: the plugin's
//! own typed error when it set one, otherwise the runtime's failure mapped to a class
//! (see `trap_failure`), never a wasm backtrace.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use extism::{CompiledPlugin, Plugin, PluginBuilder};
use plugin_contract::{
    exports, host, transport, AccountList, Authenticated, Credentials, CredentialsInput,
    Description, ErrorClass, FetchUsageInput, PluginError, Secrets, ServiceList, Usage,
    VendorPlugin,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::http::{
    host_functions, CallHttp, HttpPolicy, RawExchange, SharedCallHttp, TransportFailure,
};
use crate::manifest::{check_interface_version, ManifestError, PluginManifest};

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
pub struct CompiledVendorPlugin {
    compiled: CompiledPlugin,
    manifest: PluginManifest,
    guard: CredentialGuard,
    description: Description,
}

impl CompiledVendorPlugin {
    /// Compiles the manifest's module, allowing `extra_hosts` beside the manifest's hosts, with
    /// WASI on when the manifest says `"wasi": true`, and checks its exports and the interface
    /// and plugin versions it reports.
    pub fn compile(
        manifest: &PluginManifest,
        extra_hosts: &[String],
    ) -> Result<CompiledVendorPlugin, LoadError> {
        let wasm = manifest.read_wasm()?;
        let allowed_hosts = manifest.allowed_hosts_with(extra_hosts);
        let extism_manifest = manifest.to_extism(wasm, &allowed_hosts);
        let policy = HttpPolicy {
            allowed_hosts: allowed_hosts.clone(),
            max_response_bytes: manifest.limits.max_http_response_bytes,
            request_timeout: manifest.limits.request_timeout(),
            failures_as_values: transport::read_by(&manifest.interface_version),
        };
        // WASI only when the manifest asks for it; `read_wasm` refused a module that imports
        // WASI under a manifest that does not.
        let compiled = PluginBuilder::new(extism_manifest)
            .with_wasi(manifest.wasi)
            .with_functions(host_functions(policy))
            .compile()
            .map_err(|e| LoadError::Runtime(format!("{:#}", e.root_cause())))?;
        let timeout_ms = manifest.limits.timeout_ms;
        let mut probe = HostedPlugin::new(&compiled, CredentialGuard::default(), timeout_ms)?;
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
        Ok(CompiledVendorPlugin {
            guard: CredentialGuard::from_schema(&description.credentials_schema, allowed_hosts),
            compiled,
            manifest: manifest.clone(),
            description,
        })
    }

    /// Makes a fresh instance, with its own memory.
    pub fn instantiate(&self) -> Result<HostedPlugin, LoadError> {
        HostedPlugin::new(
            &self.compiled,
            self.guard.clone(),
            self.manifest.limits.timeout_ms,
        )
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
pub struct HostedPlugin {
    plugin: Plugin,
    compiled: CompiledPlugin,
    guard: CredentialGuard,
    timeout_ms: u64,
    /// Every HTTP exchange since recording started, when recording.
    recording: Option<Vec<RawExchange>>,
    /// Whether secrets are removed from errors (off only to check the plugin's own discipline).
    redacting: bool,
}

impl HostedPlugin {
    fn new(
        compiled: &CompiledPlugin,
        guard: CredentialGuard,
        timeout_ms: u64,
    ) -> Result<HostedPlugin, LoadError> {
        Ok(HostedPlugin {
            plugin: instance_of(compiled)?,
            compiled: compiled.clone(),
            guard,
            timeout_ms,
            recording: None,
            redacting: true,
        })
    }

    /// Stops removing secrets from the plugin's errors, so that what the plugin itself returns
    /// can be checked (conformance does); a host never does this.
    pub fn without_redaction(mut self) -> HostedPlugin {
        self.redacting = false;
        self
    }

    /// Starts keeping every HTTP exchange of the following calls.
    pub fn start_recording(&mut self) {
        self.recording = Some(Vec::new());
    }

    /// Returns the exchanges kept since recording started, and stops recording.
    pub fn take_recording(&mut self) -> Vec<RawExchange> {
        self.recording.take().unwrap_or_default()
    }

    fn call<I: Serialize, O: DeserializeOwned>(
        &mut self,
        export: &str,
        credentials: &Credentials,
        input: &I,
    ) -> Result<O, PluginError> {
        self.check_credentials(export, credentials)?;
        let input = serde_json::to_vec(input).map_err(|e| {
            PluginError::new(ErrorClass::Internal, format!("input not encodable: {e}"))
        })?;
        let output = self.invoke(export, &input).and_then(|bytes| {
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
            error.message = self
                .guard
                .secrets_in(credentials)
                .redact(&error.message)
                .into_owned();
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
        self.invoke_raw(export, input)
            .map_err(|(error, text)| (error, Some(text)))
    }

    /// Runs one export; after a trap, replaces the instance so the next call starts clean.
    fn invoke(&mut self, export: &str, input: &[u8]) -> Result<Vec<u8>, PluginError> {
        self.invoke_raw(export, input).map_err(|(error, _)| error)
    }

    /// Runs one export as [`HostedPlugin::invoke`] does; a failure comes with the root cause's
    /// text.
    fn invoke_raw(&mut self, export: &str, input: &[u8]) -> Result<Vec<u8>, (PluginError, String)> {
        let started = Instant::now();
        let http: SharedCallHttp = Arc::new(Mutex::new(CallHttp::new(self.recording.is_some())));
        let result = self
            .plugin
            .call_with_host_context::<&[u8], Vec<u8>, SharedCallHttp>(
                export,
                input,
                Arc::clone(&http),
            );
        let mut http = http.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(recording) = &mut self.recording {
            recording.append(&mut http.recorded);
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

impl VendorPlugin for HostedPlugin {
    fn describe_credentials(
        &mut self,
        input: &CredentialsInput,
    ) -> Result<Description, PluginError> {
        self.call(
            exports::DESCRIBE_CREDENTIALS,
            &Credentials::default(),
            input,
        )
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        self.call(exports::AUTHENTICATE, &input.credentials, input)
    }

    fn list_accounts(&mut self, input: &CredentialsInput) -> Result<AccountList, PluginError> {
        self.call(exports::LIST_ACCOUNTS, &input.credentials, input)
    }

    fn list_services(&mut self, input: &CredentialsInput) -> Result<ServiceList, PluginError> {
        self.call(exports::LIST_SERVICES, &input.credentials, input)
    }

    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        self.call(exports::FETCH_USAGE, &input.credentials, input)
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

/// Types a call that trapped, most specific first.
///
/// 1. A panic the plugin reported: the trap's root cause is the JSON of a [`PluginError`].
/// 2. A failed HTTP request, as the harness's HTTP recorded it.
/// 3. The call's time ran out.
/// 4. Anything else: a bug in the plugin, or its memory limit. Extism 1.30 reports the memory
///    limit only as the text `oom` (`runtime/src/plugin.rs`); it is the one text read here.
fn trap_failure(
    export: &str,
    error: &extism::Error,
    transport: Option<TransportFailure>,
    elapsed_ms: u64,
    timeout_ms: u64,
) -> PluginError {
    let root_cause = error.root_cause().to_string();
    if let Ok(reported) = serde_json::from_str::<PluginError>(&root_cause) {
        return reported;
    }
    if let Some(transport) = transport {
        return PluginError::new(transport.kind().class(), format!("{export}: {transport}."));
    }
    if elapsed_ms >= timeout_ms {
        return PluginError::new(
            ErrorClass::Transient,
            format!("{export} did not finish within the manifest's timeout_ms ({timeout_ms} ms)."),
        );
    }
    if root_cause == "oom" {
        return PluginError::new(
            ErrorClass::Internal,
            format!("{export} needed more memory than the manifest's memory_max_pages allows."),
        );
    }
    PluginError::new(
        ErrorClass::Internal,
        format!("{export} stopped inside the plugin (a trap: a bug, not a vendor problem): {root_cause}."),
    )
}

/// Checks credentials before a call and keeps their secrets out of errors.
#[derive(Clone, Debug, Default)]
struct CredentialGuard {
    allowed_hosts: Vec<String>,
    /// `(field, default)` of every `format: uri` credential.
    url_fields: Vec<(String, Option<String>)>,
    /// Fields marked `writeOnly`.
    secret_fields: Vec<String>,
}

impl CredentialGuard {
    fn from_schema(schema: &Value, allowed_hosts: Vec<String>) -> CredentialGuard {
        let mut guard = CredentialGuard {
            allowed_hosts,
            ..CredentialGuard::default()
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        for (field, property) in properties.into_iter().flatten() {
            if property.get("format").and_then(Value::as_str) == Some("uri") {
                let default = property.get("default").and_then(Value::as_str);
                guard
                    .url_fields
                    .push((field.clone(), default.map(str::to_owned)));
            }
            if property.get("writeOnly").and_then(Value::as_bool) == Some(true) {
                guard.secret_fields.push(field.clone());
            }
        }
        guard
    }

    /// Refuses URL credentials whose host the plugin may not reach, before any request.
    fn check(&self, credentials: &Credentials) -> Result<(), PluginError> {
        for (field, default) in &self.url_fields {
            let value = credentials
                .get(field)
                .filter(|v| !v.trim().is_empty())
                .or(default.as_deref());
            let Some(value) = value else { continue };
            let Some(host) = url::Url::parse(value.trim())
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
            else {
                continue; // The plugin validates the URL itself and names what is wrong.
            };
            if !self.allowed_hosts.iter().any(|p| host_matches(p, &host)) {
                return Err(PluginError::new(
                    ErrorClass::Config,
                    format!(
                        "{field} points at {host}, which the plugin's manifest does not allow (allowed_hosts: {}). If you trust it, allow it with --allow-host {host}.",
                        self.allowed_hosts.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Returns every form of the values `credentials` give the secret fields.
    fn secrets_in(&self, credentials: &Credentials) -> Secrets {
        Secrets::new(
            self.secret_fields
                .iter()
                .filter_map(|field| credentials.get(field)),
        )
    }
}

/// Matches a host against an `allowed_hosts` pattern where `*` is any run of characters.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let (pattern, host) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == host;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !host.starts_with(first) || !host[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &host[first.len()..host.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_patterns_match_like_globs() {
        assert!(host_matches("*", "anything.example"));
        assert!(host_matches("*.example.com", "api.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(host_matches("127.0.0.1", "127.0.0.1"));
        assert!(!host_matches("127.0.0.1", "127.0.0.10"));
        assert!(host_matches(
            "US-central1-*.net",
            "us-central1-x.cloudfunctions.net"
        ));
        assert!(!host_matches("a*b*c", "ac"));
    }

    #[test]
    fn url_hosts_outside_allowed_hosts_are_config_errors_naming_the_host() {
        let schema = serde_json::json!({"properties": {
            "api_url": {"type": "string", "format": "uri", "default": "https://good.example"},
            "api_key": {"type": "string", "writeOnly": true}
        }});
        let guard = CredentialGuard::from_schema(&schema, vec!["good.example".into()]);
        let ok: Credentials = [("api_key", "k")].into_iter().collect();
        assert!(guard.check(&ok).is_ok(), "the default host is allowed");
        let bad: Credentials = [("api_url", "http://evil.example:8080/x")]
            .into_iter()
            .collect();
        let error = guard.check(&bad).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("evil.example"));
    }

    #[test]
    fn secrets_are_found_in_every_form_the_plugin_may_send() {
        let schema = serde_json::json!({"properties": {"api_key": {"writeOnly": true}}});
        let guard = CredentialGuard::from_schema(&schema, vec![]);
        let credentials: Credentials = [("api_key", "  hunter2  ")].into_iter().collect();
        let secrets = guard.secrets_in(&credentials);
        assert_eq!(
            secrets.redact("bad key hunter2, aHVudGVyMg=="),
            "bad key <redacted>, <redacted>"
        );
    }
}
