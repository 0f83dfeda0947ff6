//! A generic host for billing-reconciliation vendor plugins, for local runs and tests.
//!
//! It plays the host's part of the contract in [`plugin_contract`] and knows nothing of any
//! vendor: what it needs to know about a plugin comes from the plugin's `manifest.json` and
//! from the plugin's own `describe_credentials` (which credentials are URLs, to check against
//! `allowed_hosts` before any request; which are secrets, to keep out of errors).
//!
//! Its folders are its jobs, each using only the ones above it:
//!
//! - [`runtime`]: running a plugin: the manifest, the compiled module and its instances, the
//!   HTTP the harness gives it (no redirects, `allowed_hosts` on every request, typed transport
//!   failures), typed traps, retries and sharding.
//! - [`traffic`]: recorded vendor traffic: the `exchanges.json` format, the strict replay
//!   server, the recorder that turns live traffic into fixtures (and the scanners of personal
//!   data it uses), and the cross-host transcript of a replayed scenario.
//! - [`conformance`]: the contract's checks of a plugin, run on replayed traffic: the runner,
//!   one file per check, the plan (`conformance.json`) and the JSON Schemas.
//! - [`seed`]: the host's side of the seed: a PSA snapshot, mapping, the review of a sync and
//!   its approval.
//! - [`store`]: the host's state in SQLite, each step of the seed one transaction, and the
//!   steps themselves; [`ui`], the web host, is a face over it as the CLI is.
//!
//! Beside them, [`render`] lays out every text for a person, [`flow`] prints the seed flow for
//! a person (the seed's steps laid out by render, so above both), [`bundle`] writes the release
//! bundle a host installs, [`clock`] reads the time, [`schema_files`] generates and checks the committed JSON Schemas, and [`files`] writes every file whole or not at all (any folder may
//! use it; it uses none). The CLI (`src/main.rs`) only parses arguments and calls these.

pub mod bundle;
pub mod clock;
pub mod conformance;
pub mod files;
pub mod flow;
pub mod render;
pub mod runtime;
pub mod schema_files;
pub mod seed;
pub mod store;
pub mod traffic;
pub mod ui;
