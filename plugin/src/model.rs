//! SaaS Alerts' JSON, as far as the plugin reads it, read leniently and entry by entry.
//!
//! Field names are the vendor's (`saas-alerts-api.md` §3.1–3.2). The vendor's schema is not
//! published, so each entry of a list is read on its own from its raw bytes
//! ([`vendor_kit::entries`] finds where it begins and ends), and each field the plugin needs from
//! its own slice with serde_json. A field the plugin does not read is skipped without being
//! parsed. A field of an unexpected type, or one that cannot be parsed (a number out of range,
//! text that is not UTF-8, nesting deeper than serde_json's recursion limit), counts as absent;
//! where that matters for a count, the count says why it cannot be read. An entry that cannot
//! be used at all is reported as a problem naming its position. One odd customer never makes the
//! whole list unreadable, and none is dropped without a word.
//!
//! A key the plugin relies on that appears twice in one object with different values is never
//! settled by picking one: two `id`s make the entry unusable, two `billingUsers` or two
//! `billingUsers.count` make the count unreadable, two `isBillable` leave the user unflagged.
//! Repeats that read the same are harmless. Other fields keep their last occurrence, as
//! serde_json does.

use serde::de::IgnoredAny;
use serde_json::Number;
#[cfg(test)]
use serde_json::Value;
use vendor_kit::entries::{self, Broken, Entry, List};

use crate::services::Platform;

/// The largest `billingUsers.count` the plugin accepts as one customer's user count.
///
/// Larger than any single customer's user count could be (the largest Microsoft 365 tenants
/// have a few hundred thousand users), and small enough that sums over thousands of customers
/// cannot overflow: even 100,000 customers at the bound add up to 10^12, far below `u64::MAX`
/// and below 2^53, where hosts that read JSON numbers as doubles start losing units. A count
/// above it is a vendor failure of that customer's pair, never a figure on an invoice. It is the
/// contract's bound, which hosts check too.
pub const MAX_PLAUSIBLE_USERS: u64 = plugin_contract::MAX_PLAUSIBLE_QUANTITY;

/// The most customers read from one response.
///
/// A 50 MiB body (the manifest's `max_http_response_bytes`) holds about 220,000 realistic
/// customers, far more than any partner has, but over 900,000 minimal ones, and reading a
/// customer costs memory whatever its size in the body. Past this cap the list is refused as
/// `vendor`, naming it, so that every accepted list fits the manifest's `memory_max_pages`
/// (measured in `BENCHMARKS.md`, *Peak memory at the documented maxima*).
pub const MAX_CUSTOMERS: usize = 250_000;

/// One customer from `GET /reports/customers`.
#[derive(Clone, Debug, PartialEq)]
pub struct Customer {
    /// The customer id exactly as sent (20 characters in practice); a numeric id is its JSON
    /// number text.
    pub id: String,
    /// The display name, untrimmed; `None` when absent, not text or unreadable.
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
    /// Whether the response lists more than [`MAX_CUSTOMERS`] entries (the rest is not read).
    pub beyond_cap: bool,
}

/// One user account from `GET /reports/users?customerId=…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// `isBillable`; `None` when absent, not a boolean, given twice differently, or when the
    /// entry cannot be read at all.
    pub is_billable: Option<bool>,
    /// The platform of the account, from its `product`.
    pub platform: Platform,
}

/// Reads the entries of a customers response.
///
/// `Err` only when the list's own structure is broken; any entry is otherwise a customer or a
/// problem.
pub fn read_customers(mut list: List<'_>) -> Result<CustomerList, Broken> {
    let mut read = CustomerList::default();
    let mut index = 0;
    while let Some(entry) = list.next_entry() {
        if index == MAX_CUSTOMERS {
            read.beyond_cap = true;
            break;
        }
        match customer_of(entry?) {
            Ok(customer) => read.customers.push(customer),
            Err(problem) => read.problems.push(format!("entry {index}: {problem}")),
        }
        index += 1;
    }
    Ok(read)
}

/// Reads the entries of a users response.
///
/// `Err` only when the list's own structure is broken. An entry that cannot be read is a user
/// without a flag: counted on no platform, and warned about.
pub fn read_users(mut list: List<'_>) -> Result<Vec<User>, Broken> {
    let mut users = Vec::new();
    while let Some(entry) = list.next_entry() {
        users.push(user_of(entry?));
    }
    Ok(users)
}

/// Reads customer entries held as parsed JSON, the way [`read_customers`] reads a body.
#[cfg(test)]
pub fn customers_of(entries: Vec<Value>) -> CustomerList {
    let body = serde_json::to_vec(&entries).expect("JSON values serialize");
    read_customers(entries::list(&body).expect("a list")).expect("a well-formed list")
}

/// Reads a user from parsed JSON the way [`read_users`] reads one from a body.
#[cfg(test)]
impl<'de> serde::Deserialize<'de> for User {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<User, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let body = serde_json::to_vec(&[value]).map_err(serde::de::Error::custom)?;
        let mut list = entries::list(&body).expect("a list");
        let entry = list
            .next_entry()
            .expect("one entry")
            .expect("a well-formed list");
        Ok(user_of(entry))
    }
}

fn customer_of(entry: Entry<'_, '_>) -> Result<Customer, String> {
    let members = match entry.members {
        None => {
            return Err(format!(
                "{} instead of a customer object",
                describe(entry.raw)
            ))
        }
        Some(Err(broken)) => {
            return Err(format!(
                "the customer object is broken: {broken} of the entry"
            ))
        }
        Some(Ok(members)) => members,
    };
    let mut id = Single::default();
    let mut billing_users = Single::default();
    let (mut name, mut domain, mut status, mut mapped) = (None, None, None, None);
    for member in members {
        match member.key().as_ref() {
            b"id" => id.add(member.value, id_of),
            b"name" => name = Some(member.value),
            b"customerDomain" => domain = Some(member.value),
            b"status" => status = Some(member.value),
            b"billingUsers" => billing_users.add(member.value, |raw| billable_count(Some(raw))),
            b"mappedToPSA" => mapped = Some(member.value),
            _ => {}
        }
    }
    let id = match id {
        Single { conflict: true, .. } => {
            return Err("the customer id appears twice with different values".to_owned())
        }
        Single { first: None, .. } => return Err("the customer has no id".to_owned()),
        Single {
            first: Some(raw), ..
        } => id_of(raw)?,
    };
    Ok(Customer {
        id,
        name: name.and_then(text_of),
        domain: domain.and_then(text_of),
        status: status.and_then(text_of),
        billable_count: match billing_users {
            Single { conflict: true, .. } => {
                Err("billingUsers appears twice with different values".to_owned())
            }
            Single { first, .. } => billable_count(first),
        },
        psa_refs: mapped.map(psa_refs).unwrap_or_default(),
    })
}

/// A key that must not appear twice in one object with different values.
#[derive(Default)]
struct Single<'a> {
    /// The raw value of its first occurrence.
    first: Option<&'a [u8]>,
    /// Whether a later occurrence reads differently.
    conflict: bool,
}

impl<'a> Single<'a> {
    /// Adds an occurrence; `read` tells whether two different raw values read the same.
    fn add<T: PartialEq>(&mut self, value: &'a [u8], read: impl Fn(&[u8]) -> T) {
        match self.first {
            None => self.first = Some(value),
            Some(first) => self.conflict |= first != value && read(first) != read(value),
        }
    }
}

/// Reads a customer id: text kept exactly as sent (only a blank one is refused), or a number
/// as its JSON text.
fn id_of(raw: &[u8]) -> Result<String, String> {
    match raw.first() {
        Some(b'"') => match serde_json::from_slice::<String>(raw) {
            Ok(id) if id.trim().is_empty() => Err("the customer id is blank".to_owned()),
            Ok(id) => Ok(id),
            Err(e) => Err(format!("the customer id cannot be read: {}", problem(&e))),
        },
        Some(b'-' | b'0'..=b'9') => {
            number_text(raw).map_err(|e| format!("the customer id cannot be read: {e}"))
        }
        _ => Err(format!("the customer id is {}, not text", describe(raw))),
    }
}

/// Reads `billingUsers` (absent when `None`) down to its `count`, or says why it cannot be read.
fn billable_count(billing_users: Option<&[u8]>) -> Result<u64, String> {
    let Some(raw) = billing_users.filter(|raw| *raw != b"null") else {
        return Err("billingUsers.count is missing".to_owned());
    };
    let Some(members) = entries::members(raw) else {
        return Err(format!("billingUsers is {}, not an object", describe(raw)));
    };
    let mut count = Single::default();
    for member in members {
        let member = member
            .map_err(|broken| format!("billingUsers is a broken object: {broken} of its value"))?;
        if member.key().as_ref() == b"count" {
            count.add(member.value, count_of);
        }
    }
    match count {
        Single { conflict: true, .. } => {
            Err("billingUsers.count appears twice with different values".to_owned())
        }
        Single { first: None, .. } => Err("billingUsers.count is missing".to_owned()),
        Single {
            first: Some(raw), ..
        } => count_of(raw),
    }
}

/// Reads a user count: a whole number no larger than [`MAX_PLAUSIBLE_USERS`].
fn count_of(raw: &[u8]) -> Result<u64, String> {
    if !matches!(raw.first(), Some(b'-' | b'0'..=b'9')) {
        return Err(format!(
            "billingUsers.count is {}, not a number",
            describe(raw)
        ));
    }
    let above = |shown: &str| {
        format!(
            "billingUsers.count is {shown}, above the {} users the plugin accepts as plausible",
            grouped(MAX_PLAUSIBLE_USERS)
        )
    };
    // Digits alone are a whole number, however many there are (serde_json refuses the longest).
    let digits = raw.iter().all(u8::is_ascii_digit) && (raw.len() == 1 || raw[0] != b'0');
    match serde_json::from_slice::<Number>(raw) {
        Ok(n) => match n.as_u64() {
            Some(count) if count <= MAX_PLAUSIBLE_USERS => Ok(count),
            Some(count) => Err(above(&count.to_string())),
            None if digits => Err(above(&shown(raw))),
            None => Err(format!(
                "billingUsers.count is {}, not a whole number of users",
                shown(raw)
            )),
        },
        Err(_) if digits => Err(above(&shown(raw))),
        Err(e) => Err(format!(
            "billingUsers.count cannot be read: {}",
            problem(&e)
        )),
    }
}

/// Reads `mappedToPSA`: a list of `{product, mappedTo}` (a lone object is taken as a list of one).
///
/// Entries that are not such an object are skipped; a list whose structure is broken gives none.
fn psa_refs(mapped: &[u8]) -> Vec<(String, String)> {
    if mapped.first() == Some(&b'{') {
        return psa_ref_of(mapped).into_iter().collect();
    }
    let Some(list) = entries::list(mapped) else {
        return Vec::new();
    };
    let mut refs = Vec::new();
    for entry in list {
        match entry {
            Ok(entry) => refs.extend(psa_ref_of(entry)),
            Err(_) => return Vec::new(),
        }
    }
    refs
}

fn psa_ref_of(entry: &[u8]) -> Option<(String, String)> {
    let (mut product, mut mapped_to) = (None, None);
    for member in entries::members(entry)? {
        let member = member.ok()?;
        match member.key().as_ref() {
            b"product" => product = Some(member.value),
            b"mappedTo" => mapped_to = Some(member.value),
            _ => {}
        }
    }
    let system = text_of(product?)?;
    let mapped_to = mapped_to?;
    let id = match mapped_to.first() {
        Some(b'"') => text_of(mapped_to)?.trim().to_owned(),
        Some(b'-' | b'0'..=b'9') => number_text(mapped_to).ok()?,
        _ => return None,
    };
    let system = system.trim();
    (!system.is_empty() && !id.is_empty()).then(|| (system.to_owned(), id))
}

/// Reads a user; one whose entry is not an object, or is a broken one, has no flag.
fn user_of(entry: Entry<'_, '_>) -> User {
    let Some(Ok(members)) = entry.members else {
        return User {
            is_billable: None,
            platform: Platform::Other,
        };
    };
    let mut flag = Single::default();
    let mut product = None;
    for member in members {
        match member.key().as_ref() {
            b"isBillable" => flag.add(member.value, flag_of),
            b"product" => product = Some(member.value),
            _ => {}
        }
    }
    User {
        is_billable: match flag {
            Single { conflict: true, .. } => None,
            Single { first, .. } => first.and_then(flag_of),
        },
        platform: Platform::of_product(&product.map(product_labels).unwrap_or_default()),
    }
}

fn flag_of(raw: &[u8]) -> Option<bool> {
    match raw {
        b"true" => Some(true),
        b"false" => Some(false),
        _ => None,
    }
}

/// Reads a user's `product` as far as [`Platform::of_product`] looks: a string, or an object's
/// `type` then `name` (other members are skipped unparsed, so junk there does not hide them; of
/// a member given twice, the last counts).
fn product_labels(raw: &[u8]) -> Vec<String> {
    if raw.first() == Some(&b'"') {
        return text_of(raw).into_iter().collect();
    }
    let (mut kind, mut name) = (None, None);
    for member in entries::members(raw).into_iter().flatten() {
        let Ok(member) = member else {
            return Vec::new();
        };
        match &*member.key() {
            b"type" => kind = Some(text_of(member.value)),
            b"name" => name = Some(text_of(member.value)),
            _ => {}
        }
    }
    [kind, name].into_iter().flatten().flatten().collect()
}

/// Reads a JSON string; `None` for anything else, or for text that cannot be read.
fn text_of(raw: &[u8]) -> Option<String> {
    if raw.first() != Some(&b'"') {
        return None;
    }
    serde_json::from_slice(raw).ok()
}

/// Checks that `raw` is a JSON number serde_json can read, and returns its text as sent.
fn number_text(raw: &[u8]) -> Result<String, String> {
    match serde_json::from_slice::<Number>(raw) {
        // A number serde_json read is ASCII.
        Ok(_) => Ok(String::from_utf8_lossy(raw).into_owned()),
        Err(e) => Err(problem(&e)),
    }
}

/// Names the kind of a raw value for messages, without echoing it.
fn describe(raw: &[u8]) -> &'static str {
    // serde_json skips a value without recursing, so this holds for any depth.
    match serde_json::from_slice::<IgnoredAny>(raw) {
        Ok(_) => entries::kind(raw),
        Err(_) => "a value that is not valid JSON",
    }
}

/// Says what serde_json found wrong, without its position (which is within one field).
fn problem(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&position) {
        Some(bare) => bare.to_owned(),
        None => message,
    }
}

/// Shows a number from the vendor in a message, cut short when it is long.
fn shown(raw: &[u8]) -> String {
    const LONGEST: usize = 24;
    let text = String::from_utf8_lossy(&raw[..raw.len().min(LONGEST)]).into_owned();
    if raw.len() > LONGEST {
        format!("{text}… ({} characters)", raw.len())
    } else {
        text
    }
}

/// Writes `n` with thousands separators: 10,000,000.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(entry: Value) -> Result<Customer, String> {
        raw(&serde_json::to_vec(&entry).unwrap())
    }

    fn raw(entry: &[u8]) -> Result<Customer, String> {
        let body = [&b"["[..], entry, b"]"].concat();
        let mut list = entries::list(&body).unwrap();
        customer_of(list.next_entry().unwrap().unwrap())
    }

    fn customers(body: &[u8]) -> CustomerList {
        read_customers(entries::list(body).expect("a list")).expect("a well-formed list")
    }

    fn users(body: &[u8]) -> Vec<User> {
        read_users(entries::list(body).expect("a list")).expect("a well-formed list")
    }

    fn ids(list: &CustomerList) -> Vec<&str> {
        list.customers.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn billable_count_reads_whole_numbers() {
        let c = one(json!({"id": "a", "billingUsers": {"count": 7}})).unwrap();
        assert_eq!(c.billable_count, Ok(7));
        let bound = one(json!({"id": "a", "billingUsers": {"count": MAX_PLAUSIBLE_USERS}}));
        assert_eq!(bound.unwrap().billable_count, Ok(MAX_PLAUSIBLE_USERS));
    }

    #[test]
    fn billable_count_refuses_what_is_not_a_count_and_says_why() {
        for (billing_users, why) in [
            (json!(null), "missing"),
            (json!({}), "missing"),
            (json!({"count": -1}), "-1, not a whole number"),
            (json!({"count": 2.5}), "2.5, not a whole number"),
            (json!({"count": "3"}), "text, not a number"),
            (json!({"count": null}), "null, not a number"),
            (json!({"count": [1]}), "a list, not a number"),
            (json!(5), "billingUsers is a number"),
        ] {
            let c = one(json!({"id": "a", "billingUsers": billing_users})).unwrap();
            let problem = c.billable_count.unwrap_err();
            assert!(problem.contains(why), "{billing_users}: {problem}");
        }
    }

    #[test]
    fn counts_above_the_bound_are_refused_showing_the_number_as_sent() {
        let nines = "9".repeat(400);
        for (count, shown) in [
            ("18446744073709551615", "18446744073709551615"),
            ("10000001", "10000001"),
            ("18446744073709551616", "18446744073709551616"),
            (nines.as_str(), "999999999999999999999999… (400 characters)"),
        ] {
            let entry = format!(r#"{{"id":"a","billingUsers":{{"count":{count}}}}}"#);
            let problem = raw(entry.as_bytes()).unwrap().billable_count.unwrap_err();
            assert_eq!(
                problem,
                format!("billingUsers.count is {shown}, above the 10,000,000 users the plugin accepts as plausible")
            );
        }
        assert_eq!(grouped(MAX_PLAUSIBLE_USERS), "10,000,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
    }

    #[test]
    fn a_duplicate_count_with_different_values_is_refused() {
        let twice = "billingUsers.count appears twice with different values";
        for (billing_users, expected) in [
            (r#"{"count": 3, "count": 4}"#, Err(twice.to_owned())),
            (r#"{"count": 3, "count": "3"}"#, Err(twice.to_owned())),
            (r#"{"count": 3, "count": 3}"#, Ok(3)),
            (r#"{"count": 3, "count": 3.0e0}"#, Err(twice.to_owned())),
            (r#"{"count": 3, "c\u006funt": 3}"#, Ok(3)),
        ] {
            let entry = format!(r#"{{"id":"a","billingUsers":{billing_users}}}"#);
            let count = raw(entry.as_bytes()).unwrap().billable_count;
            assert_eq!(count, expected, "{billing_users}");
        }
        let two_objects = br#"{"id":"a","billingUsers":{"count":3},"billingUsers":{"count":4}}"#;
        assert_eq!(
            raw(two_objects).unwrap().billable_count,
            Err("billingUsers appears twice with different values".to_owned())
        );
        let same_count = br#"{"id":"a","billingUsers":{"count":3},"billingUsers":{ "count" : 3 }}"#;
        assert_eq!(raw(same_count).unwrap().billable_count, Ok(3));
    }

    #[test]
    fn a_duplicate_id_with_different_values_makes_the_entry_unusable() {
        let list = customers(
            br#"[{"id":"a","id":"b"},{"id":"c","id":"c"},{"id":"d","id":"\u0064"},{"id":1,"id":"1"},{"id":1,"id":2}]"#,
        );
        assert_eq!(
            ids(&list),
            ["c", "d", "1"],
            "repeats that read the same are harmless"
        );
        assert_eq!(
            list.problems,
            [
                "entry 0: the customer id appears twice with different values",
                "entry 4: the customer id appears twice with different values"
            ]
        );
    }

    #[test]
    fn unreadable_counts_name_the_problem() {
        let c = raw(br#"{"id":"a","billingUsers":{"count":1e309}}"#).unwrap();
        assert_eq!(
            c.billable_count,
            Err("billingUsers.count cannot be read: number out of range".to_owned())
        );
        let deep = format!(
            r#"{{"id":"a","billingUsers":{{"count":{}{}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let problem = raw(deep.as_bytes()).unwrap().billable_count.unwrap_err();
        assert_eq!(problem, "billingUsers.count is a list, not a number");
        let broken = raw(br#"{"id":"a","billingUsers":{"count" 3}}"#).unwrap();
        assert!(broken.billable_count.unwrap_err().contains("broken object"));
    }

    #[test]
    fn vendor_ids_are_kept_exactly_as_sent() {
        let list = customers(
            br#"[{"id":" a b "},{"id":"\tx"},{"id":"C\u00e9"},{"id":42},{"id":4.50},{"id":123456789012345678901234567890},{"id":" "},{"id":""},{"id":1e309},{"id":null}]"#,
        );
        assert_eq!(
            ids(&list),
            [
                " a b ",
                "\tx",
                "Cé",
                "42",
                "4.50",
                "123456789012345678901234567890"
            ]
        );
        assert_eq!(
            list.problems,
            [
                "entry 6: the customer id is blank",
                "entry 7: the customer id is blank",
                "entry 8: the customer id cannot be read: number out of range",
                "entry 9: the customer id is null, not text"
            ]
        );
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
    fn one_unreadable_psa_ref_leaves_the_others() {
        let c = raw(
            b"{\"id\":\"a\",\"mappedToPSA\":[{\"product\":\"cw\",\"mappedTo\":1e309},{\"product\":\"\xff\",\"mappedTo\":\"2\"},{\"product\":\"at\",\"mappedTo\":\"3\",\"x\":[[[[1e999]]]]}]}",
        )
        .unwrap();
        assert_eq!(c.psa_refs, [("at".into(), "3".into())]);
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
    fn unparseable_fields_count_as_absent_for_that_field_only() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let entry = format!(
            "{{\"id\":\"a\",\"name\":{deep},\"customerDomain\":\"\u{0}\",\"status\":\"ok\",\"products\":[1e309, \"\\u12\"],\"billingUsers\":{{\"count\":2}}}}"
        );
        let c = raw(entry.as_bytes()).unwrap();
        assert_eq!(
            (c.name, c.domain, c.status, c.billable_count),
            (None, None, Some("ok".to_owned()), Ok(2))
        );
        let c = raw(b"{\"id\":\"a\",\"name\":\"Caf\xe9\",\"name\":\"Last\"}").unwrap();
        assert_eq!(c.name.as_deref(), Some("Last"), "the last name is kept");
        let c = raw(b"{\"id\":\"a\",\"name\":\"Last\",\"name\":\"Caf\xe9\"}").unwrap();
        assert_eq!(c.name, None);
    }

    #[test]
    fn a_number_out_of_range_fails_only_the_count_it_is_in() {
        let list = customers(
            br#"[{"id":"a","billingUsers":{"count":1}},{"id":"b","score":1e309,"billingUsers":{"count":2}},{"id":"c","billingUsers":{"count":1e309}},{"id":"d","billingUsers":{"count":4}}]"#,
        );
        assert_eq!(ids(&list), ["a", "b", "c", "d"]);
        let counts: Vec<_> = list
            .customers
            .iter()
            .map(|c| c.billable_count.clone())
            .collect();
        assert_eq!(
            counts,
            [
                Ok(1),
                Ok(2),
                Err("billingUsers.count cannot be read: number out of range".to_owned()),
                Ok(4)
            ]
        );
    }

    #[test]
    fn invalid_utf8_fails_only_the_field_it_is_in() {
        let list = customers(b"[{\"id\":\"a\",\"name\":\"A\"},{\"id\":\"b\",\"name\":\"\xff\xfe\",\"billingUsers\":{\"count\":2}},{\"id\":\"c\",\"name\":\"C\"}]");
        assert_eq!(ids(&list), ["a", "b", "c"]);
        let names: Vec<_> = list.customers.iter().map(|c| c.name.as_deref()).collect();
        assert_eq!(names, [Some("A"), None, Some("C")]);
        assert_eq!(list.customers[1].billable_count, Ok(2));
        let bad_id = customers(b"[{\"id\":\"\xff\"},{\"id\":\"a\"}]");
        assert_eq!(ids(&bad_id), ["a"]);
        assert!(bad_id.problems[0].starts_with("entry 0: the customer id cannot be read"));
    }

    #[test]
    fn unusable_entries_are_problems_naming_their_position() {
        let list = customers(
            br#"[{"id":"a"}, null, {"name":"no id"}, {"id":" "}, {"id" 5}, nul, [1, 2], "x", 3]"#,
        );
        assert_eq!(ids(&list), ["a"]);
        assert_eq!(
            list.problems,
            [
                "entry 1: null instead of a customer object",
                "entry 2: the customer has no id",
                "entry 3: the customer id is blank",
                "entry 4: the customer object is broken: expected `:` after a key at byte 6 of the entry",
                "entry 5: a value that is not valid JSON instead of a customer object",
                "entry 6: a list instead of a customer object",
                "entry 7: text instead of a customer object",
                "entry 8: a number instead of a customer object",
            ]
        );
    }

    #[test]
    fn a_broken_list_is_an_error_not_a_shorter_list() {
        for body in [
            &br#"[{"id":"a"},{"id":"b""#[..],
            br#"[{"id":"a"} {"id":"b"}]"#,
        ] {
            assert!(read_customers(entries::list(body).unwrap()).is_err());
            assert!(read_users(entries::list(body).unwrap()).is_err());
        }
    }

    #[test]
    fn users_without_a_boolean_flag_have_none() {
        let users = users(
            br#"[{"isBillable": true, "product": "ms", "extra": {"deep": [1, 2]}}, {"isBillable": "true"}, 7, null, [1], "x"]"#,
        );
        let flags: Vec<_> = users.iter().map(|u| u.is_billable).collect();
        assert_eq!(flags, [Some(true), None, None, None, None, None]);
        assert_eq!(users[0].platform, Platform::Microsoft365);
    }

    #[test]
    fn an_unreadable_user_is_unflagged_and_leaves_the_others() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let body = format!(
            r#"[{{"isBillable":true,"product":{{"type":"ms"}}}},{{"isBillable" true}},{{"isBillable":true,"isBillable":false}},{{"isBillable":true,"isBillable":true,"product":{{"type":{deep},"name":"Slack","x":1e309}}}},{{"isBillable":false,"product":{deep}}}]"#
        );
        let users = users(body.as_bytes());
        let read: Vec<_> = users.iter().map(|u| (u.is_billable, u.platform)).collect();
        assert_eq!(
            read,
            [
                (Some(true), Platform::Microsoft365),
                (None, Platform::Other),
                (None, Platform::Other),
                (Some(true), Platform::Slack),
                (Some(false), Platform::Other),
            ]
        );
    }

    #[test]
    fn users_read_from_parsed_json_as_from_a_body() {
        let user: User =
            serde_json::from_str(r#"{"isBillable":true,"product":{"name":"Google Workspace"}}"#)
                .unwrap();
        assert_eq!(
            (user.is_billable, user.platform),
            (Some(true), Platform::GoogleWorkspace)
        );
    }
}
