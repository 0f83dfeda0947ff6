//! Helpers for vendor plugins written in Rust that read a vendor's HTTP API, so that a new
//! plugin holds only its vendor logic.
//!
//! Why a crate apart from `plugin-contract`: the contract is the specification every plugin
//! keeps, in any language, and every host reads; it says *what* crosses the boundary. This kit
//! is one optional way for a Rust plugin to keep it: the host's HTTP behind a trait that native
//! unit tests can fake, the rules that turn an HTTP answer into the contract's error classes,
//! and the lenient reading of vendor JSON that keeps one odd entry from failing a whole list.
//! Nothing here names a vendor: wording that does (messages, where the MSP finds a key) stays
//! in the plugin. A host never depends on the kit, and a plugin may use any part of it alone.
//!
//! | module | what for |
//! |---|---|
//! | [`http`] | [`Http`](http::Http), the transport the vendor logic takes (any method, headers, a body); `HostHttp` (wasm32 only) sends through the host |
//! | [`oauth`] | OAuth 2.0 client credentials: a token fetched once per instance, sent as the bearer, its errors typed, the token kept secret |
//! | [`status`] | an unexpected HTTP status → [`ErrorClass`](plugin_contract::ErrorClass), with the first-request rule for a wrong URL |
//! | [`page`] | telling a web page (or an empty body) from JSON by the body alone |
//! | [`entries`] | reading a JSON list entry by entry, so one broken entry fails alone, and the named members of an object envelope |
//! | [`accounts`] | accounts sorted by id, each id once, a warning for each repeat |
//! | [`usage`] | [`UsageBuilder`](usage::UsageBuilder): `fetch_usage`'s input checked, one outcome per requested pair (`build`), or an account at a time with its warnings and a failure that ends the call (`count_accounts`), a sorted, contract-valid `Usage` |
//! | [`url`] | checking a URL credential before the key is sent to it |
//! | `testing` | `FakeHttp`, canned responses for native unit tests (feature `testing`) |
//!
//! Two helpers of the contract belong here too and are re-exported: [`is_rfc3339`] (the test
//! behind [`FetchUsageInput::check_as_of`](plugin_contract::FetchUsageInput::check_as_of),
//! which gives the contract's error for a bad `as_of`) and [`percent_encode`] (ids in a query
//! string).
//!
//! What the kit leaves to the host: a plugin reads no response header (so that every Extism SDK
//! loads it, see [`http`]). The host refuses redirects and fills in `retry_after_s` of a
//! `rate_limited` error from the vendor's `Retry-After` (`plugin_contract::host`); a plugin
//! never parses `Retry-After`.
//!
//! # A plugin's `lib.rs`
//!
//! The `Cargo.toml` of a plugin on the kit:
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib", "rlib"]
//!
//! [dependencies]
//! plugin-contract = { path = "../contract" }
//! serde_json = "1"
//! vendor-kit = { path = "../kit" }
//!
//! [target.'cfg(target_arch = "wasm32")'.dependencies]
//! plugin-contract = { path = "../contract", features = ["guest"] }
//!
//! [dev-dependencies]
//! vendor-kit = { path = "../kit", features = ["testing"] }
//! ```
//!
//! The plugin itself: the export line, the vendor's client over [`Http`](http::Http), and
//! the five calls (most of them left out here).
//!
//! ```
//! use plugin_contract::{Authenticated, Credentials, CredentialsInput, PluginError};
//! use vendor_kit::entries::{self, Broken, List};
//! use vendor_kit::http::Http;
//! use vendor_kit::status::{self, Request};
//! use vendor_kit::{page, url};
//!
//! #[cfg(target_arch = "wasm32")]
//! plugin_contract::export_plugin!(Acme::new(vendor_kit::http::HostHttp));
//!
//! /// The Acme plugin over an HTTP transport.
//! pub struct Acme<H: Http> {
//!     http: H,
//! }
//!
//! impl<H: Http> Acme<H> {
//!     /// Creates the plugin; every vendor request goes through `http`.
//!     pub fn new(http: H) -> Self {
//!         Acme { http }
//!     }
//!
//!     /// Lists the ids of Acme's devices (`GET /devices`).
//!     fn device_ids(
//!         &mut self,
//!         config: &Config,
//!         request: Request,
//!     ) -> Result<Vec<String>, PluginError> {
//!         let bearer = format!("Bearer {}", config.token);
//!         let headers = [("authorization", bearer.as_str()), ("accept", "application/json")];
//!         let url = format!("{}/devices", config.api_root);
//!         let response = self.http.get(&url, &headers).map_err(|e| {
//!             PluginError::new(e.class(), format!("Acme could not be reached: {e}."))
//!         })?;
//!         if response.status != 200 {
//!             let class = status::class_of(response.status, request);
//!             let message = format!("Acme answered GET /devices with HTTP {}.", response.status);
//!             return Err(PluginError::new(class, message).with_http_status(response.status));
//!         }
//!         if page::is_web_page(&response.body) {
//!             let class = status::web_page_class(request);
//!             let message = "Acme answered GET /devices with a web page, not JSON.";
//!             return Err(PluginError::new(class, message).with_http_status(200));
//!         }
//!         entries::read_list(&response.body, "a list of devices", read_ids).map_err(|e| {
//!             let message = format!("Acme's GET /devices cannot be read: {e}.");
//!             PluginError::vendor(message).with_http_status(200)
//!         })
//!     }
//! }
//!
//! /// Reads each device's `id`; an entry without a readable one is skipped, not fatal.
//! fn read_ids(list: List<'_>) -> Result<Vec<String>, Broken> {
//!     let mut ids = Vec::new();
//!     for entry in list {
//!         let Some(members) = entries::members(entry?) else { continue };
//!         for member in members.flatten() {
//!             if member.key().as_ref() == b"id" {
//!                 ids.extend(serde_json::from_slice::<String>(member.value).ok());
//!             }
//!         }
//!     }
//!     Ok(ids)
//! }
//!
//! /// Validated credentials.
//! struct Config {
//!     api_root: String,
//!     token: String,
//! }
//!
//! impl Config {
//!     /// Checks the MSP's credentials before any request.
//!     fn from_credentials(credentials: &Credentials) -> Result<Config, PluginError> {
//!         let api_url = credentials.get("api_url").map(str::trim).unwrap_or("");
//!         url::check(api_url).map_err(|e| PluginError::config(format!("api_url {e}.")))?;
//!         let token = credentials.get("token").map(str::trim).unwrap_or("");
//!         if token.is_empty() {
//!             return Err(PluginError::config("token is missing."));
//!         }
//!         let api_root = api_url.trim_end_matches('/').to_owned();
//!         Ok(Config { api_root, token: token.to_owned() })
//!     }
//! }
//!
//! impl<H: Http> plugin_contract::VendorPlugin for Acme<H> {
//!     fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
//!         let config = Config::from_credentials(&input.credentials)?;
//!         // The call's first request: a 404, a redirect or a web page means a wrong api_url.
//!         let devices = self.device_ids(&config, Request::First)?.len();
//!         let host = url::host_of(&config.api_root);
//!         let detail = format!("Acme at {host} accepted the token; it sees {devices} devices.");
//!         Ok(Authenticated { detail })
//!     }
//!
//!     // describe_credentials, list_accounts, list_services and fetch_usage likewise; a
//!     // request after the first passes `Request::Later`.
//! #   fn describe_credentials(
//! #       &mut self,
//! #       _: &CredentialsInput,
//! #   ) -> Result<plugin_contract::Description, PluginError> {
//! #       unimplemented!()
//! #   }
//! #   fn list_accounts(
//! #       &mut self,
//! #       _: &CredentialsInput,
//! #   ) -> Result<plugin_contract::AccountList, PluginError> {
//! #       unimplemented!()
//! #   }
//! #   fn list_services(
//! #       &mut self,
//! #       _: &CredentialsInput,
//! #   ) -> Result<plugin_contract::ServiceList, PluginError> {
//! #       unimplemented!()
//! #   }
//! #   fn fetch_usage(
//! #       &mut self,
//! #       _: &plugin_contract::FetchUsageInput,
//! #   ) -> Result<plugin_contract::Usage, PluginError> {
//! #       unimplemented!()
//! #   }
//! }
//! ```

// Every public item is documented: the crate is read as a spec.
#![deny(missing_docs)]

pub mod accounts;
pub mod body;
pub mod entries;
pub mod http;
pub mod oauth;
pub mod page;
pub mod status;
#[cfg(feature = "testing")]
pub mod testing;
pub mod url;
pub mod usage;

pub use plugin_contract::encoding::percent_encode;
pub use plugin_contract::time::is_rfc3339;
