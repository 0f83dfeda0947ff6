//! The services the plugin counts, with their stable ids.
//!
//! | id | counts |
//! |---|---|
//! | `billable-users` | `billingUsers.count` of the customer: what SaaS Alerts invoices |
//! | `billable-users.<platform>` | users with `isBillable: true` on that platform, from `/reports/users` |
//!
//! Platforms: `microsoft-365`, `google-workspace`, `salesforce`, `slack`, `dropbox`, and `other`
//! for any platform not in this list, so that no billable user is left out of the breakdown.
//! The catalog is fixed, not read from the vendor, so ids never change between runs.

use plugin_contract::Service;
use serde_json::Value;

/// The id of the invoice-driving service.
pub const BILLABLE_USERS: &str = "billable-users";

/// A platform SaaS Alerts monitors, for the per-platform breakdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    /// Microsoft 365 (Entra ID, Exchange Online, …).
    Microsoft365,
    /// Google Workspace.
    GoogleWorkspace,
    /// Salesforce.
    Salesforce,
    /// Slack.
    Slack,
    /// Dropbox.
    Dropbox,
    /// Any platform not listed above, or none named.
    Other,
}

impl Platform {
    /// Lists every platform.
    pub const ALL: [Platform; 6] = [
        Platform::Microsoft365,
        Platform::GoogleWorkspace,
        Platform::Salesforce,
        Platform::Slack,
        Platform::Dropbox,
        Platform::Other,
    ];

    /// Returns the id of this platform's billable-users service.
    pub fn service_id(self) -> &'static str {
        match self {
            Platform::Microsoft365 => "billable-users.microsoft-365",
            Platform::GoogleWorkspace => "billable-users.google-workspace",
            Platform::Salesforce => "billable-users.salesforce",
            Platform::Slack => "billable-users.slack",
            Platform::Dropbox => "billable-users.dropbox",
            Platform::Other => "billable-users.other",
        }
    }

    /// Returns the platform's display name.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Microsoft365 => "Microsoft 365",
            Platform::GoogleWorkspace => "Google Workspace",
            Platform::Salesforce => "Salesforce",
            Platform::Slack => "Slack",
            Platform::Dropbox => "Dropbox",
            Platform::Other => "other platforms",
        }
    }

    /// Finds the platform whose service has id `service_id`.
    pub fn from_service_id(service_id: &str) -> Option<Platform> {
        Platform::ALL
            .into_iter()
            .find(|p| p.service_id() == service_id)
    }

    /// Classifies a user's `product` (an object with `type`/`name`, or a string).
    ///
    /// The shape of `product` on users is not documented; the event index uses
    /// `{id, name, type}` with `type` such as `ms`. Unrecognized values count as `Other`.
    pub fn of_product(product: Option<&Value>) -> Platform {
        let labels: Vec<&str> = match product {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Object(fields)) => ["type", "name"]
                .iter()
                .filter_map(|k| fields.get(*k).and_then(Value::as_str))
                .collect(),
            _ => Vec::new(),
        };
        labels
            .into_iter()
            .find_map(Platform::of_label)
            .unwrap_or(Platform::Other)
    }

    fn of_label(label: &str) -> Option<Platform> {
        let label = label.trim().to_ascii_lowercase();
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| label.starts_with(p));
        if starts(&[
            "ms",
            "microsoft",
            "office",
            "o365",
            "m365",
            "azure",
            "entra",
        ]) {
            Some(Platform::Microsoft365)
        } else if starts(&["google", "gsuite", "g suite", "gws"]) {
            Some(Platform::GoogleWorkspace)
        } else if starts(&["salesforce", "sfdc"]) {
            Some(Platform::Salesforce)
        } else if starts(&["slack"]) {
            Some(Platform::Slack)
        } else if starts(&["dropbox"]) {
            Some(Platform::Dropbox)
        } else {
            None
        }
    }
}

/// Returns every service, sorted by id.
pub fn catalog() -> Vec<Service> {
    let mut services = vec![service(
        BILLABLE_USERS,
        "SaaS Alerts billable users",
        "Users SaaS Alerts bills for: the customer's billingUsers.count, the figure on the SaaS Alerts invoice.",
    )];
    for platform in Platform::ALL {
        services.push(service(
            platform.service_id(),
            &format!("SaaS Alerts billable users ({})", platform.name()),
            &format!(
                "Users with isBillable on {} in /reports/users, a breakdown of the billable users.",
                platform.name()
            ),
        ));
    }
    services.sort_by(|a, b| a.id.cmp(&b.id));
    services
}

/// Tells whether `service_id` is in the catalog.
pub fn is_known(service_id: &str) -> bool {
    service_id == BILLABLE_USERS || Platform::from_service_id(service_id).is_some()
}

fn service(id: &str, name: &str, description: &str) -> Service {
    Service {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        category: "security".to_owned(),
        subcategory: "other".to_owned(),
        unit: "user".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn catalog_is_sorted_with_unique_known_ids() {
        let ids: Vec<String> = catalog().into_iter().map(|s| s.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert_eq!(ids.len(), 1 + Platform::ALL.len());
        assert!(ids.iter().all(|id| is_known(id)));
    }

    #[test]
    fn products_are_classified_by_type_then_name() {
        let cases = [
            (
                json!({"type": "ms", "name": "Microsoft"}),
                Platform::Microsoft365,
            ),
            (json!({"type": "MS"}), Platform::Microsoft365),
            (
                json!({"name": "Google Workspace"}),
                Platform::GoogleWorkspace,
            ),
            (
                json!({"type": "unknown-thing", "name": "Slack"}),
                Platform::Slack,
            ),
            (json!("Dropbox"), Platform::Dropbox),
            (json!({"type": "box"}), Platform::Other),
            (json!(null), Platform::Other),
            (json!(42), Platform::Other),
        ];
        for (product, platform) in cases {
            assert_eq!(Platform::of_product(Some(&product)), platform, "{product}");
        }
        assert_eq!(Platform::of_product(None), Platform::Other);
    }
}
