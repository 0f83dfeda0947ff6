//! SaaS Alerts customers as contract accounts.

use plugin_contract::{sort_warnings, Account, AccountList, PsaRef, Warning};

use crate::model::{Customer, CustomerList};

/// The customers of a tenant by id, with what the MSP should know about the list.
pub struct Tenant<'a> {
    /// Customers sorted by id, one per id; of two entries with one id, the last is kept.
    customers: Vec<&'a Customer>,
    /// Unusable entries and duplicate ids, as warnings.
    pub warnings: Vec<Warning>,
}

impl<'a> Tenant<'a> {
    /// Indexes a customer list by id, warning of unusable entries and duplicate ids.
    pub fn of(list: &'a CustomerList) -> Tenant<'a> {
        let mut warnings: Vec<Warning> = list
            .problems
            .iter()
            .map(|problem| Warning {
                code: "unusable_customer".to_owned(),
                message: format!("SaaS Alerts listed a customer the plugin cannot use ({problem}); it is not counted."),
                account_id: None,
                service_id: None,
            })
            .collect();
        let mut customers: Vec<&Customer> = list.customers.iter().collect();
        // The kit's one rule for a repeated id: the last entry is kept, with a warning.
        warnings.extend(vendor_kit::accounts::sort_unique_by_id(
            &mut customers,
            |c| &c.id,
            "duplicate_customer",
            |id| format!("SaaS Alerts lists customer {id} more than once; the last entry is used."),
        ));
        Tenant {
            customers,
            warnings,
        }
    }

    /// Lists the customers, sorted by id.
    pub fn customers(&self) -> &[&'a Customer] {
        &self.customers
    }
}

/// Lists the tenant's accounts, sorted by id; inactive customers are kept with their status.
pub fn account_list(list: &CustomerList) -> AccountList {
    let tenant = Tenant::of(list);
    let customers = tenant.customers;
    let mut warnings = tenant.warnings;
    let accounts = customers
        .iter()
        .map(|customer| {
            let account = account_of(customer);
            if customer.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                warnings.push(warning(
                    "customer_without_name",
                    format!(
                        "SaaS Alerts gives customer {} no name; it is listed as {:?}.",
                        customer.id, account.name
                    ),
                    &customer.id,
                ));
            }
            account
        })
        .collect();
    sort_warnings(&mut warnings);
    AccountList { accounts, warnings }
}

/// Turns one customer into an account.
fn account_of(customer: &Customer) -> Account {
    let domain = customer
        .domain
        .as_deref()
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty());
    let mut psa_refs: Vec<PsaRef> = customer
        .psa_refs
        .iter()
        .map(|(system, id)| PsaRef {
            system: system.clone(),
            id: id.clone(),
        })
        .collect();
    plugin_contract::order::sort(&mut psa_refs);
    psa_refs.dedup();
    let name = customer.name.as_deref().map(str::trim).unwrap_or("");
    Account {
        id: customer.id.clone(),
        name: if name.is_empty() {
            format!("(unnamed SaaS Alerts customer {})", customer.id)
        } else {
            name.to_owned()
        },
        description: domain.clone().unwrap_or_default(),
        status: customer
            .status
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".to_owned()),
        domains: domain.into_iter().collect(),
        psa_refs,
    }
}

/// Makes a warning about one account.
pub fn warning(code: &str, message: String, account_id: &str) -> Warning {
    Warning {
        code: code.to_owned(),
        message,
        account_id: Some(account_id.to_owned()),
        service_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::customers_of;
    use serde_json::json;

    fn list(entries: serde_json::Value) -> CustomerList {
        customers_of(serde_json::from_value(entries).unwrap())
    }

    #[test]
    fn accounts_are_sorted_by_id_and_keep_inactive_customers() {
        let accounts = account_list(&list(json!([
            {"id": "b", "name": "B", "status": "inactive"},
            {"id": "a", "name": "A", "status": "Active"}
        ])));
        let summary: Vec<_> = accounts
            .accounts
            .iter()
            .map(|a| (a.id.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(summary, [("a", "active"), ("b", "inactive")]);
        assert!(accounts.warnings.is_empty());
    }

    #[test]
    fn names_lose_surrounding_spaces_but_keep_ampersands_and_accents() {
        let accounts = account_list(&list(json!([{"id": "a", "name": "  Café & Co  "}])));
        assert_eq!(accounts.accounts[0].name, "Café & Co");
    }

    #[test]
    fn a_blank_name_gets_a_placeholder_and_a_warning() {
        let accounts = account_list(&list(json!([{"id": "a", "name": "   "}, {"id": "b"}])));
        assert_eq!(
            accounts.accounts[0].name,
            "(unnamed SaaS Alerts customer a)"
        );
        let codes: Vec<_> = accounts.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(codes, ["customer_without_name", "customer_without_name"]);
    }

    #[test]
    fn duplicate_ids_keep_the_last_entry_and_warn() {
        let accounts = account_list(&list(
            json!([{"id": "a", "name": "Old"}, {"id": "a", "name": "New"}]),
        ));
        assert_eq!(accounts.accounts.len(), 1);
        assert_eq!(accounts.accounts[0].name, "New");
        assert_eq!(accounts.warnings[0].code, "duplicate_customer");
    }

    #[test]
    fn unusable_entries_are_warned_about_not_dropped_silently() {
        let accounts = account_list(&list(json!([{"id": "a", "name": "A"}, {"name": "no id"}])));
        assert_eq!(accounts.accounts.len(), 1);
        assert_eq!(accounts.warnings[0].code, "unusable_customer");
        assert!(accounts.warnings[0]
            .message
            .contains("entry 1: the customer has no id"));
    }

    #[test]
    fn domain_becomes_description_and_domains() {
        let accounts = account_list(&list(
            json!([{"id": "a", "customerDomain": " Acme.Example "}]),
        ));
        assert_eq!(accounts.accounts[0].description, "acme.example");
        assert_eq!(accounts.accounts[0].domains, ["acme.example"]);
    }

    #[test]
    fn psa_refs_are_sorted_and_deduplicated() {
        let accounts = account_list(&list(json!([{"id": "a", "mappedToPSA": [
            {"product": "halopsa", "mappedTo": "9"}, {"product": "autotaskpsa", "mappedTo": 123},
            {"product": "halopsa", "mappedTo": "9"}
        ]}])));
        let refs: Vec<_> = accounts.accounts[0]
            .psa_refs
            .iter()
            .map(|r| (r.system.as_str(), r.id.as_str()))
            .collect();
        assert_eq!(refs, [("autotaskpsa", "123"), ("halopsa", "9")]);
    }

    #[test]
    fn missing_status_reads_as_unknown() {
        let accounts = account_list(&list(json!([{"id": "a"}])));
        assert_eq!(accounts.accounts[0].status, "unknown");
        assert!(accounts.accounts[0].domains.is_empty());
    }
}
