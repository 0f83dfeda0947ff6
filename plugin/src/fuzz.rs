//! Bounded fuzzing of every SaaS Alerts response parser: whatever the vendor sends, the plugin
//! answers with a result or a typed error, and never panics (a panic would trap the call); and
//! what serde_json cannot read inside one entry (deep nesting, a number out of range, text that
//! is not UTF-8) costs that entry at most, never the others.

use plugin_contract::{Credentials, CredentialsInput, FetchUsageInput, VendorPlugin};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::testing::fake_saas_alerts;
use crate::SaasAlerts;

/// Any JSON value, biased towards the keys and shapes SaaS Alerts uses.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("name".to_owned()),
        Just("status".to_owned()),
        Just("customerDomain".to_owned()),
        Just("billingUsers".to_owned()),
        Just("count".to_owned()),
        Just("mappedToPSA".to_owned()),
        Just("product".to_owned()),
        Just("mappedTo".to_owned()),
        Just("isBillable".to_owned()),
        Just("type".to_owned()),
        "[a-z]{1,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body: arbitrary bytes, or JSON (whole or cut short).
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (json_value(), any::<usize>()).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            let cut = cut % (text.len() + 1);
            text[..cut].to_vec()
        }),
        prop::collection::vec(json_value(), 0..5)
            .prop_map(|v| Value::Array(v).to_string().into_bytes()),
        poisoned_customers().prop_map(|c| c.body),
        poisoned_users().prop_map(|u| u.body),
    ]
}

/// What serde_json cannot read inside a document: nesting past its recursion limit (128), a
/// number out of its range, or a string that is not UTF-8.
fn poison() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (129usize..3_000, any::<bool>()).prop_map(|(depth, objects)| {
            let deep = if objects {
                format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
            } else {
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            };
            deep.into_bytes()
        }),
        prop::sample::select(vec![
            "1e309",
            "-1e400",
            "1.5e99999",
            "18446744073709551616",
            "123456789012345678901234567890e300",
        ])
        .prop_map(|n| n.as_bytes().to_vec()),
        // 0xff is never part of UTF-8, whatever follows it.
        ("[a-z]{0,4}", prop::collection::vec(0x80u8..=0xff, 0..4)).prop_map(|(text, bad)| {
            let mut string = b"\"".to_vec();
            string.extend_from_slice(text.as_bytes());
            string.push(0xff);
            string.extend(bad);
            string.push(b'"');
            string
        }),
    ]
}

/// A customers body whose entry `poisoned` carries a [`poison`] as the value of `place`.
#[derive(Clone, Debug)]
struct PoisonedCustomers {
    body: Vec<u8>,
    customers: usize,
    poisoned: usize,
    place: &'static str,
}

/// Customer `i` is `{"id": "c<i>", "name": "N<i>", "billingUsers": {"count": 7 * i}}`.
fn poisoned_customers() -> impl Strategy<Value = PoisonedCustomers> {
    let place = prop::sample::select(vec![
        "id",
        "name",
        "customerDomain",
        "status",
        "mappedToPSA",
        "products",
        "count",
        "nested",
    ]);
    (1usize..6, any::<prop::sample::Index>(), place, poison()).prop_map(
        |(customers, poisoned, place, poison)| {
            let poisoned = poisoned.index(customers);
            let mut body = b"[".to_vec();
            for i in 0..customers {
                if i > 0 {
                    body.extend_from_slice(b",\n ");
                }
                let count = (7 * i).to_string();
                let mut fields: Vec<(&str, Vec<u8>)> = vec![
                    ("id", format!("\"c{i}\"").into_bytes()),
                    ("name", format!("\"N{i}\"").into_bytes()),
                    (
                        "billingUsers",
                        format!(r#"{{"count": {count}}}"#).into_bytes(),
                    ),
                ];
                if i == poisoned {
                    match place {
                        "count" => {
                            let mut billing = br#"{"x": 1, "count": "#.to_vec();
                            billing.extend_from_slice(&poison);
                            billing.push(b'}');
                            fields[2].1 = billing;
                        }
                        "nested" => {
                            let mut products =
                                br#"[{"name": "Microsoft", "licenses": [1, "#.to_vec();
                            products.extend_from_slice(&poison);
                            products.extend_from_slice(b"]}]");
                            fields.push(("products", products));
                        }
                        "id" | "name" => {
                            let at = usize::from(place == "name");
                            fields[at].1 = poison.clone();
                        }
                        other => fields.push((other, poison.clone())),
                    }
                }
                body.push(b'{');
                for (n, (key, value)) in fields.iter().enumerate() {
                    if n > 0 {
                        body.push(b',');
                    }
                    body.extend_from_slice(format!("\"{key}\": ").as_bytes());
                    body.extend_from_slice(value);
                }
                body.push(b'}');
            }
            body.push(b']');
            PoisonedCustomers {
                body,
                customers,
                poisoned,
                place,
            }
        },
    )
}

/// A users body of billable Microsoft 365 users whose entry `poisoned` carries a [`poison`] as
/// the value of `place`.
#[derive(Clone, Debug)]
struct PoisonedUsers {
    body: Vec<u8>,
    users: usize,
    place: &'static str,
}

fn poisoned_users() -> impl Strategy<Value = PoisonedUsers> {
    let place = prop::sample::select(vec!["isBillable", "product", "name", "x"]);
    (1usize..8, any::<prop::sample::Index>(), place, poison()).prop_map(
        |(users, poisoned, place, poison)| {
            let poisoned = poisoned.index(users);
            let mut body = b"[".to_vec();
            for i in 0..users {
                if i > 0 {
                    body.push(b',');
                }
                let mut fields: Vec<(&str, Vec<u8>)> = vec![
                    ("isBillable", b"true".to_vec()),
                    ("product", br#"{"type": "ms"}"#.to_vec()),
                    ("name", format!("\"U{i}\"").into_bytes()),
                ];
                if i == poisoned {
                    match fields.iter_mut().find(|(key, _)| *key == place) {
                        Some(field) => field.1 = poison.clone(),
                        None => fields.push((place, poison.clone())),
                    }
                }
                body.push(b'{');
                for (n, (key, value)) in fields.iter().enumerate() {
                    if n > 0 {
                        body.push(b',');
                    }
                    body.extend_from_slice(format!("\"{key}\": ").as_bytes());
                    body.extend_from_slice(value);
                }
                body.push(b'}');
            }
            body.push(b']');
            PoisonedUsers { body, users, place }
        },
    )
}

fn credentials() -> Credentials {
    [("api_key", "k"), ("api_url", "https://sa.example")]
        .into_iter()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_customers_response_makes_any_call_panic(status in prop_oneof![Just(200u16), 100u16..600], customers in body()) {
        let http = fake_saas_alerts().answer("/reports/customers", status, &customers);
        let mut plugin = SaasAlerts::new(http);
        let input = CredentialsInput::new(credentials());
        let _ = plugin.authenticate(&input);
        let _ = plugin.list_accounts(&input);
        let _ = plugin.fetch_usage(&FetchUsageInput {
            credentials: credentials(),
            as_of: "2026-11-01T00:00:00Z".into(),
            account_ids: None,
            service_ids: Some(vec!["billable-users".into()]),
        });
    }

    #[test]
    fn both_ways_of_reading_a_list_find_the_same_entries(body in body()) {
        if let Some(list) = vendor_kit::entries::list(&body) {
            let by_iterator: Vec<_> = list.clone().collect();
            let mut list = list;
            let mut by_next_entry = Vec::new();
            while let Some(entry) = list.next_entry() {
                by_next_entry.push(entry.map(|entry| entry.raw));
            }
            prop_assert_eq!(by_iterator, by_next_entry);
        }
    }

    #[test]
    fn the_scanner_splits_valid_json_as_serde_json_reads_it(entries in prop::collection::vec(json_value(), 0..6), pretty: bool) {
        let body = if pretty {
            serde_json::to_vec_pretty(&entries)
        } else {
            serde_json::to_vec(&entries)
        };
        let body = body.expect("JSON values serialize");
        let mut list = vendor_kit::entries::list(&body).expect("a list");
        let mut read = Vec::new();
        while let Some(entry) = list.next_entry() {
            let entry = entry.expect("a well-formed list");
            let value: Value = serde_json::from_slice(entry.raw).expect("the entry alone is JSON");
            if let Some(members) = entry.members {
                let members = members.expect("a well-formed object");
                let fields: serde_json::Map<String, Value> = members
                    .iter()
                    .map(|m| {
                        let key: String = serde_json::from_slice(m.raw_key).expect("a key");
                        (key, serde_json::from_slice(m.value).expect("a value"))
                    })
                    .collect();
                prop_assert_eq!(Value::Object(fields), value.clone());
            }
            read.push(value);
        }
        // Compared as serde_json reads each entry's own text (its float parsing is not exact).
        let expected: Vec<Value> = entries
            .iter()
            .map(|entry| serde_json::from_str(&entry.to_string()).expect("JSON"))
            .collect();
        prop_assert_eq!(read, expected);
    }

    #[test]
    fn one_poisoned_customer_leaves_the_others_readable(case in poisoned_customers()) {
        let http = fake_saas_alerts().answer("/reports/customers", 200, &case.body);
        let mut plugin = SaasAlerts::new(http);
        let input = CredentialsInput::new(credentials());
        let accounts = plugin.list_accounts(&input);
        prop_assert!(accounts.is_ok(), "{:?}", accounts);
        let accounts = accounts.unwrap();
        let usage = plugin.fetch_usage(&FetchUsageInput {
            credentials: credentials(),
            as_of: "2026-11-01T00:00:00Z".into(),
            account_ids: None,
            service_ids: Some(vec!["billable-users".into()]),
        });
        prop_assert!(usage.is_ok(), "{:?}", usage);
        let usage = usage.unwrap();
        for i in 0..case.customers {
            let id = format!("c{i}");
            let account = accounts.accounts.iter().find(|a| a.id == id);
            let record = usage.records.iter().find(|r| r.account_id == id);
            let failed = usage.failed_accounts.iter().find(|f| f.account_id == id);
            if i != case.poisoned {
                prop_assert_eq!(account.map(|a| a.name.clone()), Some(format!("N{i}")));
                prop_assert_eq!(record.map(|r| r.quantity), Some(7 * i as u64));
                continue;
            }
            match case.place {
                // A poisoned id may still be a number serde_json reads (as another id).
                "id" => prop_assert!(record.is_none() && failed.is_none()),
                "count" => {
                    prop_assert!(account.is_some());
                    prop_assert!(record.is_none());
                    prop_assert_eq!(failed.map(|f| f.error.class), Some(plugin_contract::ErrorClass::Vendor));
                }
                place => {
                    prop_assert!(account.is_some(), "{}", place);
                    prop_assert_eq!(record.map(|r| r.quantity), Some(7 * i as u64));
                }
            }
        }
    }

    #[test]
    fn one_poisoned_user_leaves_the_others_counted(case in poisoned_users()) {
        let customers = format!(r#"[{{"id": "c1", "billingUsers": {{"count": {}}}}}]"#, case.users);
        let http = fake_saas_alerts()
            .answer("/reports/customers", 200, &customers)
            .answer("/reports/users?customerId=c1", 200, &case.body);
        let usage = SaasAlerts::new(http).fetch_usage(&FetchUsageInput {
            credentials: credentials(),
            as_of: "2026-11-01T00:00:00Z".into(),
            account_ids: None,
            service_ids: Some(vec!["billable-users.microsoft-365".into()]),
        });
        prop_assert!(usage.is_ok(), "{:?}", usage);
        let usage = usage.unwrap();
        prop_assert!(usage.failed_accounts.is_empty(), "{:?}", usage.failed_accounts);
        let counted = usage.records.first().map(|r| r.quantity);
        let expected = match case.place {
            "isBillable" | "product" => case.users as u64 - 1,
            _ => case.users as u64,
        };
        prop_assert_eq!(counted, Some(expected));
    }

    #[test]
    fn no_users_response_makes_fetch_usage_panic(status in prop_oneof![Just(200u16), 100u16..600], users in body(), count in json_value()) {
        let customers = json!([{"id": "c1", "billingUsers": {"count": count}}]).to_string();
        let http = fake_saas_alerts()
            .answer("/reports/customers", 200, &customers)
            .answer("/reports/users?customerId=c1", status, &users);
        let usage = SaasAlerts::new(http).fetch_usage(&FetchUsageInput {
            credentials: credentials(),
            as_of: "2026-11-01T00:00:00Z".into(),
            account_ids: None,
            service_ids: None,
        });
        if let Ok(usage) = usage {
            // Every requested pair is a record or a failure, never both, never neither.
            let services: Vec<String> =
                crate::services::catalog().into_iter().map(|s| s.id).collect();
            let coverage = usage.check_coverage(&["c1"], &services);
            prop_assert!(coverage.is_ok(), "{:?}", coverage);
        }
    }
}
