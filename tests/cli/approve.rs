//! The seed's last step, `approve`: the change set written, the PSA snapshot changed, refusals writing nothing.

use super::*;

/// Copies the happy path's PSA snapshot into `folder`, as `psa.csv` (one quoted row per
/// agreement line, a row without a product for an account without lines) when `csv`, else as
/// `psa.json`; returns its path.
fn psa_copy(folder: &Path, csv: bool) -> PathBuf {
    let text = std::fs::read_to_string(root().join("fixtures/happy-path/psa.json")).expect("psa");
    if !csv {
        let path = folder.join("psa.json");
        std::fs::write(&path, text).expect("written");
        return path;
    }
    let psa: Value = serde_json::from_str(&text).expect("psa is JSON");
    let quoted = |value: &Value| {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        format!("\"{}\"", text.replace('"', "\"\""))
    };
    let mut rows = vec!["account_id,account_name,product_id,product_name,quantity".to_owned()];
    for account in psa["accounts"].as_array().expect("accounts") {
        let lines: Vec<&Value> = psa["agreement_lines"]
            .as_array()
            .expect("lines")
            .iter()
            .filter(|l| l["account_id"] == account["id"])
            .collect();
        let (id, name) = (quoted(&account["id"]), quoted(&account["name"]));
        if lines.is_empty() {
            rows.push(format!("{id},{name},,,"));
        }
        for line in lines {
            let product = [
                &line["product_id"],
                &line["product_name"],
                &line["quantity"],
            ];
            rows.push(format!("{id},{name},{}", product.map(quoted).join(",")));
        }
    }
    let path = folder.join("psa.csv");
    std::fs::write(&path, rows.join("\n") + "\n").expect("written");
    path
}

/// Runs `sync` of the replayed `scenario` as of `as_of` against `psa` with `mapping`, which
/// writes `review.json` beside the mapping; returns the run (`--json` when `json`).
fn sync_with(scenario: &str, as_of: &str, psa: &Path, mapping: &Path, json: bool) -> Run {
    let folder = format!("fixtures/{scenario}");
    let mut args = vec![
        "sync",
        "--replay",
        &folder,
        "--psa",
        psa.to_str().expect("utf-8 path"),
        "--mapping",
        mapping.to_str().expect("utf-8 path"),
        "--as-of",
        as_of,
    ];
    if json {
        args.push("--json");
    }
    let run = harness(&args, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run
}

/// Runs `approve --review folder/review.json --psa psa` with `choice` (`--all` or `--line` …).
fn approve(folder: &Path, psa: &Path, choice: &[&str]) -> Run {
    let review = folder.join("review.json");
    let args = [
        &[
            "approve",
            "--review",
            review.to_str().expect("utf-8 path"),
            "--psa",
            psa.to_str().expect("utf-8 path"),
        ][..],
        choice,
    ]
    .concat();
    harness(&args, &[])
}

/// Returns each review line's key and kind.
fn kinds(review: &Value) -> Vec<(String, String)> {
    review["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                format!(
                    "{}/{}",
                    l["psa_account_id"].as_str().expect("id"),
                    l["psa_product_id"].as_str().expect("product")
                ),
                l["kind"].as_str().expect("kind").to_owned(),
            )
        })
        .collect()
}

/// Reads a file the harness wrote.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn approve_all_writes_the_change_set_and_the_next_sync_shows_every_line_as_no_change() {
    let mapping = map_happy_path("approve-all");
    let folder = mapping.parent().expect("folder").to_owned();
    let psa = psa_copy(&folder, false);
    let psa_before = sha256_hex(read(&psa).as_bytes());

    // The MSP syncs and reads the review; each line shows the key `approve` takes.
    let first = sync_with("happy-path", support::AS_OF, &psa, &mapping, false);
    assert!(
        first
            .stdout
            .contains("   30200003/SA-USERS  Northwind Traders  -    5       +5"),
        "{}",
        first.stdout
    );
    let reviewed: Value = serde_json::from_str(&read(&folder.join("review.json"))).expect("JSON");
    assert_eq!(kinds(&reviewed).len(), 6, "{reviewed}");

    // They approve it all: 1 new revenue and 3 reconcile lines change, 2 no change stay.
    let run = approve(&folder, &psa, &["--all"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("Approved 4 changes to the PSA, counted as of 2026-11-01T00:00:00Z\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("No change, left as they are: 29683412/SA-USERS, 29690001/SA-USERS"),
        "{}",
        run.stdout
    );
    assert_snapshot!(
        "approve_all_changes_json",
        read(&folder.join("changes.json"))
    );
    assert_snapshot!("approve_all_changes_csv", read(&folder.join("changes.csv")));
    let history = read(&folder.join("approvals.jsonl"));
    assert_eq!(history.lines().count(), 1, "{history}");
    let entry: Value = serde_json::from_str(history.trim_end()).expect("a JSON line");
    let approved_at = entry["approved_at"].as_str().expect("approved_at");
    assert!(
        approved_at.len() == 20 && approved_at.ends_with('Z'),
        "RFC 3339 to the second: {approved_at}"
    );
    let changes: Value = serde_json::from_str(&read(&folder.join("changes.json"))).expect("JSON");
    assert_eq!(entry["changes"], changes["changes"]);
    // The entry names the snapshot it changed, before and after, by SHA-256.
    assert_eq!(entry["psa_sha256_before"], json!(psa_before));
    assert_eq!(
        entry["psa_sha256_after"],
        json!(sha256_hex(read(&psa).as_bytes()))
    );
    insta::assert_json_snapshot!(
        "approve_all_history",
        entry,
        {
            ".approved_at" => "[approved_at]",
            ".changes" => "[the changes of changes.json]",
            ".psa_sha256_before" => "[sha256 of the PSA snapshot synced]",
            ".psa_sha256_after" => "[sha256 of the PSA snapshot approved]",
        }
    );

    // Approving the same review again is refused: the PSA no longer bills what it showed.
    let twice = approve(&folder, &psa, &["--all"]);
    assert_eq!(twice.code, 1, "{}{}", twice.stdout, twice.stderr);
    assert!(
        twice.stderr.contains(
            "the PSA snapshot bills 0 on 29683555/SA-USERS but the review showed 2: it changed \
             since the review (approved already?)"
        ),
        "{}",
        twice.stderr
    );
    assert_eq!(read(&folder.join("approvals.jsonl")), history);

    // The PSA snapshot now bills what was approved: the next sync shows no change anywhere.
    let again = sync_with("happy-path", support::AS_OF, &psa, &mapping, true).json();
    let mut no_change = kinds(&reviewed);
    for (_, kind) in &mut no_change {
        *kind = "no_change".to_owned();
    }
    no_change.sort();
    let mut after = kinds(&again);
    after.sort();
    assert_eq!(after, no_change, "{again}");
}

#[test]
fn approving_a_failed_line_is_refused_and_writes_nothing() {
    let mapping = map_happy_path("approve-failed");
    let folder = mapping.parent().expect("folder").to_owned();
    let psa = psa_copy(&folder, false);
    let before = read(&psa);
    // A month later the vendor no longer lists Hooli: its PSA line has no count.
    sync_with(
        "tenant-next-month",
        "2026-12-01T00:00:00Z",
        &psa,
        &mapping,
        false,
    );
    let reviewed: Value = serde_json::from_str(&read(&folder.join("review.json"))).expect("JSON");
    assert_eq!(
        reviewed["failed"][0]["psa_lines"],
        json!([{"psa_account_id": "29690001", "psa_product_id": "SA-USERS"}])
    );

    let run = approve(
        &folder,
        &psa,
        &["--line", "30200003/SA-USERS", "--line", "29690001/SA-USERS"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "29690001/SA-USERS cannot be approved: a failed count feeds it (Hooli Ltd. (no longer \
             listed by the vendor) (Ho0lIlTd4g5h6j7k8l9M) not_found: SaaS Alerts has no customer"
        ),
        "{}",
        run.stderr
    );
    let unknown = approve(&folder, &psa, &["--line", "29683412/BK-365"]);
    assert_eq!(unknown.code, 1, "{}{}", unknown.stdout, unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("the review has no line 29683412/BK-365"),
        "{}",
        unknown.stderr
    );
    let neither = approve(&folder, &psa, &[]);
    assert_eq!(
        neither.code, 2,
        "--all or --line is required: {}",
        neither.stderr
    );

    assert_eq!(read(&psa), before, "the PSA snapshot is untouched");
    for file in ["changes.json", "changes.csv", "approvals.jsonl"] {
        assert!(!folder.join(file).exists(), "{file} was written");
    }
}

#[test]
fn approving_chosen_lines_of_a_csv_psa_changes_only_those() {
    let mapping = map_happy_path("approve-chosen");
    let folder = mapping.parent().expect("folder").to_owned();
    let psa = psa_copy(&folder, true);
    let as_of = "2026-12-01T00:00:00Z";
    sync_with("tenant-next-month", as_of, &psa, &mapping, false);

    let chosen = ["--line", "30200003/SA-USERS", "--line", "29683555/SA-USERS"];
    let run = approve(&folder, &psa, &chosen);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        read(&folder.join("changes.csv")),
        "psa_account_id,psa_account_name,psa_product_id,old_quantity,new_quantity,vendor_account_ids,vendor_account_names,as_of\n\
         29683555,Globex Corp.,SA-USERS,2,0,Gl0bExC0rP7a1b2c3d4e,Globex Corporation,2026-12-01T00:00:00Z\n\
         30200003,Northwind Traders,SA-USERS,,5,No9rThW1nD4tRaD3rS5x,Northwind Traders,2026-12-01T00:00:00Z\n"
    );
    // The snapshot stays CSV, Northwind's new line in place of its row without a product.
    let written = read(&psa);
    assert!(
        written.starts_with("account_id,account_name,product_id,product_name,quantity\n"),
        "{written}"
    );
    assert!(
        written.contains("\n30200003,Northwind Traders,SA-USERS,SaaS Alerts billable users,5\n"),
        "{written}"
    );

    let again = sync_with("tenant-next-month", as_of, &psa, &mapping, true).json();
    let expected = [
        ("29683555/SA-USERS", "no_change"),
        ("30200003/SA-USERS", "no_change"),
        ("29683412/SA-USERS", "reconcile"),
        ("30100877/SA-USERS", "reconcile"),
        ("30200001/SA-USERS", "reconcile"),
    ];
    let mut after = kinds(&again);
    after.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(
        after,
        expected.map(|(key, kind)| (key.to_owned(), kind.to_owned()))
    );
    assert_eq!(
        again["failed"][0]["psa_lines"],
        json!([{"psa_account_id": "29690001", "psa_product_id": "SA-USERS"}])
    );

    // Approving the rest of the new review leaves the failed line out, saying so.
    let rest = approve(&folder, &psa, &["--all"]);
    assert_eq!(rest.code, 0, "{}{}", rest.stdout, rest.stderr);
    assert!(
        rest.stdout.contains("Approved 3 changes to the PSA")
            && rest
                .stdout
                .contains("Not approvable, fed by a failed count (the host keeps their last good values): 29690001/SA-USERS"),
        "{}",
        rest.stdout
    );
    let history = read(&folder.join("approvals.jsonl"));
    let approved: Vec<usize> = history
        .lines()
        .map(|line| {
            let entry: Value = serde_json::from_str(line).expect("a JSON line");
            entry["changes"].as_array().expect("changes").len()
        })
        .collect();
    assert_eq!(approved, [2, 3], "{history}");
}
