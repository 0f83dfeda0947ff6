//! The checks of two runs on one instance: catches ids that repeat, are blank or change from
//! run to run (a counter in a static, a random id), and output that is not byte-identical on
//! the same fixtures (a clock read, state carried between calls).

use std::collections::BTreeSet;

use super::runner::Run;
use super::{fail, pass, Check};

/// The name of the account-id check.
pub const ACCOUNT_IDS: &str = "account ids are unique and stable";

/// The name of the service-id check.
pub const SERVICE_IDS: &str = "service ids are unique and stable";

/// The name of the determinism check.
pub const DETERMINISTIC: &str = "the same fixtures give byte-identical output";

/// Checks that ids were listed, none twice and none blank, and the same on the second run.
pub(super) fn check_ids(name: &'static str, first: &[String], second: &[String]) -> Check {
    let unique: BTreeSet<&String> = first.iter().collect();
    if first.is_empty() {
        fail(name, "the valid scenario listed none".to_owned())
    } else if unique.len() != first.len() {
        fail(name, "an id appears twice".to_owned())
    } else if first.iter().any(|id| id.trim().is_empty()) {
        fail(name, "an id is blank".to_owned())
    } else if first != second {
        fail(name, "two runs listed different ids".to_owned())
    } else {
        pass(name, &format!("{} ids", first.len()))
    }
}

/// Checks that the two runs of the valid scenario gave the same outputs and ids.
pub(super) fn check_deterministic(first: &Run, second: &Run) -> Check {
    if first == second {
        pass(DETERMINISTIC, "two runs matched")
    } else {
        fail(DETERMINISTIC, "two runs differed".to_owned())
    }
}
