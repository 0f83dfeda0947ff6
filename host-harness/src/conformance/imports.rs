//! The imports check: catches a module that imports a host function some stock Extism SDK does
//! not provide (`http_headers` on Node's 1.0.3), so that it would fail to load in that host.

use super::{fail, pass, Check};
use crate::runtime::imports::unportable_imports;

/// The name of the imports check.
pub const LOADS_EVERYWHERE: &str = "the module loads in every stock Extism host";

/// Checks that the module imports only host functions every stock Extism SDK provides.
pub(super) fn check_imports(wasm: &[u8]) -> Check {
    match unportable_imports(wasm) {
        Ok(found) if found.is_empty() => pass(
            LOADS_EVERYWHERE,
            "it imports only functions every SDK provides",
        ),
        Ok(found) => fail(
            LOADS_EVERYWHERE,
            format!(
                "it imports {}, which some stock SDK does not provide (Node's @extism/extism 1.0.3 has no http_headers: read the status with http_status_code and leave headers to the host; see contract/HOST-PROFILE.md)",
                found.join(", ")
            ),
        ),
        Err(problem) => fail(
            LOADS_EVERYWHERE,
            format!("its imports cannot be read: {problem}"),
        ),
    }
}
