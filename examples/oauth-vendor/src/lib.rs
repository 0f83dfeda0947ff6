//! Tally Cloud: an example vendor plugin on OAuth2 client credentials, the template for a
//! vendor with a token endpoint.
//!
//! Tally Cloud is a fictional cloud marketplace shaped the way Pax8 documents its partner API:
//! the MSP creates an API app and enters its Client ID and Client Secret; the plugin posts them
//! to a token endpoint for a bearer token, then lists companies a page at a time, the products
//! it can sell, and each company's subscriptions with their quantities. The plugin is real: it
//! builds for `wasm32-unknown-unknown` and passes `host-harness conformance` on its fixtures.
//! Beside `examples/paged-vendor` (a bearer token the MSP types), it shows what a token
//! endpoint adds, and how little of it is the vendor's own: the kit's [`vendor_kit::oauth`]
//! fetches the token once per instance, retries once on a 401 to a kept token, types the token
//! endpoint's refusals and keeps the token secret.
//!
//! - The five calls are [`TallyCloud`]'s [`VendorPlugin`] impl, exported by one line of
//!   `plugin_contract::export_plugin!`.
//! - [`api`] is the vendor's HTTP: the token, the paged lists, what each answer means.
//! - `fetch_usage` asks for one company's subscriptions at a time; the kit's [`UsageBuilder`]
//!   checks the input, makes one company's failure fail that company's pairs only (unless it
//!   concerns the credentials or the whole tenant) and makes the `Usage`.
//!
//! Lines under `#[cfg(feature = "mutant-…")]` (and `cfg!(feature = "mutant-…")`) are deliberate
//! bugs, one per cargo feature: `tests/mutants.rs` builds each and shows that a conformance
//! check catches it (the table in `README.md`). A copy of this plugin deletes them.

use plugin_contract::{
    Account, AccountList, Authenticated, Credentials, CredentialsInput, Description,
    FetchUsageInput, PluginError, ServiceList, Usage, Vendor, VendorPlugin, INTERFACE_VERSION,
};
use serde_json::{json, Value};
use vendor_kit::http::Http;
use vendor_kit::oauth::{ClientAuth, ClientCredentials};
use vendor_kit::status::Request;
use vendor_kit::url;
use vendor_kit::usage::UsageBuilder;

pub mod api;
mod mutants;

#[cfg(target_arch = "wasm32")]
plugin_contract::export_plugin!(TallyCloud::new(vendor_kit::http::HostHttp));

/// The API address of every Tally Cloud partner.
pub const DEFAULT_API_URL: &str = "https://api.tally-cloud.example";

/// The token endpoint of every Tally Cloud partner.
pub const DEFAULT_TOKEN_URL: &str = "https://login.tally-cloud.example/oauth/token";

/// The audience every token request names, as Pax8's does.
const AUDIENCE: &str = "api://tally-cloud";

/// Where the MSP creates the API app.
pub const APP_HELP: &str = "Tally Cloud partner portal → Integrations → API apps";

/// The Tally Cloud plugin over an HTTP transport.
pub struct TallyCloud<H: Http> {
    http: H,
}

impl<H: Http> TallyCloud<H> {
    /// Creates the plugin; every vendor request goes through `http`.
    pub fn new(http: H) -> Self {
        TallyCloud { http }
    }
}

impl<H: Http> VendorPlugin for TallyCloud<H> {
    fn describe_credentials(&mut self, _: &CredentialsInput) -> Result<Description, PluginError> {
        Ok(Description {
            interface_version: INTERFACE_VERSION.to_owned(),
            plugin_version: env!("CARGO_PKG_VERSION").to_owned(),
            vendor: Vendor {
                id: "tally-cloud".to_owned(),
                name: "Tally Cloud".to_owned(),
            },
            credentials_schema: credentials_schema(),
        })
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        let config = Config::from_credentials(&input.credentials)?;
        let (companies, _) = api::companies(&mut self.http, &config, Request::First)?;
        let active = companies.iter().filter(|c| c.status == "active").count();
        Ok(Authenticated {
            detail: format!(
                "Tally Cloud at {} accepted the API app; it sees {} companies ({active} active).",
                url::host_of(&config.api_root),
                companies.len()
            ),
        })
    }

    fn list_accounts(&mut self, input: &CredentialsInput) -> Result<AccountList, PluginError> {
        let config = Config::from_credentials(&input.credentials)?;
        let (companies, warnings) = api::companies(&mut self.http, &config, Request::First)?;
        let accounts = companies
            .into_iter()
            .map(|company| Account {
                id: company.id,
                name: company.name,
                description: "Tally Cloud company".to_owned(),
                status: company.status,
                domains: Vec::new(),
                psa_refs: Vec::new(),
            })
            .collect();
        Ok(AccountList { accounts, warnings })
    }

    fn list_services(&mut self, input: &CredentialsInput) -> Result<ServiceList, PluginError> {
        let config = Config::from_credentials(&input.credentials)?;
        let services = api::products(&mut self.http, &config)?;
        Ok(ServiceList { services })
    }

    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        // as_of first, before any request; the builder checks service_ids once they are known.
        #[cfg(not(feature = "mutant-as-of-unchecked"))]
        input.check_as_of()?;
        #[cfg(feature = "mutant-as-of-unchecked")]
        let input = &mutants::as_of_unchecked(input);
        let config = Config::from_credentials(&input.credentials)?;
        let products = api::products(&mut self.http, &config)?;
        let product_ids: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
        let mut builder = UsageBuilder::new(input, &product_ids)?;
        // The products answered the call's first request: a 404 or a web page on the
        // companies is Tally Cloud's doing.
        let (companies, warnings) = api::companies(&mut self.http, &config, Request::Later)?;
        builder.warn(warnings);
        let unknown = |id: &str| {
            format!("Tally Cloud has no company {id:?} (deleted, or another partner's).")
        };
        #[cfg(feature = "mutant-one-account-fails-all")]
        let mut first_failure = None;
        // One request (or more, paged) per company asked for: the kit makes its failure the
        // company's own, unless it concerns the credentials or the whole tenant.
        let usage = builder.count_accounts(
            companies.iter().map(|c| (c.id.as_str(), c)),
            unknown,
            |company, usage| {
                let quantities = api::subscriptions(&mut self.http, &config, &company.id);
                #[cfg(feature = "mutant-one-account-fails-all")]
                if let Err(error) = &quantities {
                    first_failure.get_or_insert_with(|| error.clone());
                }
                #[cfg(feature = "mutant-zero-for-failed")]
                let quantities = quantities.or_else(|_| Ok(Default::default()));
                let quantities = quantities?;
                for product_id in usage.service_ids() {
                    let quantity = quantities.get(product_id).copied().unwrap_or(0);
                    usage.record(product_id, quantity);
                }
                Ok(())
            },
        )?;
        #[cfg(feature = "mutant-one-account-fails-all")]
        if let Some(error) = first_failure {
            return Err(error);
        }
        #[cfg(feature = "mutant-as-of-unchecked")]
        let usage = mutants::as_of_echoed(usage, input);
        Ok(usage)
    }
}

/// Returns the JSON Schema of the credentials form.
pub fn credentials_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["client_id", "client_secret"],
        "additionalProperties": false,
        "properties": {
            "client_id": {
                "type": "string",
                "title": "Client ID",
                "description": format!("The API app's Client ID ({APP_HELP})."),
                "minLength": 1
            },
            "client_secret": {
                "type": "string",
                "title": "Client Secret",
                "description": format!("The API app's Client Secret, shown once when the app is created ({APP_HELP})."),
                "writeOnly": true,
                "minLength": 1
            },
            "api_url": {
                "type": "string",
                "title": "API URL",
                "description": "Tally Cloud's API address; leave it as it is unless Tally Cloud gave you another.",
                "format": "uri",
                "maxLength": url::MAX_URL_BYTES,
                "default": DEFAULT_API_URL
            },
            "token_url": {
                "type": "string",
                "title": "Token URL",
                "description": "Tally Cloud's token endpoint; leave it as it is unless Tally Cloud gave you another.",
                "format": "uri",
                "maxLength": url::MAX_URL_BYTES,
                "default": DEFAULT_TOKEN_URL
            }
        }
    })
}

/// Validated credentials, ready to call Tally Cloud with (no `Debug`: it holds the secret).
pub struct Config {
    /// The API address without a trailing slash.
    pub api_root: String,
    /// The token endpoint.
    pub token_url: String,
    /// The Client ID.
    pub client_id: String,
    /// The Client Secret, sent to the token endpoint and nowhere else.
    pub client_secret: String,
}

impl Config {
    /// Checks the MSP's credentials before any request; a blank URL takes its default.
    pub fn from_credentials(credentials: &Credentials) -> Result<Config, PluginError> {
        let field = |name: &str| credentials.get(name).map(str::trim).unwrap_or("");
        let given = |name: &str, title: &str| {
            let value = field(name);
            if value.is_empty() {
                return Err(PluginError::config(format!(
                    "{name} is missing: copy the {title} from {APP_HELP}."
                )));
            }
            if !value.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
                return Err(PluginError::config(format!(
                    "{name} holds a line break or a character outside ASCII: paste the {title} again from {APP_HELP}."
                )));
            }
            Ok(value.to_owned())
        };
        let client_id = given("client_id", "Client ID")?;
        let client_secret = given("client_secret", "Client Secret")?;
        let url_of = |name: &str, default: &str| {
            let value = match field(name) {
                "" => default,
                value => value,
            };
            url::check(value)
                .map(|()| value.trim_end_matches('/').to_owned())
                .map_err(|e| PluginError::config(format!("{name} {e}.")))
        };
        Ok(Config {
            api_root: url_of("api_url", DEFAULT_API_URL)?,
            token_url: url_of("token_url", DEFAULT_TOKEN_URL)?,
            client_id,
            client_secret,
        })
    }

    /// Returns the token request's client credentials: the client in the form, and the
    /// audience Tally Cloud asks for.
    pub fn grant(&self) -> ClientCredentials<'_> {
        ClientCredentials {
            token_url: &self.token_url,
            client_id: &self.client_id,
            client_secret: if cfg!(feature = "mutant-grant-without-secret") {
                ""
            } else {
                &self.client_secret
            },
            auth: ClientAuth::Body,
            fields: &[("audience", AUDIENCE)],
        }
    }
}

#[cfg(test)]
mod tests;
