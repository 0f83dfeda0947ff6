//! The host's side of the seed: a PSA snapshot, mapping vendor accounts and services onto it,
//! the review of a sync, and the approval that writes the PSA's change set.
//!
//! The rules only: nothing here lays out text or uses [`render`](crate::render), which lays
//! out what the seed decides; the seed printed for a person is [`flow`](crate::flow), above
//! both.

pub mod approve;
pub mod format;
pub mod history;
pub mod line;
pub mod mapping;
pub mod mapping_file;
pub mod psa;
pub mod review;
pub mod review_file;
pub mod schemas;
