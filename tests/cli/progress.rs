//! Progress on stderr and `--verbose`: each vendor request, nothing else changed.

use super::*;

/// Returns `stderr` with the milliseconds ending each request line replaced by `<ms>`.
fn ms_redacted(stderr: &str) -> String {
    let is_ms = |word: &str| {
        word.strip_suffix("ms")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    stderr
        .lines()
        .map(|line| match line.rsplit_once(' ') {
            Some((rest, ms)) if is_ms(ms) => format!("{rest} <ms>\n"),
            _ => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn verbose_prints_each_vendor_request_on_stderr_and_nothing_else_changes() {
    let args = [
        "seed",
        "--replay",
        "fixtures/happy-path",
        "--as-of",
        support::AS_OF,
    ];
    let quiet = harness(&args, &[]);
    let verbose = harness(&[&args[..], &["--verbose"]].concat(), &[]);
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    assert_eq!(
        scrub(&verbose.stdout),
        scrub(&quiet.stdout),
        "stdout is the same"
    );
    assert_eq!(
        quiet.stderr, "",
        "without --verbose, off a terminal, nothing on stderr"
    );

    let customers = "host-harness: GET /reportApi/api/v1/reports/customers 200 <ms>\n";
    let mut expected = [
        "host-harness: call describe_credentials\n",
        "host-harness: call authenticate\n",
        customers,
        "host-harness: call list_accounts\n",
        customers,
        "host-harness: call list_services\n",
        "host-harness: call fetch_usage for 10 accounts\n",
        customers,
    ]
    .concat();
    for customer in [
        "Ac7mE2sOnS9q4RtY1uVw",
        "As4ByGgAb1c2d3e4f5g6",
        "Ca5fEd3lIcE8k2Jh7GfD",
        "Gl0bExC0rP7a1b2c3d4e",
        "Ho0lIlTd4g5h6j7k8l9M",
        "In1tEcH5sOfTw4rE6pQr",
        "No9rThW1nD4tRaD3rS5x",
        "St4rKiNdUs7r1eS0mNbV",
        "Um8rElLa2HeAlTh6LlCz",
        "Wa9yNeEnT3rPr1s3sXyZ",
    ] {
        expected.push_str(&format!(
            "host-harness: GET /reportApi/api/v1/reports/users?customerId={customer} 200 <ms>\n"
        ));
    }
    assert_eq!(ms_redacted(&verbose.stderr), expected);

    let credentials = std::fs::read_to_string(root().join("fixtures/happy-path/credentials.json"))
        .expect("credentials");
    let credentials: Value = serde_json::from_str(&credentials).expect("credentials are JSON");
    let key = credentials["api_key"].as_str().expect("the fixture's key");
    assert!(!verbose.stderr.contains(key), "{}", verbose.stderr);
}

#[test]
fn verbose_names_the_transport_failure_of_a_request_without_the_key() {
    let args = [
        "usage",
        "--replay",
        "fixtures/one-customer-connection-broken",
        "--as-of",
        support::AS_OF,
        "--verbose",
    ];
    // `harness` checks that the key is on neither stdout nor stderr.
    let run = harness(&args, &[("HARNESS_CRED_API_KEY", SECRET_KEY)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        ms_redacted(&run.stderr).contains(
            "host-harness: GET /reportApi/api/v1/reports/users?customerId=Ca5fEd3lIcE8k2Jh7GfD failed: connection <ms>\n"
        ),
        "{}",
        run.stderr
    );
}
