//! SaaS Alerts' JSON, as far as the plugin reads it.
//!
//! Field names are the vendor's (see `saas-alerts-api.md` §3.1–3.2). Only what the plugin uses is
//! declared; unknown fields are ignored, and fields whose type the vendor has not pinned down
//! (counts, PSA ids, products) are read as raw JSON and interpreted where they are used, so one
//! odd customer cannot make the whole list unreadable.

use serde::Deserialize;
use serde_json::Value;

/// One customer from `GET /reports/customers`.
#[derive(Clone, Debug, Deserialize)]
pub struct Customer {
    /// The 20-character customer id.
    pub id: String,
    /// The display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The primary domain.
    #[serde(default, rename = "customerDomain")]
    pub customer_domain: Option<String>,
    /// `active`, `inactive`, …
    #[serde(default)]
    pub status: Option<String>,
    /// The billing summary; `billingUsers.count` is what SaaS Alerts invoices.
    #[serde(default, rename = "billingUsers")]
    pub billing_users: Option<BillingUsers>,
    /// Links SaaS Alerts keeps to PSA companies.
    #[serde(default, rename = "mappedToPSA")]
    pub mapped_to_psa: Option<Vec<PsaMapping>>,
}

/// The `billingUsers` object of a customer.
#[derive(Clone, Debug, Deserialize)]
pub struct BillingUsers {
    /// The number of billable users, as SaaS Alerts sends it.
    #[serde(default)]
    pub count: Option<Value>,
}

/// One entry of a customer's `mappedToPSA`.
#[derive(Clone, Debug, Deserialize)]
pub struct PsaMapping {
    /// The PSA, e.g. `autotaskpsa`.
    #[serde(default)]
    pub product: Option<String>,
    /// The PSA company id, a string or a number.
    #[serde(default, rename = "mappedTo")]
    pub mapped_to: Option<Value>,
}

/// One user account from `GET /reports/users?customerId=…`.
#[derive(Clone, Debug, Deserialize)]
pub struct User {
    /// Whether SaaS Alerts bills for this account.
    #[serde(default, rename = "isBillable")]
    pub is_billable: Option<bool>,
    /// The platform the account lives on; its shape is not documented (object or string).
    #[serde(default)]
    pub product: Option<Value>,
}

impl Customer {
    /// Returns `billingUsers.count` when it is a whole, non-negative number.
    pub fn billable_count(&self) -> Result<u64, String> {
        let count = self.billing_users.as_ref().and_then(|b| b.count.as_ref());
        match count {
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or_default()),
            Some(other) => Err(format!(
                "billingUsers.count is {other}, not a whole number of users"
            )),
            None => Err("billingUsers.count is missing".to_owned()),
        }
    }
}

impl PsaMapping {
    /// Returns the mapped PSA id as text, when there is one.
    pub fn psa_id(&self) -> Option<String> {
        match self.mapped_to.as_ref()? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(json: &str) -> Customer {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn billable_count_reads_whole_numbers() {
        let c = customer(r#"{"id":"a","billingUsers":{"count":7}}"#);
        assert_eq!(c.billable_count(), Ok(7));
    }

    #[test]
    fn billable_count_refuses_what_is_not_a_count() {
        for json in [
            r#"{"id":"a"}"#,
            r#"{"id":"a","billingUsers":null}"#,
            r#"{"id":"a","billingUsers":{}}"#,
            r#"{"id":"a","billingUsers":{"count":-1}}"#,
            r#"{"id":"a","billingUsers":{"count":2.5}}"#,
            r#"{"id":"a","billingUsers":{"count":"3"}}"#,
        ] {
            assert!(customer(json).billable_count().is_err(), "{json}");
        }
    }

    #[test]
    fn psa_ids_may_be_numbers_or_strings() {
        let c = customer(
            r#"{"id":"a","mappedToPSA":[{"product":"cw","mappedTo":19002},{"product":"at","mappedTo":" 77 "},{"product":"x","mappedTo":null}]}"#,
        );
        let ids: Vec<_> = c
            .mapped_to_psa
            .unwrap()
            .iter()
            .map(PsaMapping::psa_id)
            .collect();
        assert_eq!(ids, [Some("19002".into()), Some("77".into()), None]);
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let c = customer(
            r#"{"id":"a","name":"A","brandNew":{"x":1},"products":[{"name":"Microsoft"}]}"#,
        );
        assert_eq!(c.name.as_deref(), Some("A"));
    }
}
