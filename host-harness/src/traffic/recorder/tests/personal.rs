//! Personal data in a recording gets pseudonyms, consistent across it; business data stays.

use super::*;

#[test]
fn personal_data_gets_consistent_pseudonyms_and_business_data_stays() {
    let recording = record(&[
        r#"[{"name":"Ada Moreau","email":"ada@acme.example","ip":"203.0.113.7"},{"name":"Ben Okafor","email":"ben@acme.example","ip":"2001:db8:1::5"}]"#,
        r#"[{"fullName":"Ada Moreau","user":"ada@acme.example"},{"name":"Acme & Sons","customerDomain":"acme.example"}]"#,
    ]);
    assert_eq!(
        body(&recording, 0),
        json!([
            {"name": "Person 1", "email": "person-1@acme.example", "ip": "198.51.100.2"},
            {"name": "Person 2", "email": "person-2@acme.example", "ip": "2001:db8::2"}
        ])
    );
    assert_eq!(
        body(&recording, 1),
        json!([
            {"fullName": "Person 1", "user": "person-1@acme.example"},
            {"name": "Acme & Sons", "customerDomain": "acme.example"}
        ])
    );
}

#[test]
fn a_body_with_a_byte_order_mark_is_pseudonymized() {
    let recording = record(&[
        "\u{feff}[{\"name\":\"Ada Moreau\",\"email\":\"ada@acme.example\",\"echo\":\"s3cret-key\"}]",
    ]);
    let replayed = text(&recording, 0);
    let json = replayed.strip_prefix('\u{feff}').expect(replayed);
    assert_eq!(
        serde_json::from_str::<Value>(json).unwrap(),
        json!([{"name": "Person 1", "email": "person-1@acme.example", "echo": REDACTED}])
    );
}

#[test]
fn a_text_body_that_is_json_is_pseudonymized() {
    let recording = record_raw(&[
        raw(
            "http://v.example/a",
            "text/plain",
            r#" {"email":"ada@acme.example"} "#,
        ),
        raw(
            "http://v.example/b",
            "application/x-ndjson",
            "{\"displayName\":\"Ben Okafor\"}\r\n{\"ip\":\"203.0.113.9\"}\n",
        ),
    ]);
    assert_eq!(
        body(&recording, 0),
        json!({"email": "person-1@acme.example"})
    );
    assert_eq!(
        text(&recording, 1),
        "{\"displayName\":\"Person 1\"}\r\n{\"ip\":\"198.51.100.2\"}\n"
    );
}

#[test]
fn json_encoded_inside_a_json_string_is_pseudonymized() {
    let inner = json!({"user": {"displayName": "Ada Moreau", "email": "ada@acme.example"}});
    let twice = json!({"level": inner.to_string()}).to_string();
    let recording = record(&[&json!({"payload": inner.to_string(), "deeper": twice,
        "plain": "[1, 2]"})
    .to_string()]);
    let recorded = body(&recording, 0);
    let pseudonymized =
        json!({"user": {"displayName": "Person 1", "email": "person-1@acme.example"}});
    assert_eq!(recorded["payload"], pseudonymized.to_string());
    assert_eq!(
        recorded["deeper"],
        json!({"level": pseudonymized.to_string()}).to_string()
    );
    assert_eq!(recorded["plain"], "[1, 2]");
}

#[test]
fn a_name_with_an_address_is_pseudonymized_whole() {
    let recording = record(&[r#"{
        "from": "Ada Moreau <ada@acme.example>",
        "to": "\"Ben Okafor\" <ben@acme.example>, cleo diaz <cleo@acme.example>",
        "body": "Forwarded by Ada de Moreau <ada@acme.example> today"}"#]);
    assert_eq!(
        body(&recording, 0),
        json!({
            "from": "Person 2 <person-1@acme.example>",
            "to": "\"Person 3\" <person-2@acme.example>, Person 4 <person-3@acme.example>",
            "body": "Forwarded by Person 1 <person-1@acme.example> today"
        })
    );
}

#[test]
fn emails_inside_free_text_and_as_object_keys_are_pseudonymized() {
    let recording = record(&[
        r#"{"note":"Ask Ada (ada.moreau@acme.example), or mailto:ben_o+it@acme.example.","seats":{"ada.moreau@acme.example":2},"guest":"cleo_diaz.example#EXT#@acme.onmicrosoft.com","link":"https://x.example/?user=dan@acme.example"}"#,
    ]);
    assert_eq!(
        body(&recording, 0),
        json!({
            "guest": "person-1@acme.onmicrosoft.com",
            "link": "https://x.example/?user=person-2@acme.example",
            "note": "Ask Ada (person-3@acme.example), or mailto:person-4@acme.example.",
            "seats": {"person-3@acme.example": 2}
        })
    );
}

#[test]
fn phone_numbers_in_text_and_values_are_pseudonymized() {
    let recording = record(&[r#"{
        "description": "Call +33 6 12 34 56 78, (555) 010-9999 or 06.12.34.56.78.",
        "mobile": "0612345678",
        "businessPhones": ["+44 20 7946 0958"],
        "fax": 5550109999,
        "contact": {"tel": "+33612345678"}}"#]);
    assert_eq!(
        body(&recording, 0),
        json!({
            "description": "Call +1-555-0101, +1-555-0102 or +1-555-0103.",
            "mobile": "+1-555-0103",
            "businessPhones": ["+1-555-0100"],
            "fax": 15550102,
            "contact": {"tel": "+1-555-0101"}
        })
    );
}

#[test]
fn dates_ids_counts_and_versions_are_not_taken_for_phone_numbers() {
    let untouched = json!({
        "id": "29683412", "mappedTo": 19002, "count": 1234567, "customerId": "c-1234567",
        "date": "2026-11-01", "when": "2026-11-01 10:22", "at": "2024-03-18T10:22:41.000Z",
        "us": "11/01/2026", "eu": "01.11.2026", "version": "10.0.19045.2965",
        "build": "16.0.1234.1000", "total": "1 234 567", "dots": "1.234.567",
        "uuid": "123e4567-e89b-12d3-a456-426614174000", "time": "10:22:41",
        "mac": "00:1a:2b:3c:4d:5e", "sentence": "Build 10.0.19045.2965 of 2026-11-01 for 1 234 567 seats, ticket #20261101"
    });
    let recording = record(&[&untouched.to_string()]);
    assert_eq!(body(&recording, 0), untouched);
}

#[test]
fn ip_addresses_inside_free_text_are_pseudonymized() {
    let recording = record(&[
        r#"{"log":"At 10:22:41 from 203.0.113.7 and 2001:DB8:1::5, then [2001:db8:1::5]:443 and 203.0.113.8:8080.","ips":{"203.0.113.7":"ok"}}"#,
    ]);
    assert_eq!(
        body(&recording, 0),
        json!({
            "log": "At 10:22:41 from 198.51.100.2 and 2001:db8::2, then [2001:db8::2]:443 and 198.51.100.4:8080.",
            "ips": {"198.51.100.2": "ok"}
        })
    );
}

#[test]
fn names_without_an_email_beside_them_are_pseudonymized() {
    let recording = record_raw(&[
        raw(
            "http://v.example/api/v1/report",
            "application/json",
            r#"[{"displayName":"Ada Moreau","id":"u1"},{"firstName":"Ada","last_name":"Moreau"},{"name":{"first":"Cleo","last":"Diaz"},"phone":"+1 202 555 0147"}]"#,
        ),
        raw(
            "http://v.example/api/v1/users",
            "application/json",
            r#"[{"name":"Ben Okafor","id":"u2","products":[{"id":"p1","name":"Microsoft"}]}]"#,
        ),
        raw(
            "http://v.example/api/v1/members",
            "application/json",
            r#"{"data":[{"name":"Dan Ek","id":"u4"}],"name":"page","total":1}"#,
        ),
        raw(
            "http://v.example/api/v1/groups",
            "application/json",
            r#"{"data":[{"name":"Sales","id":"g1"}],"total":1}"#,
        ),
    ]);
    assert_eq!(
        body(&recording, 0),
        json!([{"displayName": "Person 1", "id": "u1"},
            {"firstName": "Person 2", "last_name": "Person 3"},
            {"name": {"first": "Person 4", "last": "Person 5"}, "phone": "+1-555-0100"}])
    );
    assert_eq!(
        body(&recording, 1),
        json!([{"name": "Person 6", "id": "u2", "products": [{"id": "p1", "name": "Microsoft"}]}])
    );
    assert_eq!(
        body(&recording, 2),
        json!({"data": [{"name": "Dan Ek", "id": "u4"}], "name": "Person 7", "total": 1}),
        "an object with a name is a person, not a wrapper"
    );
    assert_eq!(
        body(&recording, 3),
        json!({"data": [{"name": "Sales", "id": "g1"}], "total": 1})
    );
}

#[test]
fn a_list_of_people_is_found_through_its_wrapper() {
    let recording = record_raw(&[raw(
        "http://v.example/api/v1/users",
        "application/json",
        r#"{"value":[{"name":"Dan Ek","id":"u4"}],"total":1}"#,
    )]);
    assert_eq!(
        body(&recording, 0),
        json!({"value": [{"name": "Person 1", "id": "u4"}], "total": 1})
    );
}

#[test]
fn a_managers_name_and_email_are_pseudonymized() {
    let recording = record(&[
        r#"[{"email":"ada@acme.example","name":"Ada Moreau","manager":{"name":"Ben Okafor","mail":"ben@acme.example"}},
            {"email":"cleo@acme.example","manager":"Ben Okafor","createdBy":"system","owner":"u1"}]"#,
    ]);
    assert_eq!(
        body(&recording, 0),
        json!([
            {"email": "person-1@acme.example", "name": "Person 2",
             "manager": {"name": "Person 1", "mail": "person-2@acme.example"}},
            {"email": "person-3@acme.example", "manager": "Person 1", "createdBy": "system",
             "owner": "u1"}
        ])
    );
}

#[test]
fn a_customer_list_comes_out_unchanged() {
    // Keys in order, as the recording writes them, so that the bytes can be compared.
    let customers = r#"[{"billingUsers":{"count":3},"createTime":"2024-03-18T10:22:41.000Z","customerDomain":"acme.example","id":"c1","mappedToPSA":[{"mappedTo":"29683412","product":"autotaskpsa"}],"name":"Acme & Sons","products":[{"name":"Microsoft"}],"status":"active","totalAccountsAmount":6},{"billingUsers":{"count":0},"customerDomain":"cafe-delice.example","id":"c2","name":"Café Délice  ","status":"inactive"}]"#;
    let csv = "id,name,customerDomain,status,seats\nc1,Acme & Sons,acme.example,active,3\n";
    let recording = record_raw(&[
        raw(
            "http://v.example/api/v1/customers",
            "application/json",
            customers,
        ),
        raw("http://v.example/api/v1/customers.csv", "text/csv", csv),
    ]);
    assert_eq!(body(&recording, 0).to_string(), customers);
    assert_eq!(text(&recording, 1), csv);
}

#[test]
fn pseudonyms_are_the_same_in_bodies_paths_queries_and_credentials() {
    let mut lookup = raw(
        "http://v.example/api/v1/users/ada%40acme.example/devices?owner=ada@acme.example&from=2026-11-01",
        "application/json",
        r#"{"lastIp":"203.0.113.7"}"#,
    );
    lookup.request_headers = [("x-user".to_owned(), "admin@msp.example".to_owned())].into();
    let list = raw(
        "http://v.example/api/v1/users",
        "application/json",
        r#"[{"email":"Ada@Acme.example","ip":"203.0.113.7"}]"#,
    );
    let credentials: Credentials = [("api_key", KEY), ("login", "admin@msp.example")]
        .into_iter()
        .collect();
    let (recording, replay) = fixtures_of(
        &[lookup, list],
        &credentials,
        &Secrets::new([KEY]),
        &[],
        "t".into(),
    );
    let request = &recording.exchanges[0].request;
    assert_eq!(
        request.path,
        "/api/v1/users/person-2%40acme.example/devices"
    );
    assert_eq!(request.query["owner"], "person-2@acme.example");
    assert_eq!(request.query["from"], "2026-11-01");
    assert_eq!(request.headers["x-user"], "person-1@msp.example");
    assert_eq!(replay.get("login"), Some("person-1@msp.example"));
    assert_eq!(body(&recording, 0), json!({"lastIp": "198.51.100.2"}));
    assert_eq!(
        body(&recording, 1),
        json!([{"email": "person-2@acme.example", "ip": "198.51.100.2"}])
    );
}

#[test]
fn names_found_anywhere_are_pseudonymized_in_free_text_everywhere() {
    let recording = record_raw(&[
        raw(
            "http://v.example/export.csv",
            "text/csv",
            "name,status\nAda Moreau,active\nAda Moreaux,active\n",
        ),
        raw(
            "http://v.example/api/v1/report",
            "application/json",
            r#"[{"displayName":"Ada Moreau"},{"event":"Ada Moreau signed in"}]"#,
        ),
    ]);
    assert_eq!(
        text(&recording, 0),
        "name,status\nPerson 1,active\nAda Moreaux,active\n"
    );
    assert_eq!(
        body(&recording, 1),
        json!([{"displayName": "Person 1"}, {"event": "Person 1 signed in"}])
    );
}

#[test]
fn a_card_number_and_an_ssn_are_not_mangled_by_the_phone_rule() {
    // Both were `4111 +1-555-0100`-like: the phone rule took their last groups.
    let recording =
        record(&[r#"{"note":"Card 4111 1111 1111 1111, SSN 123-45-6789, call +44 20 7946 0958"}"#]);
    assert_eq!(
        body(&recording, 0),
        json!({"note": "Card 4000 0000 0000 0010, SSN 000-00-0001, call +1-555-0100"})
    );
}

#[test]
fn addresses_ninos_ibans_and_dashed_cards_are_pseudonymized_whole() {
    let recording = record(&[r#"{
        "address": "221B Baker Street, London NW1 6XE",
        "billingAddress": {"line1": "10 Downing St", "city": "London", "postalCode": "SW1A 2AA"},
        "emailAddress": "ada@acme.example",
        "ssn": "078051120",
        "note": "Ship to 1600 Pennsylvania Avenue NW; NINO AB 12 34 56 C, IBAN GB82 WEST 1234 5698 7654 32, card 5555-5555-5555-4444"}"#]);
    assert_eq!(
        body(&recording, 0),
        json!({
            "address": "1 Example Street",
            "billingAddress": {"line1": "2 Example Street", "city": "London",
                "postalCode": "3 Example Street"},
            "emailAddress": "person-1@acme.example",
            "ssn": "000000001",
            "note": "Ship to 4 Example Street NW; NINO QQ 00 00 01 A, IBAN GB00 TEST 0000 0000 0000 01, card 4000-0000-0000-0010"
        })
    );
}
