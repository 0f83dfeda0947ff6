//! SaaS Alerts customers as contract accounts.

use plugin_contract::{Account, PsaRef};

use crate::model::Customer;

/// Turns customers into accounts, sorted by id; inactive customers are kept with their status.
pub fn accounts_of(customers: &[Customer]) -> Vec<Account> {
    let mut accounts: Vec<Account> = customers.iter().map(account_of).collect();
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts
}

/// Turns one customer into an account.
pub fn account_of(customer: &Customer) -> Account {
    let domain = customer
        .customer_domain
        .as_deref()
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty());
    let mut psa_refs: Vec<PsaRef> = customer
        .mapped_to_psa
        .iter()
        .flatten()
        .filter_map(|m| {
            Some(PsaRef {
                system: m.product.as_deref()?.trim().to_owned(),
                id: m.psa_id()?,
            })
        })
        .filter(|r| !r.system.is_empty())
        .collect();
    psa_refs.sort();
    psa_refs.dedup();
    Account {
        id: customer.id.clone(),
        name: customer.name.as_deref().unwrap_or("").trim().to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn customers(json: &str) -> Vec<Customer> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn accounts_are_sorted_by_id_and_keep_inactive_customers() {
        let accounts = accounts_of(&customers(
            r#"[{"id":"b","name":"B","status":"inactive"},{"id":"a","name":"A","status":"Active"}]"#,
        ));
        let summary: Vec<_> = accounts
            .iter()
            .map(|a| (a.id.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(summary, [("a", "active"), ("b", "inactive")]);
    }

    #[test]
    fn names_lose_surrounding_spaces_but_keep_ampersands_and_accents() {
        let account = account_of(&customers(r#"[{"id":"a","name":"  Café & Co  "}]"#)[0]);
        assert_eq!(account.name, "Café & Co");
    }

    #[test]
    fn domain_becomes_description_and_domains() {
        let account =
            account_of(&customers(r#"[{"id":"a","customerDomain":" Acme.Example "}]"#)[0]);
        assert_eq!(account.description, "acme.example");
        assert_eq!(account.domains, ["acme.example"]);
    }

    #[test]
    fn psa_refs_come_from_mapped_to_psa_sorted_without_blanks() {
        let account = account_of(
            &customers(
                r#"[{"id":"a","mappedToPSA":[{"product":"halopsa","mappedTo":"9"},{"product":"autotaskpsa","mappedTo":123},{"product":"x"},{"mappedTo":"5"}]}]"#,
            )[0],
        );
        let refs: Vec<_> = account
            .psa_refs
            .iter()
            .map(|r| (r.system.as_str(), r.id.as_str()))
            .collect();
        assert_eq!(refs, [("autotaskpsa", "123"), ("halopsa", "9")]);
    }

    #[test]
    fn missing_status_reads_as_unknown() {
        let account = account_of(&customers(r#"[{"id":"a"}]"#)[0]);
        assert_eq!(account.status, "unknown");
        assert!(account.domains.is_empty());
    }
}
