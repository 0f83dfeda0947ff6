//! The command line `host-harness` parses: global options, one variant per subcommand.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use host_harness::seed::line::PsaLine;

use crate::output::now_rfc3339;

#[derive(Parser)]
#[command(
    name = "host-harness",
    version,
    about = "Load a vendor plugin by manifest and call it as a reconciliation host would."
)]
pub(crate) struct Cli {
    /// The plugin's manifest.
    #[arg(long, global = true, default_value = "manifest.json")]
    pub(crate) manifest: PathBuf,
    /// Replay the recorded scenario in DIR from a server on 127.0.0.1 instead of calling the vendor.
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) replay: Option<PathBuf>,
    /// Also allow HTTP requests to HOST (repeatable).
    #[arg(long = "allow-host", global = true, value_name = "HOST")]
    pub(crate) allow_hosts: Vec<String>,
    /// A JSON object of credentials; HARNESS_CRED_<KEY> variables override its entries.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) credentials: Option<PathBuf>,
    /// Retry rate_limited and transient failures, waiting at most this long in all (0: never).
    #[arg(
        long = "retry-budget",
        global = true,
        value_name = "SECONDS",
        default_value_t = 0
    )]
    pub(crate) retry_budget: u64,
    /// Print each vendor request (method, path, status, ms) and the plugin's log lines on stderr.
    #[arg(long, global = true)]
    pub(crate) verbose: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Print the vendor and its credentials schema.
    Describe,
    /// Check the credentials with the vendor.
    Authenticate,
    /// List the vendor's accounts.
    Accounts,
    /// List the services the plugin counts.
    Services,
    /// Fetch usage counts.
    Usage {
        #[command(flatten)]
        sync: SyncArgs,
        /// Only this account (repeatable).
        #[arg(long = "account", value_name = "ID")]
        accounts: Vec<String>,
        /// Only this service (repeatable).
        #[arg(long = "service", value_name = "ID")]
        services: Vec<String>,
    },
    /// Run the whole seed flow and print it for a person.
    Seed {
        #[command(flatten)]
        sync: SyncArgs,
        /// A PSA snapshot (JSON or CSV): adds auto-mapping and the review of the first sync.
        #[arg(long, value_name = "FILE")]
        psa: Option<PathBuf>,
    },
    /// Map vendor accounts and services onto a PSA snapshot; write the mapping file.
    Map {
        /// The PSA snapshot (JSON or CSV); with --store, imported when the store has none.
        #[arg(long, value_name = "FILE", required_unless_present = "store")]
        psa: Option<PathBuf>,
        /// The mapping file: its decisions are kept, and it is rewritten.
        #[arg(long, value_name = "FILE", default_value = "mapping.json")]
        mapping: PathBuf,
        /// Keep the connection and the mapping in this store instead (what `ui` shows).
        #[arg(long, value_name = "FILE", conflicts_with = "mapping")]
        store: Option<PathBuf>,
    },
    /// Sync usage for the mapping and print the review (exit 1 if the mapping is not finished).
    Sync {
        #[command(flatten)]
        sync: SyncArgs,
        /// The PSA snapshot (JSON or CSV).
        #[arg(long, value_name = "FILE", required_unless_present = "store")]
        psa: Option<PathBuf>,
        /// The mapping file written by `map` and edited by a person.
        #[arg(long, value_name = "FILE", default_value = "mapping.json")]
        mapping: PathBuf,
        /// Print the review as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Where to write the review as JSON for `approve` [default: review.json beside the mapping file].
        #[arg(long, value_name = "FILE")]
        review: Option<PathBuf>,
        /// Sync the mapping of this store and keep the sync there instead (no file is read or
        /// written).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["psa", "mapping", "review"])]
        store: Option<PathBuf>,
    },
    /// Approve lines of the review `sync` wrote: write the PSA change set, apply it to the PSA
    /// snapshot and append it to the history (no plugin call; exit 1 on a failed or unknown
    /// line, or a review that is not the one sync made from this PSA snapshot and mapping).
    /// Another approve of the same PSA snapshot waits for this one.
    Approve {
        /// The review written by `sync`.
        #[arg(long, value_name = "FILE", default_value = "review.json")]
        review: PathBuf,
        /// The PSA snapshot (JSON or CSV) the review was made against; rewritten in its format.
        #[arg(long, value_name = "FILE", required_unless_present = "store")]
        psa: Option<PathBuf>,
        /// The mapping file the review was made with [default: mapping.json beside the review].
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Approve every line with a count.
        #[arg(long, conflicts_with = "lines", required_unless_present = "lines")]
        all: bool,
        /// Approve the line with this key, as the review's LINE column shows it (repeatable).
        #[arg(long = "line", value_name = "LINE")]
        lines: Vec<PsaLine>,
        /// The folder of changes.json, changes.csv and approvals.jsonl [default: the review's folder].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Approve the latest review of this store instead, in one transaction with its PSA
        /// snapshot (no file is read or written).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["psa", "mapping", "review", "out"])]
        store: Option<PathBuf>,
    },
    /// Write a store's state as the files scripts read: mapping.json, psa.json, review.json
    /// and the latest approval's changes.json and changes.csv (no plugin call).
    Export {
        /// The store [default: host-harness.db in the working folder].
        #[arg(long, value_name = "FILE")]
        store: Option<PathBuf>,
        /// The folder to write into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Replace a store's mapping with a mapping file (as `map` writes it and a person edits it).
    Import {
        /// The store [default: host-harness.db in the working folder].
        #[arg(long, value_name = "FILE")]
        store: Option<PathBuf>,
        /// The mapping file.
        #[arg(long, value_name = "FILE")]
        mapping: PathBuf,
    },
    /// Serve the seed's screens for this plugin in a browser: on 127.0.0.1 only, at the URL it
    /// prints (with this session's token), on the state of a store.
    Ui {
        /// A PSA snapshot (JSON or CSV) to import when the store has none.
        #[arg(long, value_name = "FILE")]
        psa: Option<PathBuf>,
        /// The store [default: host-harness.db in the working folder].
        #[arg(long, value_name = "FILE")]
        store: Option<PathBuf>,
        /// The port [default: a free one].
        #[arg(long)]
        port: Option<u16>,
    },
    /// Run the seed flow against the live vendor and write what crossed the wire as fixtures.
    Record {
        #[command(flatten)]
        sync: SyncArgs,
        /// The scenario folder to write (exchanges.json, credentials.json).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Run the contract checks every vendor plugin must pass (exit 3 when one fails).
    Conformance {
        /// Scenarios to replay, with a conformance.json naming the valid and invalid ones.
        #[arg(long, value_name = "DIR")]
        fixtures: PathBuf,
        /// Write `<file>.new` beside each expected outputs file of conformance.json that is
        /// missing or differs: read it, and rename it over `<file>` to accept it.
        #[arg(long)]
        write_pending: bool,
    },
    /// Run the five calls once and print them as the cross-host transcript (JSON).
    Transcript {
        /// The instant `fetch_usage` counts as of (RFC 3339).
        #[arg(long = "as-of", value_name = "RFC3339")]
        as_of: String,
    },
    /// Write the release bundle (wasm, pinned manifest, schemas, host profile, the scenarios
    /// with their transcripts); print its folder.
    Package {
        /// The folder to write the bundle into.
        #[arg(long, value_name = "DIR", default_value = "dist")]
        out: PathBuf,
        /// The scenarios to ship, each replayed for its transcript [default: `fixtures/` beside
        /// the manifest, when there is one].
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
    /// Print the JSON Schemas of every boundary, or write them into a folder.
    Schemas {
        /// Write one file per schema into DIR instead of printing them.
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
    },
    /// Serve a scenario on 127.0.0.1 for a host in another language: print its URL and
    /// credentials as a JSON line, serve until stdin closes, then print what was served.
    Serve {
        /// The scenario folder (exchanges.json, credentials.json).
        scenario: PathBuf,
    },
}

#[derive(clap::Args)]
pub(crate) struct SyncArgs {
    /// The instant to count as of (RFC 3339); now when absent.
    #[arg(long = "as-of", value_name = "RFC3339")]
    pub(crate) as_of: Option<String>,
}

impl SyncArgs {
    pub(crate) fn as_of(&self) -> String {
        self.as_of.clone().unwrap_or_else(now_rfc3339)
    }
}
