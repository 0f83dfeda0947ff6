//! Accounts as the contract lists them: sorted by id, each id once.

use plugin_contract::Warning;

/// Sorts `items` by `id` and keeps the last listed of each id (the vendor's latest word), with
/// one warning of code `code` and message `message(id)` (the plugin's wording) for each entry
/// left out, naming its account. The warnings are in account order. This is the one rule for a
/// repeated id of every plugin here (the SaaS Alerts plugin's customers, the paged example's
/// tenants, the OAuth example's companies and products).
///
/// ```
/// let mut tenants = vec![("t2", "Birch"), ("t1", "Alder"), ("t2", "Again")];
/// let warnings = vendor_kit::accounts::sort_unique_by_id(
///     &mut tenants,
///     |t| t.0,
///     "duplicate_tenant_id",
///     |id| format!("Acme listed tenant {id} twice; the last entry is kept."),
/// );
/// assert_eq!(tenants, [("t1", "Alder"), ("t2", "Again")]);
/// assert_eq!(warnings[0].account_id.as_deref(), Some("t2"));
/// ```
pub fn sort_unique_by_id<T>(
    items: &mut Vec<T>,
    id: impl Fn(&T) -> &str,
    code: &str,
    message: impl Fn(&str) -> String,
) -> Vec<Warning> {
    // A stable sort keeps the entries of one id in list order.
    plugin_contract::order::sort_by(items, |a, b| id(a).cmp(id(b)));
    let mut warnings = Vec::new();
    items.dedup_by(|later, earlier| {
        let repeated = id(later) == id(earlier);
        if repeated {
            warnings.push(Warning {
                code: code.to_owned(),
                message: message(id(later)),
                account_id: Some(id(later).to_owned()),
                service_id: None,
            });
            // The later entry takes the place of the earlier one, which is dropped.
            std::mem::swap(later, earlier);
        }
        repeated
    });
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_last_of_each_id_kept_one_warning_per_repeat() {
        let mut items = vec![("b", 1), ("a", 2), ("b", 3), ("c", 4), ("b", 5)];
        let warnings = sort_unique_by_id(&mut items, |i| i.0, "dup", |_| "twice".to_owned());
        assert_eq!(items, [("a", 2), ("b", 5), ("c", 4)]);
        let warned: Vec<_> = warnings
            .iter()
            .map(|w| (w.code.as_str(), w.message.as_str(), w.account_id.as_deref()))
            .collect();
        assert_eq!(
            warned,
            [("dup", "twice", Some("b")), ("dup", "twice", Some("b"))]
        );
        let mut none: Vec<(&str, u8)> = Vec::new();
        assert!(sort_unique_by_id(&mut none, |i| i.0, "dup", |_| String::new()).is_empty());
    }
}
