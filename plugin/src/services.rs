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

    /// Classifies a user's `product` from its labels: its `type` then its `name` when it is an
    /// object, itself when it is a string (see `model::product_labels`).
    ///
    /// The shape of `product` on users is not documented; the event index uses
    /// `{id, name, type}` with `type` such as `ms`. Unrecognized values count as `Other`.
    pub fn of_product(labels: &[String]) -> Platform {
        labels
            .iter()
            .find_map(|label| Platform::of_label(label))
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
    plugin_contract::order::sort_by(&mut services, |a, b| a.id.cmp(&b.id));
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

    #[test]
    fn each_platform_is_its_own_index_in_all() {
        for (index, platform) in Platform::ALL.iter().enumerate() {
            assert_eq!(*platform as usize, index, "{platform:?}");
        }
    }

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
        let cases: [(&[&str], Platform); 7] = [
            (&["ms", "Microsoft"], Platform::Microsoft365),
            (&["MS"], Platform::Microsoft365),
            (&["Google Workspace"], Platform::GoogleWorkspace),
            (&["unknown-thing", "Slack"], Platform::Slack),
            (&["Dropbox"], Platform::Dropbox),
            (&["box"], Platform::Other),
            (&[], Platform::Other),
        ];
        for (labels, platform) in cases {
            let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
            assert_eq!(Platform::of_product(&labels), platform, "{labels:?}");
        }
    }
}
