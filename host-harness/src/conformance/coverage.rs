//! The coverage check: catches usage that skips a listed (account, service) pair, reports one
//! twice, or leaves a zero unstated, so that nothing unknown silently becomes zero.

use super::runner::Run;
use super::{fail, pass, Check};

/// The name of the coverage check.
pub const COVERAGE: &str = "usage covers every listed pair once, zeros stated";

/// Checks that usage has every listed (account, service) pair exactly once, as a record or in
/// `failed_accounts` ([`Usage::check_coverage`](plugin_contract::Usage::check_coverage)).
pub(super) fn check_usage(run: &Run) -> Check {
    let usage = match &run.usage {
        Ok(usage) => usage,
        Err(error) => return fail(COVERAGE, format!("fetch_usage failed: {error}")),
    };
    match usage.check_coverage(&run.account_ids, &run.service_ids) {
        Ok(coverage) => pass(
            COVERAGE,
            &format!(
                "{} pairs, {} explicit zeros",
                coverage.pairs, coverage.zeros
            ),
        ),
        Err(broken) => fail(COVERAGE, broken.to_string()),
    }
}
