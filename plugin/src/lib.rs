//! The SaaS Alerts vendor plugin: customers, services and billable user counts for
//! billing-reconciliation hosts.
//!
//! Built for `wasm32-unknown-unknown` and loaded through Extism, it implements the five calls
//! of [`plugin_contract`]. The layout keeps the vendor logic testable without wasm:
//!
//! - `exports.rs` (wasm only) is the only glue: one `plugin_contract::export_plugin!` line
//!   making each call on a [`SaasAlerts`] over the kit's `HostHttp`.
//! - [`credentials`] (the form and its validation), [`client`] (endpoints and how their answers
//!   are classified), [`model`] (the vendor's JSON), [`accounts`], [`services`] and [`usage`]
//!   are plain Rust and run as native unit tests against a fake transport.
//! - What is not SaaS Alerts' own comes from [`vendor_kit`]: the transport
//!   ([`Http`]), the error class of a status, telling a web page,
//!   the entry-by-entry list reading and the URL check.
//!
//! The plugin has no clock and keeps no state between calls: every call reads what it needs
//! from SaaS Alerts and returns sorted output, so the same vendor data gives the same bytes.

pub mod accounts;
pub mod client;
pub mod credentials;
pub mod model;
pub mod services;
pub mod usage;

#[cfg(target_arch = "wasm32")]
mod exports;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod testing;

use plugin_contract::{
    AccountList, Authenticated, CredentialsInput, Description, FetchUsageInput, PluginError,
    ServiceList, Usage, Vendor, VendorPlugin, INTERFACE_VERSION,
};
use vendor_kit::http::Http;
use vendor_kit::url::host_of;

use crate::client::Client;
use crate::credentials::Config;

/// The SaaS Alerts plugin over an HTTP transport.
pub struct SaasAlerts<H: Http> {
    http: H,
}

impl<H: Http> SaasAlerts<H> {
    /// Creates the plugin; every vendor request goes through `http`.
    pub fn new(http: H) -> Self {
        SaasAlerts { http }
    }
}

impl<H: Http> VendorPlugin for SaasAlerts<H> {
    fn describe_credentials(&mut self, _: &CredentialsInput) -> Result<Description, PluginError> {
        Ok(Description {
            interface_version: INTERFACE_VERSION.to_owned(),
            plugin_version: env!("CARGO_PKG_VERSION").to_owned(),
            vendor: Vendor {
                id: "saas-alerts".to_owned(),
                name: "SaaS Alerts".to_owned(),
            },
            credentials_schema: credentials::credentials_schema(),
        })
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        let config = Config::from_credentials(&input.credentials)?;
        let customers = list_customers(&mut self.http, &config)?.customers;
        let active = customers
            .iter()
            .filter(|c| {
                c.status
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("active"))
            })
            .count();
        Ok(Authenticated {
            detail: format!(
                "SaaS Alerts at {} accepted the key; it sees {} customers ({active} active).",
                host_of(&config.api_root),
                customers.len()
            ),
        })
    }

    fn list_accounts(&mut self, input: &CredentialsInput) -> Result<AccountList, PluginError> {
        let config = Config::from_credentials(&input.credentials)?;
        let customers = list_customers(&mut self.http, &config)?;
        Ok(accounts::account_list(&customers))
    }

    fn list_services(&mut self, _: &CredentialsInput) -> Result<ServiceList, PluginError> {
        Ok(ServiceList {
            services: services::catalog(),
        })
    }

    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        usage::fetch_usage(&mut self.http, input)
    }
}

fn list_customers<H: Http>(
    http: &mut H,
    config: &Config,
) -> Result<model::CustomerList, PluginError> {
    Client::new(http, config)
        .customers()
        .map_err(|e| e.into_first_request_error(&config.api_root))
}
