//! Hostile vendors and odd keys: a customer named after the key, a Retry-After of 2^64-1, ids the vendor listed.

use super::*;

#[test]
fn a_customer_named_after_the_key_is_printed_without_it_in_any_form() {
    let key = "K3y/with+odd=chars";
    // Raw, percent-encoded once and twice and byte by byte, base64 alone and after `user:`,
    // hex, HTML references.
    let customers: Vec<_> = host_harness::traffic::echo::echo_forms(key)
        .into_iter()
        .enumerate()
        .map(|(n, form)| json!({"id": format!("c{n}"), "name": format!("Echo {form}"), "billingUsers": {"count": n}}))
        .collect();
    let customers = json!(customers);
    let folder = scenario_folder(
        "echoing-vendor",
        vec![
            serde_json::to_value(json_exchange("/reports/customers", None, &[], customers))
                .expect("exchange"),
        ],
    );
    let folder = folder.to_str().expect("utf-8 path");
    let padded = format!("  {key}  ");
    let secrets = plugin_contract::Secrets::new([padded.as_str()]);
    for command in ["accounts", "authenticate"] {
        let run = harness(
            &[command, "--replay", folder],
            &[("HARNESS_CRED_API_KEY", &padded)],
        );
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(!secrets.found_in(&run.stdout), "{}", run.stdout);
        assert!(!secrets.found_in(&run.stderr), "{}", run.stderr);
    }
}

#[test]
fn a_retry_after_of_u64_max_ends_the_retries_without_a_panic() {
    let exchange = json!({
        "request": {"method": "GET", "path": "/reportApi/api/v1/reports/customers"},
        "response": {"status": 429, "headers": {"retry-after": "18446744073709551615"}, "body_text": ""}
    });
    let folder = scenario_folder("retry-after-u64-max", vec![exchange]);
    let run = harness(
        &[
            "authenticate",
            "--replay",
            folder.to_str().expect("utf-8 path"),
            "--retry-budget",
            "5",
        ],
        &[],
    );
    assert_eq!(run.code, 14, "{}{}", run.stdout, run.stderr);
    // Past 2^53−1 the host fills in 2^53−1, the largest integer every JSON reader holds exactly.
    assert_eq!(
        run.json()["error"]["retry_after_s"],
        json!(plugin_contract::host::MAX_RETRY_AFTER_S)
    );
}

#[test]
fn ids_the_vendor_listed_are_accepted_back_by_usage() {
    let long = "x".repeat(200);
    let ids = [" padded ", "with\ttab", long.as_str()];
    let customers: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "name": "N", "billingUsers": {"count": 5}}))
        .collect();
    let folder = scenario_folder(
        "odd-vendor-ids",
        vec![serde_json::to_value(json_exchange(
            "/reports/customers",
            None,
            &[],
            Value::Array(customers),
        ))
        .expect("exchange")],
    );
    let folder = folder.to_str().expect("utf-8 path");
    let listed = harness(&["accounts", "--replay", folder], &[]).json();
    let listed: Vec<&str> = listed["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed.len(), 3);
    let mut args = vec![
        "usage",
        "--replay",
        folder,
        "--as-of",
        "2026-11-01T00:00:00Z",
    ];
    for id in &listed {
        args.extend(["--account", id]);
    }
    args.extend(["--service", "billable-users"]);
    let usage = harness(&args, &[]);
    assert_eq!(usage.code, 0, "{}{}", usage.stdout, usage.stderr);
    let usage = usage.json();
    assert_eq!(
        usage["records"].as_array().expect("records").len(),
        3,
        "{usage}"
    );
    assert_eq!(usage["failed_accounts"], json!([]));
}
