//! Bounded fuzzing of every SaaS Alerts response parser: whatever the vendor sends, the plugin
//! answers with a result or a typed error, and never panics (a panic would trap the call).

use plugin_contract::{Credentials, CredentialsInput, FetchUsageInput, VendorPlugin};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::testing::FakeHttp;
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
    ]
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
        let http = FakeHttp::new().bytes("/reports/customers", status, &customers);
        let mut plugin = SaasAlerts::new(http);
        let input = CredentialsInput { credentials: credentials() };
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
    fn no_users_response_makes_fetch_usage_panic(status in prop_oneof![Just(200u16), 100u16..600], users in body(), count in json_value()) {
        let customers = json!([{"id": "c1", "billingUsers": {"count": count}}]).to_string();
        let http = FakeHttp::new()
            .json("/reports/customers", 200, &customers)
            .bytes("/reports/users?customerId=c1", status, &users);
        let usage = SaasAlerts::new(http).fetch_usage(&FetchUsageInput {
            credentials: credentials(),
            as_of: "2026-11-01T00:00:00Z".into(),
            account_ids: None,
            service_ids: None,
        });
        if let Ok(usage) = usage {
            // Every requested pair is a record or a failure, never both, never neither.
            let failed: usize = usage.failed_accounts.iter().map(|f| f.service_ids.len()).sum();
            prop_assert_eq!(usage.records.len() + failed, crate::services::catalog().len());
        }
    }
}
