//! The contract between a billing-reconciliation host and its vendor plugins, interface v1.1.
//!
//! A reconciliation host (Gradient's Synthesize/Reconcile is the model) loads one WebAssembly
//! plugin per vendor through [Extism](https://extism.org). Every plugin exports the same five
//! functions, and every call crosses the boundary as JSON text, so a plugin can be written in any
//! language that Extism supports. This crate is the one definition of that JSON: the plugin
//! encodes these types, the host decodes them. It depends on serde alone, so that a plugin
//! built on it links nothing of the host and stays small.
//!
//! # The calls
//!
//! | export | input | output on success |
//! |---|---|---|
//! | [`describe_credentials`](exports::DESCRIBE_CREDENTIALS) | [`CredentialsInput`] (credentials may be `{}`) | [`Description`] |
//! | [`authenticate`](exports::AUTHENTICATE) | [`CredentialsInput`] | [`Authenticated`] |
//! | [`list_accounts`](exports::LIST_ACCOUNTS) | [`CredentialsInput`] | [`AccountList`] |
//! | [`list_services`](exports::LIST_SERVICES) | [`CredentialsInput`] | [`ServiceList`] |
//! | [`fetch_usage`](exports::FETCH_USAGE) | [`FetchUsageInput`] | [`Usage`] |
//!
//! Every input is a JSON object with a `credentials` member: an object of string values whose
//! keys the plugin declares in its credentials schema.
//!
//! # Failures
//!
//! A call that fails returns a non-zero code from the export and sets the Extism error (the
//! PDKs' `Err` / `extism_error_set`) to the JSON of a [`PluginError`]:
//! `{"class", "message", "http_status"?, "retry_after_s"?}`. The [`ErrorClass`] tells the host
//! what to do (ask the MSP to fix the credentials, retry later, report a vendor bug); the
//! message tells a person what happened and never contains a secret.
//!
//! # Rules every plugin keeps
//!
//! - **No clock.** The host passes `as_of`; the plugin echoes it and reads nothing else of time.
//!   An `as_of` that is not an RFC 3339 instant of the calendar is a `config` error
//!   ([`FetchUsageInput::check_as_of`]).
//! - **Sorted output.** Accounts and services by id, records by (account, service), so the same
//!   vendor data always gives the same bytes.
//! - **Nothing unknown becomes zero.** [`Usage`] has one record per requested (account, service)
//!   pair, zeros included, *or* lists the pair under [`Usage::failed_accounts`]; never neither,
//!   never both ([`Usage::check_coverage`]).
//! - **Secrets stay in.** Values of credentials marked `writeOnly` in the schema never appear in
//!   any output, error or log line, in any form a [`Secrets`] looks for (trimmed; percent-encoded
//!   any number of times, byte by byte; base64 alone or inside a longer string; hex; HTML
//!   references; JSON-escaped), even when the vendor echoes them back. What the vendor issues
//!   (an access token, a session cookie) is a secret too, from the moment the plugin receives
//!   it ([`issued`]).
//!
//! # What 1.1 adds to 1.0
//!
//! Both additions are optional fields or values a 1.0 party never sees from a 1.0 party:
//!
//! - [`FailedAccount::failures`]: when an account's services failed for different reasons,
//!   each group of services with its own error, so a host can retry the retryable pairs.
//! - [`transport`]: a host speaking 1.1 hands a failed HTTP request back to the plugin as a
//!   value (status 0 and a [`transport::TransportFailure`] body) instead of trapping, so the
//!   plugin can fail one account's pairs and keep the others.
//!
//! # The host's half
//!
//! Some guarantees only the host can give: it owns the network, the clock and the limits.
//! `contract/HOST-PROFILE.md` (host profile 1.0, also [`host::HOST_PROFILE`]) says what any
//! Extism host must do for a plugin (check `allowed_hosts`, never follow redirects, hand failed
//! requests back as values, fill in the vendor's `Retry-After`), what each stock SDK does by
//! default, and what a plugin does on a host that falls short. [`host`] holds its code parts.
//! A plugin imports only the host functions every stock SDK provides
//! ([`host::PORTABLE_IMPORTS`]) and reads no response header.
//!
//! # Versions
//!
//! Interface v1 lives in [`v1`], a module of its own, so that a later major has a place beside
//! it. The crate root re-exports it because it is the current version: `plugin_contract::Usage`
//! and `plugin_contract::v1::Usage` are one type. A minor only adds optional fields and values,
//! in place. Whether one party serves another is one rule, for the interface and the host
//! profile alike: the same major, and a minor not newer ([`Version::serves`]).
//!
//! With the `host` feature, [`host`] also holds the host's rules that need more than serde:
//! `allowed_hosts` matching (`url`) and `Retry-After` read as a wait (`httpdate`).
//!
//! With the `schema` feature, every type here derives a JSON Schema; the generated schemas are
//! committed in `contract/schemas/` for hosts in other languages.
//!
//! Rust plugins can enable the `guest` feature (wasm32 only) and export their five calls with one
//! line, `plugin_contract::export_plugin!(MyVendor::new());`, which does the decoding, encoding,
//! error setting, secret redaction (of the credentials the plugin's schema marks `writeOnly`)
//! and panic reporting of every export.

// Every public item is documented: the crate is read as a spec.
#![deny(missing_docs)]

pub mod encoding;
#[cfg(all(feature = "guest", target_arch = "wasm32"))]
pub mod guest;
pub mod host;
pub mod issued;
pub mod order;
pub mod secrets;
pub mod time;
pub mod v1;
pub mod version;

pub use secrets::{Secrets, REDACTED};
pub use v1::*;
pub use version::Version;
