//! The bad-credentials check: catches a plugin that accepts credentials its vendor rejects, or
//! reports the rejection with another class than `auth` (so the MSP is not asked to re-enter
//! the key).

use plugin_contract::{Authenticated, ErrorClass, PluginError};

use super::{fail, pass, Check};

/// The name of the bad-credentials check.
pub const BAD_CREDENTIALS: &str = "bad credentials give auth";

/// Checks that `authenticate` on the invalid-credentials scenario failed with class `auth`.
pub(super) fn check_bad_credentials(rejected: &Result<Authenticated, PluginError>) -> Check {
    match rejected {
        Err(error) if error.class == ErrorClass::Auth => {
            pass(BAD_CREDENTIALS, "authenticate failed with class auth")
        }
        Err(error) => fail(
            BAD_CREDENTIALS,
            format!("authenticate failed with class {}", error.class.as_str()),
        ),
        Ok(_) => fail(BAD_CREDENTIALS, "authenticate succeeded".to_owned()),
    }
}
