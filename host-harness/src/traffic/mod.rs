//! Recorded vendor traffic: what a vendor answered once, kept as fixtures and served again.
//!
//! A plugin is tested and checked without its vendor: the recorder turns live exchanges into
//! fixtures (secrets removed, personal data pseudonymized), and the replay server serves them
//! back strictly, answering HTTP 501 to a request the recording does not hold.
//!
//! The cross-host [`transcript`] lives here too: it is what a replayed scenario gives, the same
//! in every host, and it checks nothing of a plugin author's (conformance does that), so it
//! belongs with the traffic it replays rather than with the checks.

pub mod contacts;
pub mod echo;
pub mod matching;
pub mod personal;
mod playback;
pub mod pseudonyms;
pub mod record_requests;
pub mod recorder;
pub mod recording;
pub mod replay;
pub mod transcript;
