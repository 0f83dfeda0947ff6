//! Secrets a vendor issues to a plugin: an access token, a refresh token, a session cookie.
//!
//! They are secrets from the moment the plugin receives them, like the credentials the MSP
//! typed. A plugin that receives one hands it over with [`keep`]; from then on the guest glue
//! (`export_plugin!`) removes it, in every form [`Secrets`](crate::Secrets) looks for, from
//! whatever leaves the plugin (output, error, panic message) for the rest of the instance's
//! life: a plugin reuses a token in later calls, so a later error may quote it. The kit's OAuth
//! helper (`vendor_kit::oauth`) keeps every token it receives.
//!
//! The values live in the instance's own memory (a thread-local: a wasm instance is one
//! thread), which is why an instance serves one connection only (host profile, "Instances"):
//! another MSP's calls on the same instance would run with this one's tokens at hand. At most
//! [`MAX_KEPT`] are kept, the oldest dropped first.

use std::cell::RefCell;

/// The most issued values an instance keeps.
pub const MAX_KEPT: usize = 16;

thread_local! {
    /// The values kept so far, oldest first.
    static KEPT: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Keeps `value`, trimmed, as a secret the vendor issued to this instance; a blank value or one
/// kept already changes nothing.
pub fn keep(value: &str) {
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    KEPT.with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.iter().any(|k| k == value) {
            return;
        }
        if kept.len() == MAX_KEPT {
            kept.remove(0);
        }
        kept.push(value.to_owned());
    });
}

/// Returns the issued values kept so far, oldest first.
pub fn kept() -> Vec<String> {
    KEPT.with(|kept| kept.borrow().clone())
}

/// Calls `each` with every issued value kept so far, oldest first, without copying them.
pub fn for_each_kept(each: &mut dyn FnMut(&str)) {
    KEPT.with(|kept| kept.borrow().iter().for_each(|value| each(value)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_once_trimmed_and_the_oldest_go_first() {
        keep("  token-a ");
        keep("token-a");
        keep("");
        assert_eq!(kept(), ["token-a"]);
        for n in 0..MAX_KEPT {
            keep(&format!("token-{n}"));
        }
        let kept = kept();
        assert_eq!(kept.len(), MAX_KEPT);
        assert_eq!(kept[0], "token-0", "token-a, the oldest, went first");
    }
}
