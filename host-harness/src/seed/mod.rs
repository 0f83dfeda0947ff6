//! The host's side of the seed: a PSA snapshot, mapping vendor accounts and services onto it,
//! the review of a sync, and the approval that writes the PSA's change set.

pub mod approve;
pub mod flow;
pub mod history;
pub mod mapping;
pub mod psa;
pub mod review;
pub mod review_file;
pub mod schemas;

pub use flow::{run_seed, SeedReport};
