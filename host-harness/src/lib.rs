//! A generic host for billing-reconciliation vendor plugins, for local runs and tests.
//!
//! It plays the host's part of the contract in [`plugin_contract`] and knows nothing of any
//! vendor: what it needs to know about a plugin comes from the plugin's `manifest.json`
//! ([`manifest`]) and from the plugin's own `describe_credentials` (which credentials are URLs,
//! to check against `allowed_hosts` before any request; which are secrets, to keep out of
//! errors). The pieces:
//!
//! - [`manifest`]: reads `manifest.json`, refuses unknown interface versions and wasm whose
//!   pinned hash differs, and maps limits and hosts into Extism's manifest.
//! - [`http`]: the plugin's HTTP, in place of Extism's: no redirects, `allowed_hosts` checked on
//!   every request, typed transport failures.
//! - [`imports`]: what a module asks of its host, against what every stock SDK provides.
//! - [`plugin`]: compiles a plugin once, makes instances, and exposes the five calls through the
//!   contract's [`VendorPlugin`](plugin_contract::VendorPlugin) trait with typed errors.
//! - [`pool`]: usage fetched by several instances at once, sharded by account.
//! - [`retry`]: retries of `rate_limited` and `transient` failures inside a time budget.
//! - [`record`]: turns live exchanges into fixtures, secrets removed and personal data
//!   pseudonymized.
//! - [`replay`]: a strict replay server on 127.0.0.1 for recorded vendor exchanges.
//! - [`seed`]: the flow an MSP goes through after Authenticate, printed for a person.
//! - [`conformance`]: the contract checks any vendor plugin must pass.
//! - [`schemas`]: JSON Schemas of everything that crosses a boundary, generated from the types.
//! - [`transcript`]: one scenario's five calls, normalized, to compare hosts in other languages.
//! - [`bundle`]: the release bundle a host installs: the wasm, its pinned manifest, the schemas.
//! - [`psa`], [`mapping`], [`review`]: the host's side of the seed: a PSA snapshot, mapping
//!   vendor accounts and services onto it, and the review of a sync.
//! - [`exit_code`]: the CLI's exit code for each error class.

pub mod bundle;
pub mod conformance;
pub mod http;
pub mod imports;
pub mod manifest;
pub mod mapping;
pub mod plugin;
pub mod pool;
pub mod psa;
pub mod record;
pub mod replay;
pub mod retry;
pub mod review;
pub mod schemas;
pub mod seed;
pub mod transcript;

use plugin_contract::ErrorClass;

/// Returns the CLI's exit code for a call that failed with `class`.
///
/// 0 is success, 1 a harness failure (manifest, module, replay), 2 a usage error.
pub fn exit_code(class: ErrorClass) -> u8 {
    match class {
        ErrorClass::Config => 10,
        ErrorClass::Auth => 11,
        ErrorClass::Permission => 12,
        ErrorClass::NotFound => 13,
        ErrorClass::RateLimited => 14,
        ErrorClass::Transient => 15,
        ErrorClass::Vendor => 16,
        ErrorClass::Internal => 17,
    }
}
