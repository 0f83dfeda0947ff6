//! What a hostile vendor or PSA can put on a person's terminal: nothing but visible text. Names
//! carrying ESC sequences (clear screen, titles, links), BEL, carriage returns, C1 controls,
//! bidi overrides and line breaks go through every command that shows them (`map`, `sync`,
//! `approve`, `seed`, a JSON call, `--verbose`), and no such character reaches stdout or stderr.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{build_plugin, harness_binary, root};

/// Names that would rewrite a terminal printed as they are.
const PAYLOADS: [&str; 9] = [
    "\u{1b}[2J\u{1b}[HCleared",
    "\u{1b}]0;owned\u{7}Retitled",
    "\u{1b}]8;;https://evil.example\u{1b}\\Linked\u{1b}]8;;\u{1b}\\",
    "Real name\rOverwritten",
    "Bell\u{7}",
    "\u{202e}Reversed",
    "\u{9b}2JC1 cleared",
    "Two\nFAKE ROW",
    "Tab\tand\u{7f}delete\u{2028}",
];

/// Tells whether `c` can control a terminal (line breaks are the layout's own).
fn controls_a_terminal(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Writes a scenario folder of the happy path whose customers, and the PSA's accounts, are
/// named with the payloads; returns the scenario and the PSA file.
fn hostile_scenario(folder: &Path) -> (PathBuf, PathBuf) {
    let read = |file: &str| -> Value {
        let text = std::fs::read_to_string(root().join("fixtures/happy-path").join(file))
            .expect("happy-path file");
        serde_json::from_str(&text).expect("JSON")
    };
    let scenario = folder.join("scenario");
    std::fs::create_dir_all(&scenario).expect("scenario folder");
    let mut exchanges = read("exchanges.json");
    for exchange in exchanges["exchanges"].as_array_mut().expect("exchanges") {
        if exchange["request"]["path"] == "/reportApi/api/v1/reports/customers" {
            let customers = exchange["response"]["body"]
                .as_array_mut()
                .expect("customers");
            for (index, customer) in customers.iter_mut().enumerate() {
                let name = customer["name"].as_str().unwrap_or("").to_owned();
                customer["name"] = format!("{name} {}", PAYLOADS[index % PAYLOADS.len()]).into();
            }
        }
    }
    let write = |path: PathBuf, value: &Value| {
        std::fs::write(path, value.to_string()).expect("written");
    };
    write(scenario.join("exchanges.json"), &exchanges);
    write(scenario.join("credentials.json"), &read("credentials.json"));
    let mut psa = read("psa.json");
    for (index, account) in psa["accounts"]
        .as_array_mut()
        .expect("accounts")
        .iter_mut()
        .enumerate()
    {
        let name = account["name"].as_str().unwrap_or("").to_owned();
        let payload = PAYLOADS[(index + 3) % PAYLOADS.len()];
        account["name"] = format!("{name} {payload}").into();
    }
    let psa_file = folder.join("psa.json");
    write(psa_file.clone(), &psa);
    (scenario, psa_file)
}

/// Runs `host-harness args…` and returns its exit code, stdout and stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(harness_binary())
        .args(args)
        .current_dir(root())
        .output()
        .expect("host-harness runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn hostile_names_reach_no_terminal_as_controls_in_any_command() {
    build_plugin();
    let folder = std::env::temp_dir().join(format!("terminal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("folder");
    let (scenario, psa) = hostile_scenario(&folder);
    let path = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    let (scenario, psa) = (path(&scenario), path(&psa));
    let mapping = path(&folder.join("mapping.json"));
    let review = path(&folder.join("review.json"));
    let sync = [
        "--replay",
        &scenario,
        "sync",
        "--psa",
        &psa,
        "--mapping",
        &mapping,
    ];
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "--replay",
            &scenario,
            "map",
            "--psa",
            &psa,
            "--mapping",
            &mapping,
        ],
        [&sync[..], &["--json"]].concat(),
        sync.to_vec(),
        vec!["approve", "--review", &review, "--psa", &psa, "--all"],
        vec!["--replay", &scenario, "seed", "--psa", &psa],
        vec!["--replay", &scenario, "seed"],
        vec!["--replay", &scenario, "--verbose", "accounts"],
    ];
    let mut shown = 0;
    for args in &commands {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 0, "{args:?}\n{stdout}{stderr}");
        for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            let control = text.chars().find(|&c| controls_a_terminal(c));
            assert!(
                control.is_none(),
                "{args:?} {stream}: {control:?} in\n{text}"
            );
            let fake = text
                .lines()
                .find(|l| l.trim_start().starts_with("FAKE ROW"));
            assert!(
                fake.is_none(),
                "{args:?} {stream}: a vendor's line break made a line"
            );
        }
        shown += stdout.matches("\\u{1b}").count() + stdout.matches("\\u001b").count();
    }
    // The names were shown, escaped: the test saw what it guards.
    assert!(shown > 10, "{shown} escaped names shown");
    std::fs::remove_dir_all(&folder).expect("removed");
}
