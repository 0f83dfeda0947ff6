//! Faults, limits and secrets: every failure is a typed result a host can act on, retries
//! happen where they belong, and the API key never leaves the request header.

mod support;

use std::io::{Read, Write};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use host_harness::flow::run_seed;
use host_harness::runtime::retry::{RetryPolicy, Retrying};
use host_harness::traffic::replay::{
    Exchange, RecordedRequest, RecordedResponse, Recording, ReplayServer,
};
use plugin_contract::{Credentials, ErrorClass, VendorPlugin};
use support::{compile_with, compiled_plugin, root, Scenario, SECRET_KEY};

fn quick_retries(budget_ms: u64) -> RetryPolicy {
    RetryPolicy {
        budget: Duration::from_millis(budget_ms),
        first_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
    }
}

/// Serves one GET of the customer list with `response`.
fn customers_answering(response: RecordedResponse) -> ReplayServer {
    let recording = Recording {
        source: "built by tests/faults.rs".into(),
        exchanges: vec![Exchange {
            request: RecordedRequest {
                method: "GET".into(),
                path: "/reportApi/api/v1/reports/customers".into(),
                query: Default::default(),
                headers: Default::default(),
                body: None,
            },
            response,
        }],
    };
    let credentials: Credentials = [("api_url", "{replay_url}")].into_iter().collect();
    ReplayServer::serve(recording, credentials).expect("server starts")
}

fn response(status: u16, body: String, headers: &[(&str, &str)]) -> RecordedResponse {
    RecordedResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: None,
        body_text: Some(body),
        delay_ms: None,
        not_http: false,
    }
}

// ---- retries: the plugin reports, the harness library retries ----

#[test]
fn rate_limited_then_ok_succeeds_after_waiting_retry_after() {
    let s = Scenario::start("rate-limited-then-ok");
    let started = Instant::now();
    let mut plugin = Retrying::new(s.plugin, quick_retries(5_000));
    let accounts = plugin.list_accounts(&support::credentials_input(&s.credentials));
    assert_eq!(accounts.expect("second attempt succeeds").accounts.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(
        s.replay
            .served()
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        [429, 200]
    );
}

#[test]
fn unavailable_twice_then_ok_succeeds() {
    let s = Scenario::start("unavailable-twice-then-ok");
    let mut plugin = Retrying::new(s.plugin, quick_retries(5_000));
    let result = plugin.authenticate(&support::credentials_input(&s.credentials));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        s.replay
            .served()
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        [503, 503, 200]
    );
}

#[test]
fn a_permanent_503_stops_within_the_budget_as_transient() {
    let s = Scenario::start("unavailable-503");
    let started = Instant::now();
    let mut plugin = Retrying::new(s.plugin, quick_retries(1_500));
    let error = plugin
        .authenticate(&support::credentials_input(&s.credentials))
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Transient);
    assert!(
        started.elapsed() < Duration::from_millis(2_500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        s.replay.served().len() >= 3,
        "it was retried: {:?}",
        s.replay.served()
    );
}

#[test]
fn a_rejected_key_is_never_retried() {
    let s = Scenario::start("bad-key-401");
    let mut plugin = Retrying::new(s.plugin, quick_retries(5_000));
    let error = plugin
        .authenticate(&support::credentials_input(&s.credentials))
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Auth);
    assert_eq!(s.replay.served().len(), 1);
}

// ---- limits from manifest.json ----

#[test]
fn a_vendor_slower_than_timeout_ms_ends_the_call_as_transient() {
    let compiled = compile_with(|m| m.limits.timeout_ms = 1_000);
    let mut s = Scenario::start_with("slow-vendor", &compiled);
    let started = Instant::now();
    let error = s.plugin.authenticate(&s.input()).unwrap_err();
    assert_eq!(error.class, ErrorClass::Transient, "{error:?}");
    assert!(error.message.contains("timeout_ms"), "{}", error.message);
    assert!(
        started.elapsed() < Duration::from_millis(2_500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_body_over_max_http_response_bytes_is_a_vendor_error() {
    let compiled = compile_with(|m| m.limits.max_http_response_bytes = 64 * 1024);
    let body = format!("[{}]", vec![r#"{"id":"x"}"#; 20_000].join(","));
    let replay = customers_answering(response(200, body, &[("content-type", "application/json")]));
    let mut s = Scenario::with_replay(replay, &compiled);
    let error = s.plugin.list_accounts(&s.input()).unwrap_err();
    assert_eq!(error.class, ErrorClass::Vendor, "{error:?}");
    assert!(
        error
            .message
            .contains("max_http_response_bytes (65536 bytes)"),
        "{}",
        error.message
    );
}

#[test]
fn a_tenant_bigger_than_memory_max_pages_is_an_internal_error_not_a_crash() {
    let compiled = compile_with(|m| m.limits.memory_max_pages = 48);
    let customer = r#"{"id":"Ac7mE2sOnS9q4RtY1uVw","name":"Acme & Sons","status":"active","billingUsers":{"count":3}}"#;
    let body = format!("[{}]", vec![customer; 40_000].join(","));
    let replay = customers_answering(response(200, body, &[("content-type", "application/json")]));
    let mut s = Scenario::with_replay(replay, &compiled);
    let error = s.plugin.list_accounts(&s.input()).unwrap_err();
    assert_eq!(error.class, ErrorClass::Internal, "{error:?}");
    assert!(
        error.message.contains("memory_max_pages"),
        "{}",
        error.message
    );
}

// ---- transport faults ----

#[test]
fn a_redirect_to_another_host_is_not_followed_and_the_key_does_not_travel() {
    let elsewhere = customers_answering(response(200, "[]".into(), &[]));
    let location = format!(
        "http://localhost:{}/steal",
        elsewhere.base_url().rsplit(':').next().unwrap_or("")
    );
    let compiled = compile_with(|m| m.allowed_hosts.push("localhost".into()));
    let replay = customers_answering(response(302, String::new(), &[("location", &location)]));
    let mut s = Scenario::with_replay(replay, &compiled);
    let error = s.plugin.authenticate(&s.input()).unwrap_err();
    assert_eq!(
        (error.class, error.http_status),
        (ErrorClass::Config, Some(302)),
        "{error:?}"
    );
    assert!(
        error.message.contains("redirect (HTTP 302)"),
        "{}",
        error.message
    );
    assert!(
        elsewhere.served().is_empty(),
        "the redirect target got a request"
    );
}

#[test]
fn a_refused_connection_is_transient() {
    let compiled = compiled_plugin();
    let mut plugin = compiled.instantiate().expect("instantiates");
    let credentials = [("api_key", SECRET_KEY), ("api_url", "http://127.0.0.1:1")];
    let input = support::credentials_input(&credentials.into_iter().collect());
    let error = plugin.authenticate(&input).unwrap_err();
    assert_eq!(error.class, ErrorClass::Transient, "{error:?}");
}

#[test]
fn a_body_cut_short_is_transient() {
    // A server that promises 10,000 bytes, sends a few and hangs up (the replay server cannot).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listens");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accepts");
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n";
        stream
            .write_all(format!("{head}[{{\"id\":\"c1\",").as_bytes())
            .expect("writes");
    });
    let mut plugin = compiled_plugin().instantiate().expect("instantiates");
    let credentials = [("api_key", SECRET_KEY), ("api_url", url.as_str())];
    let error = plugin
        .list_accounts(&support::credentials_input(
            &credentials.into_iter().collect(),
        ))
        .unwrap_err();
    server.join().expect("server ran");
    assert_eq!(error.class, ErrorClass::Transient, "{error:?}");
}

// ---- bad input from the host ----

#[test]
fn an_oversized_input_is_a_config_error_before_any_request() {
    let mut s = Scenario::start("empty-tenant");
    let ids: Vec<String> = (0..600_000).map(|i| format!("customer-{i:020}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let error = s
        .plugin
        .fetch_usage(&s.usage_input(Some(&ids), None))
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Config, "{error:?}");
    assert!(
        error.message.contains("the most accepted is"),
        "{}",
        error.message
    );
    assert!(s.replay.served().is_empty());
}

// ---- bugs in a plugin (the fake vendor of tests/fake-vendor misbehaves on request) ----

#[test]
fn a_panic_in_the_plugin_is_an_internal_error_with_its_message() {
    let mut plugin = support::fake_vendor().instantiate().expect("instantiates");
    let credentials = [("token", SECRET_KEY), ("mode", "panic")]
        .into_iter()
        .collect();
    let error = plugin
        .authenticate(&support::credentials_input(&credentials))
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Internal, "{error:?}");
    assert!(
        error
            .message
            .contains("the fake vendor panicked on purpose"),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains("wasm backtrace"),
        "{}",
        error.message
    );
}

#[test]
fn a_plugin_that_never_returns_is_stopped_at_timeout_ms() {
    let mut plugin = support::fake_vendor().instantiate().expect("instantiates");
    let credentials = [("token", "fake-token-value"), ("mode", "spin")]
        .into_iter()
        .collect();
    let started = Instant::now();
    let error = plugin
        .authenticate(&support::credentials_input(&credentials))
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Transient, "{error:?}");
    assert!(
        error.message.contains("timeout_ms (2000 ms)"),
        "{}",
        error.message
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_instance_works_again_after_a_panic() {
    let mut plugin = support::fake_vendor().instantiate().expect("instantiates");
    let panic = [("token", "fake-token-value"), ("mode", "panic")]
        .into_iter()
        .collect();
    assert!(plugin
        .authenticate(&support::credentials_input(&panic))
        .is_err());
    let normal = [("token", "fake-token-value")].into_iter().collect();
    assert!(plugin
        .authenticate(&support::credentials_input(&normal))
        .is_ok());
}

// ---- secrets ----

/// Collects every log line Extism and the plugin emit, at every level.
fn captured_logs() -> &'static Mutex<Vec<String>> {
    static LOGS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        extism::set_log_callback(
            |line: &str| {
                if let Some(logs) = LOGS.get() {
                    logs.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(line.to_owned());
                }
            },
            "trace",
        )
        .expect("log callback installs");
        Mutex::new(Vec::new())
    })
}

#[test]
fn the_key_appears_in_no_output_error_or_log_of_any_scenario() {
    let logs = captured_logs();
    let mut produced = Vec::new();
    let mut scenarios: Vec<_> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .map(|entry| entry.expect("entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 13, "{scenarios:?}");
    for scenario in &scenarios {
        if scenario == "slow-vendor" {
            continue; // Covered by the timeout test; 3 s of waiting adds nothing here.
        }
        let mut s = Scenario::start(scenario);
        let input = s.input();
        produced.push(format!("{:?}", s.plugin.describe_credentials(&input)));
        produced.push(format!("{:?}", s.plugin.authenticate(&input)));
        produced.push(format!("{:?}", s.plugin.list_accounts(&input)));
        produced.push(format!("{:?}", s.plugin.list_services(&input)));
        produced.push(format!(
            "{:?}",
            s.plugin.fetch_usage(&s.usage_input(None, None))
        ));
        produced.push(run_seed(&mut s.plugin, &s.credentials, support::AS_OF, None).text);
    }
    let logs = logs.lock().unwrap_or_else(|p| p.into_inner());
    assert!(!logs.is_empty(), "logs were captured");
    for text in produced.iter().chain(logs.iter()) {
        assert!(!text.contains(SECRET_KEY), "the key leaked: {text}");
    }
}

// ---- issue 8: hostile vendors, odd keys ----

/// A SaaS Alerts-compatible server on 127.0.0.1 that answers each request with what `route`
/// returns for its path and query: `Some(body)` is a 200 JSON answer, `None` hangs up without
/// answering (a broken connection). Serves until the test ends.
fn breaking_vendor(route: fn(&str) -> Option<String>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listens");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 8192];
            let read = stream.read(&mut request).unwrap_or(0);
            let head = String::from_utf8_lossy(&request[..read]);
            let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
            match route(&target) {
                Some(body) => {
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes());
                }
                None => drop(stream),
            }
        }
    });
    url
}

#[test]
fn one_customers_broken_connection_fails_only_that_customer() {
    let url = breaking_vendor(|target| {
        let users = r#"[{"isBillable":true,"product":{"type":"ms"}}]"#;
        match target {
            "/reportApi/api/v1/reports/customers" => Some(
                r#"[{"id":"c1","name":"One","billingUsers":{"count":1}},{"id":"c2","name":"Two","billingUsers":{"count":4}}]"#.to_owned(),
            ),
            "/reportApi/api/v1/reports/users?customerId=c1" => Some(users.to_owned()),
            _ => None,
        }
    });
    let mut plugin = compiled_plugin().instantiate().expect("instantiates");
    let credentials: Credentials = [("api_key", SECRET_KEY), ("api_url", url.as_str())]
        .into_iter()
        .collect();
    let usage = plugin
        .fetch_usage(&plugin_contract::FetchUsageInput {
            credentials,
            as_of: support::AS_OF.into(),
            account_ids: None,
            service_ids: None,
        })
        .expect("the sync survives one broken connection");
    let counted: Vec<(&str, &str, u64)> = usage
        .records
        .iter()
        .map(|r| (r.account_id.as_str(), r.service_id.as_str(), r.quantity))
        .collect();
    assert!(
        counted.contains(&("c1", "billable-users", 1)),
        "{counted:?}"
    );
    assert!(counted.contains(&("c1", "billable-users.microsoft-365", 1)));
    assert!(
        counted.contains(&("c2", "billable-users", 4)),
        "{counted:?}"
    );
    assert_eq!(
        usage.failed_accounts.len(),
        1,
        "{:?}",
        usage.failed_accounts
    );
    let failed = &usage.failed_accounts[0];
    assert_eq!(failed.account_id, "c2");
    assert_eq!(
        failed.error.class,
        ErrorClass::Transient,
        "{:?}",
        failed.error
    );
    assert_eq!(
        failed.service_ids.len(),
        6,
        "only the platform pairs failed"
    );
}

#[test]
fn a_key_with_a_line_break_or_a_megabyte_long_is_a_config_error() {
    let long = "k".repeat(1024 * 1024);
    for (key, says) in [
        ("abc\r\nX-Injected: yes", "line break"),
        (long.as_str(), "the most accepted is 4096"),
    ] {
        let mut s = Scenario::start("empty-tenant");
        s.credentials.insert("api_key", key);
        let error = s.plugin.authenticate(&s.input()).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config, "{error:?}");
        assert!(error.message.contains(says), "{}", error.message);
        assert!(s.replay.served().is_empty());
    }
}

/// Runs every call and the seed on the happy path served by a vendor that echoes `key` in every
/// string; returns everything the plugin itself returned (harness redaction off) and what the
/// harness would show (redaction on).
fn every_output_with_an_echoing_vendor(key: &str) -> Vec<String> {
    let folder = root().join("fixtures/happy-path");
    let mut outputs = Vec::new();
    for redacting in [false, true] {
        let replay = ReplayServer::start_echoing(&folder, Some(key.trim())).expect("replay starts");
        let mut credentials = replay.credentials().clone();
        credentials.insert("api_key", key);
        let plugin = compiled_plugin().instantiate().expect("instantiates");
        let mut plugin = if redacting {
            plugin
        } else {
            plugin.without_redaction()
        };
        let input = support::credentials_input(&credentials);
        outputs.push(format!("{:?}", plugin.authenticate(&input)));
        outputs.push(format!("{:?}", plugin.list_accounts(&input)));
        outputs.push(format!(
            "{:?}",
            plugin.fetch_usage(&plugin_contract::FetchUsageInput {
                credentials: credentials.clone(),
                as_of: support::AS_OF.into(),
                account_ids: None,
                service_ids: None,
            })
        ));
        plugin.start_recording();
        outputs.push(run_seed(&mut plugin, &credentials, support::AS_OF, None).text);
        let recorded = plugin.take_recording();
        let secrets = compiled_plugin().secrets(&credentials);
        let (recording, replay_credentials) = host_harness::traffic::recorder::fixtures_of(
            &recorded,
            &credentials,
            &secrets,
            &compiled_plugin().url_fields(),
            "test".into(),
        );
        outputs.push(serde_json::to_string(&recording).expect("recording serializes"));
        outputs.push(serde_json::to_string(&replay_credentials).expect("serializes"));
    }
    outputs
}

#[test]
fn random_keys_never_leave_in_any_form_even_when_the_vendor_echoes_them() {
    // A small deterministic generator: keys of printable ASCII, some with spaces around, some
    // with unicode (which the plugin refuses as config, so nothing is sent at all).
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let alphabet: Vec<char> = (0x21u8..0x7f)
        .map(char::from)
        .chain(['é', '鍵', ' '])
        .collect();
    for round in 0..12 {
        let length = 8 + next(40) as usize;
        let mut key: String = (0..length)
            .map(|_| alphabet[next(alphabet.len() as u64) as usize])
            .collect();
        if round % 3 == 0 {
            key = format!("  {key}\t ");
        }
        let secrets = plugin_contract::Secrets::new([key.as_str()]);
        // The vendor echoes the key in each of these forms; the scanner sees each of them.
        let forms = host_harness::traffic::echo::echo_forms(key.trim());
        for form in &forms {
            assert!(secrets.found_in(form), "key {key:?}: {form} not found");
        }
        for output in every_output_with_an_echoing_vendor(&key) {
            assert!(
                !secrets.found_in(&output),
                "key {key:?} leaked in some form: {output}"
            );
            for form in &forms {
                assert!(
                    !output.contains(form.as_str()),
                    "key {key:?}: {form} in {output}"
                );
            }
        }
    }
}

#[test]
fn a_vendor_echoing_the_key_in_names_gets_it_redacted_by_the_plugin_itself() {
    let outputs = every_output_with_an_echoing_vendor(SECRET_KEY);
    let accounts = &outputs[1];
    assert!(accounts.contains("<redacted>"), "{accounts}");
    let secrets = plugin_contract::Secrets::new([SECRET_KEY]);
    assert!(outputs.iter().all(|o| !secrets.found_in(o)));
}

#[test]
fn a_documented_maximum_body_fits_the_shipped_memory_limit() {
    // About 45 MB of customers shaped like the vendor's, under the shipped
    // max_http_response_bytes: the body is held twice (the host's copy in Extism's kernel
    // memory, the plugin's own) and parsed, all within the shipped memory_max_pages. With
    // 1024 pages (64 MiB) this was an `internal` error, "a plugin bug".
    let compiled = compile_with(|_| {});
    let mut body = String::with_capacity(45_500_000);
    body.push('[');
    let mut customers = 0;
    while body.len() < 45_000_000 {
        if customers > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"id":"Cu{customers:018}","name":"Customer {customers} & Co","customerDomain":"c{customers}.example","status":"active","products":[{{"name":"Microsoft"}}],"billingUsers":{{"count":{}}},"totalAccountsAmount":{},"mappedToPSA":[{{"product":"autotaskpsa","mappedTo":"{}"}}]}}"#,
            customers % 60,
            customers % 150,
            29_000_000 + customers
        ));
        customers += 1;
    }
    body.push(']');
    let limit = compiled.manifest().limits.max_http_response_bytes;
    assert!(body.len() as u64 <= limit, "{} > {limit}", body.len());
    let replay = customers_answering(response(200, body, &[("content-type", "application/json")]));
    let mut s = Scenario::with_replay(replay, &compiled);
    let accounts = s
        .plugin
        .list_accounts(&s.input())
        .unwrap_or_else(|e| panic!("{} customers in 45 MB: {e:?}", customers));
    assert_eq!(accounts.accounts.len(), customers);
}
