//! SaaS Alerts' JSON, as far as the plugin reads it, read leniently.
//!
//! Field names are the vendor's (`saas-alerts-api.md` §3.1–3.2). The vendor's schema is not
//! published, so each entry of a list is read on its own from raw JSON: an unknown field is
//! ignored, a field of an unexpected type counts as absent (and where that matters for a count,
//! the count says why it cannot be read), and an entry that cannot be used at all is reported
//! as a problem. One odd customer never makes the whole list unreadable, and none is dropped
//! without a word.

use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::services::Platform;

/// One customer from `GET /reports/customers`.
#[derive(Clone, Debug, PartialEq)]
pub struct Customer {
    /// The customer id (20 characters in practice).
    pub id: String,
    /// The display name, untrimmed; `None` when absent or not text.
    pub name: Option<String>,
    /// `customerDomain`, the primary domain.
    pub domain: Option<String>,
    /// `status`: `active`, `inactive`, …
    pub status: Option<String>,
    /// `billingUsers.count`, what SaaS Alerts invoices, or why it cannot be read.
    pub billable_count: Result<u64, String>,
    /// `mappedToPSA` entries as (PSA, PSA company id).
    pub psa_refs: Vec<(String, String)>,
}

/// The customers of a response, and the entries that could not be used.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerList {
    /// Usable customers, in the vendor's order.
    pub customers: Vec<Customer>,
    /// What was wrong with each unusable entry, naming its position.
    pub problems: Vec<String>,
}

/// One user account from `GET /reports/users?customerId=…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// `isBillable`; `None` when absent or not a boolean.
    pub is_billable: Option<bool>,
    /// The platform of the account, from its `product`.
    pub platform: Platform,
}

/// The customer fields the plugin reads; the others are skipped while parsing.
const CUSTOMER_FIELDS: [&str; 6] = [
    "id",
    "name",
    "customerDomain",
    "status",
    "billingUsers",
    "mappedToPSA",
];

/// One entry of a customers response, holding only [`CUSTOMER_FIELDS`] when it is an object.
///
/// Building whole `Value` trees of 20,000 customers (products, allow-lists, …) cost more time
/// and memory than the counting itself; this keeps each entry small while staying as lenient.
pub struct LeanCustomer(pub Value);

impl<'de> Deserialize<'de> for LeanCustomer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LeanCustomer, D::Error> {
        deserializer.deserialize_any(LeanCustomerVisitor)
    }
}

struct LeanCustomerVisitor;

impl<'de> Visitor<'de> for LeanCustomerVisitor {
    type Value = LeanCustomer;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a customer object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LeanCustomer, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if CUSTOMER_FIELDS.contains(&key.as_ref()) {
                fields.insert(key.into_owned(), map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(LeanCustomer(Value::Object(fields)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LeanCustomer, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LeanCustomer(Value::Array(Vec::new())))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<LeanCustomer, E> {
        Ok(LeanCustomer(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<LeanCustomer, E> {
        Ok(LeanCustomer(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<LeanCustomer, E> {
        Ok(LeanCustomer(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<LeanCustomer, E> {
        Ok(LeanCustomer(Value::from(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LeanCustomer, E> {
        Ok(LeanCustomer(Value::from(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<LeanCustomer, E> {
        Ok(LeanCustomer(Value::Null))
    }
}

/// Reads the entries of a customers response.
pub fn customers_of(entries: Vec<Value>) -> CustomerList {
    let mut list = CustomerList::default();
    for (index, entry) in entries.into_iter().enumerate() {
        match customer_of(entry) {
            Ok(customer) => list.customers.push(customer),
            Err(problem) => list.problems.push(format!("entry {index}: {problem}")),
        }
    }
    list
}

fn customer_of(entry: Value) -> Result<Customer, String> {
    let Value::Object(fields) = entry else {
        return Err(format!("{} instead of a customer object", kind(&entry)));
    };
    let id = match fields.get("id") {
        Some(Value::String(id)) if id.trim().is_empty() => {
            return Err("the customer id is blank".to_owned())
        }
        Some(Value::String(id)) => id.trim().to_owned(),
        Some(Value::Number(id)) => id.to_string(),
        Some(other) => return Err(format!("the customer id is {}, not text", kind(other))),
        None => return Err("the customer has no id".to_owned()),
    };
    Ok(Customer {
        name: text(&fields, "name"),
        domain: text(&fields, "customerDomain"),
        status: text(&fields, "status"),
        billable_count: billable_count(fields.get("billingUsers")),
        psa_refs: psa_refs(fields.get("mappedToPSA")),
        id,
    })
}

/// Reads a user entry keeping only `isBillable` and `product`, without building the rest.
///
/// A tenant's user lists are its largest responses (50,000 users are 12 MB of JSON); reading
/// them into `Value` trees took more memory than a plugin is given. Any entry is accepted: one
/// that is not an object is a user without a flag, counted on no platform and warned about.
impl<'de> Deserialize<'de> for User {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<User, D::Error> {
        deserializer.deserialize_any(UserVisitor)
    }
}

struct UserVisitor;

impl UserVisitor {
    fn unusable<E>(self) -> Result<User, E> {
        Ok(User {
            is_billable: None,
            platform: Platform::Other,
        })
    }
}

impl<'de> Visitor<'de> for UserVisitor {
    type Value = User;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a user object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<User, A::Error> {
        let mut user = User {
            is_billable: None,
            platform: Platform::Other,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "isBillable" => user.is_billable = map.next_value::<Value>()?.as_bool(),
                "product" => {
                    user.platform = Platform::of_product(Some(&map.next_value::<Value>()?));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(user)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<User, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.unusable()
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<User, E> {
        self.unusable()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<User, E> {
        self.unusable()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<User, E> {
        self.unusable()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<User, E> {
        self.unusable()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<User, E> {
        self.unusable()
    }

    fn visit_unit<E: de::Error>(self) -> Result<User, E> {
        self.unusable()
    }
}

fn billable_count(billing_users: Option<&Value>) -> Result<u64, String> {
    match billing_users.and_then(|b| b.get("count")) {
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| format!("billingUsers.count is {n}, not a whole number of users")),
        Some(other) => Err(format!(
            "billingUsers.count is {}, not a number",
            kind(other)
        )),
        None if billing_users.is_some_and(|b| !b.is_object() && !b.is_null()) => Err(format!(
            "billingUsers is {}, not an object",
            kind(billing_users.unwrap_or(&Value::Null))
        )),
        None => Err("billingUsers.count is missing".to_owned()),
    }
}

/// Reads `mappedToPSA`: a list of `{product, mappedTo}` (a lone object is taken as a list of one).
fn psa_refs(mapped: Option<&Value>) -> Vec<(String, String)> {
    let entries = match mapped {
        Some(Value::Array(entries)) => entries.iter().collect(),
        Some(entry @ Value::Object(_)) => vec![entry],
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .filter_map(|entry| {
            let system = entry.get("product")?.as_str()?.trim();
            let id = match entry.get("mappedTo")? {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!system.is_empty() && !id.is_empty()).then(|| (system.to_owned(), id))
        })
        .collect()
}

fn text(fields: &Map<String, Value>, key: &str) -> Option<String> {
    fields.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Names a JSON value's kind for messages, without echoing it.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(entry: Value) -> Result<Customer, String> {
        customer_of(entry)
    }

    #[test]
    fn billable_count_reads_whole_numbers() {
        let c = one(json!({"id": "a", "billingUsers": {"count": 7}})).unwrap();
        assert_eq!(c.billable_count, Ok(7));
    }

    #[test]
    fn billable_count_refuses_what_is_not_a_count_and_says_why() {
        for (billing_users, why) in [
            (json!(null), "missing"),
            (json!({}), "missing"),
            (json!({"count": -1}), "not a whole number"),
            (json!({"count": 2.5}), "not a whole number"),
            (json!({"count": "3"}), "text, not a number"),
            (json!({"count": null}), "null, not a number"),
            (json!(5), "billingUsers is a number"),
        ] {
            let c = one(json!({"id": "a", "billingUsers": billing_users})).unwrap();
            let problem = c.billable_count.unwrap_err();
            assert!(problem.contains(why), "{billing_users}: {problem}");
        }
    }

    #[test]
    fn psa_refs_tolerate_numbers_blanks_nulls_and_a_lone_object() {
        let c = one(json!({"id": "a", "mappedToPSA": [
            {"product": "cw", "mappedTo": 19002}, {"product": "at", "mappedTo": " 77 "},
            {"product": "x", "mappedTo": null}, null, "junk", {"product": " ", "mappedTo": "1"}
        ]}))
        .unwrap();
        assert_eq!(
            c.psa_refs,
            [("cw".into(), "19002".into()), ("at".into(), "77".into())]
        );
        let lone = one(json!({"id": "a", "mappedToPSA": {"product": "halopsa", "mappedTo": "9"}}))
            .unwrap();
        assert_eq!(lone.psa_refs, [("halopsa".into(), "9".into())]);
    }

    #[test]
    fn fields_of_the_wrong_type_count_as_absent() {
        let c =
            one(json!({"id": 42, "name": 5, "status": {"x": 1}, "customerDomain": null})).unwrap();
        assert_eq!(
            (c.id.as_str(), c.name, c.status, c.domain),
            ("42", None, None, None)
        );
    }

    #[test]
    fn lean_customers_keep_only_the_fields_read_and_any_entry() {
        let entries: Vec<LeanCustomer> = serde_json::from_str(
            r#"[{"id":"a","name":"A","products":[{"name":"x"}],"ipRanges":["1"]},null,[1,2],"x",3]"#,
        )
        .unwrap();
        let values: Vec<Value> = entries.into_iter().map(|e| e.0).collect();
        assert_eq!(values[0], json!({"id": "a", "name": "A"}));
        let list = customers_of(values);
        assert_eq!(list.customers.len(), 1);
        assert_eq!(list.problems.len(), 4);
    }

    #[test]
    fn unusable_entries_are_problems_naming_their_position() {
        let list = customers_of(vec![
            json!({"id": "a"}),
            json!(null),
            json!({"name": "no id"}),
            json!({"id": " "}),
        ]);
        assert_eq!(list.customers.len(), 1);
        assert_eq!(
            list.problems,
            [
                "entry 1: null instead of a customer object",
                "entry 2: the customer has no id",
                "entry 3: the customer id is blank"
            ]
        );
    }

    #[test]
    fn users_without_a_boolean_flag_have_none() {
        let users: Vec<User> = serde_json::from_str(
            r#"[{"isBillable": true, "product": "ms", "extra": {"deep": [1, 2]}}, {"isBillable": "true"}, 7, null, [1], "x"]"#,
        )
        .unwrap();
        let flags: Vec<_> = users.iter().map(|u| u.is_billable).collect();
        assert_eq!(flags, [Some(true), None, None, None, None, None]);
        assert_eq!(users[0].platform, Platform::Microsoft365);
    }
}
