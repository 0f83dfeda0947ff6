//! Recorded vendor traffic and the contract's checks: a strict replay server, the recorder that
//! turns live traffic into fixtures, conformance, the cross-host transcript and the schemas.

pub mod conformance;
pub mod contacts;
pub mod echo;
pub mod matching;
pub mod personal;
pub mod plan;
mod playback;
pub mod pseudonyms;
pub mod record_requests;
pub mod recorder;
pub mod recording;
pub mod replay;
pub mod schemas;
pub mod transcript;
