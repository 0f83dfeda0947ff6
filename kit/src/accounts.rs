//! Accounts as the contract lists them: sorted by id, each id once.

use plugin_contract::Warning;

/// Sorts `items` by `id` and keeps the first listed of each id, with one warning of code
/// `code` and message `message` (the plugin's wording) for each entry left out, naming its
/// account. The warnings are in account order.
///
/// ```
/// let mut tenants = vec![("t2", "Birch"), ("t1", "Alder"), ("t2", "Again")];
/// let warnings = vendor_kit::accounts::sort_unique_by_id(
///     &mut tenants,
///     |t| t.0,
///     "duplicate_tenant_id",
///     "Acme listed this tenant id twice; the first entry is kept.",
/// );
/// assert_eq!(tenants, [("t1", "Alder"), ("t2", "Birch")]);
/// assert_eq!(warnings[0].account_id.as_deref(), Some("t2"));
/// ```
pub fn sort_unique_by_id<T>(
    items: &mut Vec<T>,
    id: impl Fn(&T) -> &str,
    code: &str,
    message: &str,
) -> Vec<Warning> {
    // A stable sort: the first listed of an id stays first.
    plugin_contract::order::sort_by(items, |a, b| id(a).cmp(id(b)));
    let mut warnings = Vec::new();
    items.dedup_by(|later, first| {
        let repeated = id(later) == id(first);
        if repeated {
            warnings.push(Warning {
                code: code.to_owned(),
                message: message.to_owned(),
                account_id: Some(id(later).to_owned()),
                service_id: None,
            });
        }
        repeated
    });
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_first_of_each_id_kept_one_warning_per_repeat() {
        let mut items = vec![("b", 1), ("a", 2), ("b", 3), ("c", 4), ("b", 5)];
        let warnings = sort_unique_by_id(&mut items, |i| i.0, "dup", "twice");
        assert_eq!(items, [("a", 2), ("b", 1), ("c", 4)]);
        let warned: Vec<_> = warnings
            .iter()
            .map(|w| (w.code.as_str(), w.message.as_str(), w.account_id.as_deref()))
            .collect();
        assert_eq!(
            warned,
            [("dup", "twice", Some("b")), ("dup", "twice", Some("b"))]
        );
        let mut none: Vec<(&str, u8)> = Vec::new();
        assert!(sort_unique_by_id(&mut none, |i| i.0, "dup", "twice").is_empty());
    }
}
