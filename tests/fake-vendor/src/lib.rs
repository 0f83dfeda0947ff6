//! A minimal vendor plugin for the harness's own tests: fixed data, no HTTP, and misbehaviour
//! on request, so the harness is shown to be generic and its handling of plugin bugs is tested.
//!
//! Credentials: `token` (secret; empty is rejected as `auth`) and `mode`: `panic` panics in
//! `authenticate`, `spin` loops there until the host's timeout, `log-token` logs the token
//! there (a secret in a log line, which conformance must catch).

use plugin_contract::{
    Account, AccountList, Authenticated, CredentialsInput, Description, FailedAccount,
    FetchUsageInput, PluginError, Service, ServiceList, Usage, UsageRecord, Vendor, VendorPlugin,
};
use serde_json::json;

/// The interface the fake vendor implements: 1.0, so the harness is shown to speak 1.0 plugins.
pub const INTERFACE_VERSION: &str = "1.0";

/// The ids of the fake vendor's accounts, sorted.
const ACCOUNT_IDS: [&str; 2] = ["f1", "f2"];

/// The fake vendor.
pub struct FakeVendor;

impl VendorPlugin for FakeVendor {
    fn describe_credentials(&mut self, _: &CredentialsInput) -> Result<Description, PluginError> {
        Ok(Description {
            interface_version: INTERFACE_VERSION.to_owned(),
            plugin_version: env!("CARGO_PKG_VERSION").to_owned(),
            vendor: Vendor {
                id: "fake-vendor".to_owned(),
                name: "Fake Vendor".to_owned(),
            },
            credentials_schema: json!({
                "type": "object",
                "required": ["token"],
                "properties": {
                    "token": {"type": "string", "writeOnly": true},
                    "mode": {"type": "string", "enum": ["normal", "panic", "spin", "log-token"]}
                }
            }),
        })
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        match input.credentials.get("mode") {
            Some("panic") => panic!("the fake vendor panicked on purpose"),
            Some("spin") => spin(),
            Some("log-token") => log_info(&format!(
                "authenticating with token {}",
                input.credentials.get("token").unwrap_or_default()
            )),
            _ => {}
        }
        match input.credentials.get("token") {
            Some(token) if !token.is_empty() => Ok(Authenticated {
                detail: "The fake vendor accepts any token.".to_owned(),
            }),
            _ => Err(PluginError::auth("The token is empty.")),
        }
    }

    fn list_accounts(&mut self, _: &CredentialsInput) -> Result<AccountList, PluginError> {
        let account = |id: &str, name: &str| Account {
            id: id.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            status: "active".to_owned(),
            domains: Vec::new(),
            psa_refs: Vec::new(),
        };
        Ok(AccountList {
            accounts: vec![
                account("f1", "First Fake Co"),
                account("f2", "Second Fake Co"),
            ],
            warnings: Vec::new(),
        })
    }

    fn list_services(&mut self, _: &CredentialsInput) -> Result<ServiceList, PluginError> {
        Ok(ServiceList {
            services: vec![Service {
                id: "seats".to_owned(),
                name: "Fake seats".to_owned(),
                description: "Two seats per account.".to_owned(),
                category: "other".to_owned(),
                subcategory: "other".to_owned(),
                unit: "seat".to_owned(),
            }],
        })
    }

    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        // The contract's input rules hold whatever the data: conformance checks them.
        input.check_as_of()?;
        if let Some(unknown) = input.service_ids.iter().flatten().find(|s| *s != "seats") {
            return Err(PluginError::config(format!(
                "service_ids names {unknown:?}; the fake vendor has only \"seats\"."
            )));
        }
        let mut accounts = input
            .account_ids
            .clone()
            .unwrap_or_else(|| ACCOUNT_IDS.map(str::to_owned).to_vec());
        accounts.sort();
        accounts.dedup();
        let (known, unknown): (Vec<String>, Vec<String>) = accounts
            .into_iter()
            .partition(|id| ACCOUNT_IDS.contains(&id.as_str()));
        let records = known
            .into_iter()
            .map(|account_id| UsageRecord {
                account_id,
                service_id: "seats".to_owned(),
                quantity: 2,
            })
            .collect();
        // An account the fake vendor does not know is not_found, never a count.
        let failed_accounts = unknown
            .into_iter()
            .filter_map(|account_id| {
                let error = PluginError::not_found(format!(
                    "The fake vendor has no account {account_id:?}."
                ));
                FailedAccount::of(&account_id, vec![("seats".to_owned(), error)])
            })
            .collect();
        Ok(Usage {
            as_of: input.as_of.clone(),
            records,
            warnings: Vec::new(),
            failed_accounts,
        })
    }
}

/// Logs `line` at level info through the host's `log_info` alone (the PDK's macros import
/// `get_log_level` and `log_trace` too, which some stock SDK lacks); nowhere in a native build.
fn log_info(line: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Ok(memory) = extism_pdk::Memory::from_bytes(line) {
        // SAFETY: the host reads the block at `offset` and frees it (the log_* contract).
        unsafe { host_log::log_info(memory.offset()) };
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = line;
}

#[cfg(target_arch = "wasm32")]
mod host_log {
    #[link(wasm_import_module = "extism:host/env")]
    extern "C" {
        /// Extism's `log_info`: logs the memory block at `offset`.
        pub fn log_info(offset: u64);
    }
}

/// Loops until the host interrupts the call.
fn spin() -> ! {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

#[cfg(target_arch = "wasm32")]
plugin_contract::export_plugin!(FakeVendor);
