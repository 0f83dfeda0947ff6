//! A minimal vendor plugin for the harness's own tests: fixed data, no HTTP, and misbehaviour
//! on request, so the harness is shown to be generic and its handling of plugin bugs is tested.
//!
//! Credentials: `token` (secret; empty is rejected as `auth`) and `mode`: `panic` panics in
//! `authenticate`, `spin` loops there until the host's timeout.

use plugin_contract::{
    Account, AccountList, Authenticated, CredentialsInput, Description, ErrorClass,
    FetchUsageInput, PluginError, Service, ServiceList, Usage, UsageRecord, Vendor, VendorPlugin,
};
use serde_json::json;

/// The interface the fake vendor implements: 1.0, so the harness is shown to speak 1.0 plugins.
pub const INTERFACE_VERSION: &str = "1.0";

/// The credentials the schema marks `writeOnly`.
pub const SECRET_CREDENTIALS: &[&str] = &["token"];

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
                    "mode": {"type": "string", "enum": ["normal", "panic", "spin"]}
                }
            }),
        })
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        match input.credentials.get("mode") {
            Some("panic") => panic!("the fake vendor panicked on purpose"),
            Some("spin") => spin(),
            _ => {}
        }
        match input.credentials.get("token") {
            Some(token) if !token.is_empty() => Ok(Authenticated {
                detail: "The fake vendor accepts any token.".to_owned(),
            }),
            _ => Err(PluginError::new(ErrorClass::Auth, "The token is empty.")),
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
        let accounts = input
            .account_ids
            .clone()
            .unwrap_or_else(|| vec!["f1".to_owned(), "f2".to_owned()]);
        let records = accounts
            .into_iter()
            .map(|account_id| UsageRecord {
                account_id,
                service_id: "seats".to_owned(),
                quantity: 2,
            })
            .collect();
        Ok(Usage {
            as_of: input.as_of.clone(),
            records,
            warnings: Vec::new(),
            failed_accounts: Vec::new(),
        })
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
mod exports {
    use extism_pdk::{plugin_fn, FnResult};
    use plugin_contract::{guest, VendorPlugin};

    use crate::{FakeVendor, SECRET_CREDENTIALS};

    #[plugin_fn]
    pub fn describe_credentials(input: Vec<u8>) -> FnResult<Vec<u8>> {
        guest::run(&input, SECRET_CREDENTIALS, |input| {
            FakeVendor.describe_credentials(input)
        })
    }

    #[plugin_fn]
    pub fn authenticate(input: Vec<u8>) -> FnResult<Vec<u8>> {
        guest::run(&input, SECRET_CREDENTIALS, |input| {
            FakeVendor.authenticate(input)
        })
    }

    #[plugin_fn]
    pub fn list_accounts(input: Vec<u8>) -> FnResult<Vec<u8>> {
        guest::run(&input, SECRET_CREDENTIALS, |input| {
            FakeVendor.list_accounts(input)
        })
    }

    #[plugin_fn]
    pub fn list_services(input: Vec<u8>) -> FnResult<Vec<u8>> {
        guest::run(&input, SECRET_CREDENTIALS, |input| {
            FakeVendor.list_services(input)
        })
    }

    #[plugin_fn]
    pub fn fetch_usage(input: Vec<u8>) -> FnResult<Vec<u8>> {
        guest::run(&input, SECRET_CREDENTIALS, |input| {
            FakeVendor.fetch_usage(input)
        })
    }
}
