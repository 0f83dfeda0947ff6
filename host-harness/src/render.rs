//! Text for a person: every table, warning list and report the CLI prints is laid out here,
//! so that the rules in [`seed`](crate::seed) and [`conformance`](crate::conformance) hold no layout and
//! every table looks alike.
//!
//! Vendor and PSA strings reach a terminal only through here, and may not rewrite it: a name
//! holding ESC (clear screen, OSC titles and links), BEL, a carriage return over the name, a C1
//! control or a bidi override would change the review a person approves. Every string that is
//! not the harness's own is laid out with [`shown`], which replaces each such character (and
//! line breaks, which would fake a row) by a visible escape such as `\u{1b}`; the CLI then
//! passes the whole text through [`for_terminal`], which does the same but keeps the layout's
//! line breaks, so that a string laid out without [`shown`] can still not reach the terminal's
//! control sequences. JSON on a terminal goes through [`terminal_json`].

use std::borrow::Cow;
use std::fmt::Write;

use plugin_contract::{Account, Usage, Warning};
use serde_json::Value;

use crate::conformance::Report;
use crate::seed::approve::{Approval, Written};
use crate::seed::line::{PsaLine, VendorAccount};
use crate::seed::mapping::{Mapping, State};
use crate::seed::psa::PsaSnapshot;
use crate::seed::review::{LineKind, Review};

/// Tells whether `c` can move, clear, retitle or reorder what a terminal shows: C0 and C1
/// controls, DEL, the bidi embeddings, overrides, isolates and marks, and the Unicode line and
/// paragraph separators.
fn controls_a_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// Returns `text` with every character that could control a terminal, line breaks included,
/// replaced by its visible escape (`\u{1b}`): how any string from a vendor or a PSA is shown.
pub fn shown(text: &str) -> Cow<'_, str> {
    escape_where(text, controls_a_terminal, rust_escape)
}

/// Returns a laid-out `text` for a terminal: as [`shown`], but keeping line breaks.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && controls_a_terminal(c), rust_escape)
}

/// Returns JSON `text` with the characters `serde_json` leaves as they are (DEL, C1 controls,
/// bidi controls, line separators) written as `\uXXXX` escapes: the same JSON value, safe to
/// print on a terminal. `serde_json` already escapes the C0 controls.
pub fn terminal_json(text: &str) -> Cow<'_, str> {
    // Every such character is in the Basic Multilingual Plane: one `\uXXXX`.
    escape_where(text, controls_a_terminal_raw_in_json, |c, out| {
        let _ = write!(out, "\\u{:04x}", u32::from(c));
    })
}

/// Tells whether `c` controls a terminal but is not escaped by `serde_json` (JSON's layout
/// holds only spaces and line breaks, and strings hold every other C0 control escaped).
fn controls_a_terminal_raw_in_json(c: char) -> bool {
    u32::from(c) >= 0x20 && controls_a_terminal(c)
}

/// Writes `c` as Rust writes it escaped: `\u{1b}`.
fn rust_escape(c: char, out: &mut String) {
    out.extend(c.escape_unicode());
}

/// Returns `text` with each character for which `escape` holds written by `write_escaped`.
fn escape_where(
    text: &str,
    escape: impl Fn(char) -> bool,
    write_escaped: impl Fn(char, &mut String),
) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escape(c) {
            write_escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Lays out rows under headers in columns aligned by display width, indented by three spaces;
/// every cell is [`shown`].
pub fn table(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .set_header(headers.to_vec())
        .add_rows(rows.into_iter().map(|row| {
            row.into_iter()
                .take(headers.len())
                .map(|cell| shown(&cell).into_owned())
                .collect::<Vec<_>>()
        }));
    for (index, column) in table.column_iter_mut().enumerate() {
        column.set_padding((if index == 0 { 0 } else { 2 }, 0));
    }
    table
        .lines()
        .map(|line| format!("   {}\n", line.trim_end()))
        .collect()
}

/// Writes a list of warnings, if there are any.
pub fn warnings(list: &[Warning], out: &mut String) {
    if !list.is_empty() {
        let _ = writeln!(out, "\n   Warnings");
        for warning in list {
            let account = warning.account_id.as_deref().unwrap_or("-");
            let _ = writeln!(
                out,
                "   - {} [{}] {}",
                shown(account),
                shown(&warning.code),
                shown(&warning.message)
            );
        }
    }
}

/// Returns a row (field, title, notes) for every credential of a credentials schema.
pub fn credential_rows(schema: &Value) -> Vec<Vec<String>> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let properties = schema.get("properties").and_then(Value::as_object);
    properties
        .into_iter()
        .flatten()
        .map(|(field, property)| {
            let text = |key: &str| property.get(key).and_then(Value::as_str).unwrap_or("");
            let mut notes = Vec::new();
            if required.contains(&field.as_str()) {
                notes.push("required".to_owned());
            }
            if plugin_contract::is_write_only(schema, field) {
                notes.push("secret".to_owned());
            }
            if let Some(default) = property.get("default").and_then(Value::as_str) {
                notes.push(format!("default {default}"));
            }
            if !text("description").is_empty() {
                notes.push(text("description").to_owned());
            }
            vec![field.clone(), text("title").to_owned(), notes.join("; ")]
        })
        .collect()
}

/// Writes the first sync's usage without a PSA: its records, warnings and failed accounts.
pub fn usage(usage: &Usage, accounts: &[Account], out: &mut String) {
    let name_of = |id: &str| {
        accounts
            .iter()
            .find(|a| a.id == id)
            .map_or("(not listed)".to_owned(), |a| a.name.clone())
    };
    let _ = writeln!(
        out,
        "\n4. First sync: usage as of {} ({} records, {} warnings, {} failed accounts)",
        shown(&usage.as_of),
        usage.records.len(),
        usage.warnings.len(),
        usage.failed_accounts.len()
    );
    out.push_str(&table(
        &["ACCOUNT", "NAME", "SERVICE", "QUANTITY"],
        usage.records.iter().map(|r| {
            vec![
                r.account_id.clone(),
                name_of(&r.account_id),
                r.service_id.clone(),
                r.quantity.to_string(),
            ]
        }),
    ));
    warnings(&usage.warnings, out);
    if !usage.failed_accounts.is_empty() {
        let _ = writeln!(
            out,
            "\n   Failed accounts (no count reported; keep the last good values)"
        );
        // One line per account and reason: each pair shows its own class (interface 1.1).
        for failed in &usage.failed_accounts {
            for (error, service_ids) in failed.by_error() {
                let _ = writeln!(
                    out,
                    "   - {} ({}) {}: {} [{}]",
                    shown(&failed.account_id),
                    shown(&name_of(&failed.account_id)),
                    error.class.as_str(),
                    shown(&error.message),
                    shown(&service_ids.join(", "))
                );
            }
        }
    }
}

/// Renders what was matched and why, for a person.
pub fn mapping(mapping: &Mapping, psa: &PsaSnapshot) -> String {
    let psa_name = |id: &Option<String>| {
        id.as_deref()
            .map(|id| {
                format!(
                    "{} ({id})",
                    psa.account(id).map_or("?", |a| a.name.as_str())
                )
            })
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for entry in &mapping.accounts {
        rows.push(vec![
            format!("{} ({})", entry.vendor_name, entry.vendor_account_id),
            entry.state.as_str().to_owned(),
            psa_name(&entry.psa_account_id),
            entry.reason.clone(),
        ]);
        for suggestion in &entry.suggestions {
            rows.push(vec![
                String::new(),
                "suggestion".to_owned(),
                format!("{} ({})", suggestion.psa_name, suggestion.psa_account_id),
                suggestion.why.clone(),
            ]);
        }
    }
    let mut out = table(&["VENDOR ACCOUNT", "STATE", "PSA ACCOUNT", "WHY"], rows);
    out.push('\n');
    out.push_str(&table(
        &["SERVICE", "STATE", "PSA PRODUCT", "WHY"],
        mapping.services.iter().map(|s| {
            vec![
                s.service_id.clone(),
                s.state.as_str().to_owned(),
                s.psa_product_id.clone().unwrap_or_default(),
                s.reason.clone(),
            ]
        }),
    ));
    let mapped = |states: Vec<State>| states.iter().filter(|s| **s == State::Mapped).count();
    out.push_str(&format!(
        "\n   {} of {} accounts and {} of {} services mapped; mapping {}\n",
        mapped(mapping.accounts.iter().map(|a| a.state).collect()),
        mapping.accounts.len(),
        mapped(mapping.services.iter().map(|s| s.state).collect()),
        mapping.services.len(),
        if mapping.is_finished() {
            "finished"
        } else {
            "not finished: map at least one account and one service"
        }
    ));
    out
}

/// Renders the review for a person; each line is named by its key (LINE), as `approve` takes it.
pub fn review(review: &Review) -> String {
    let count = |kind| review.lines.iter().filter(|l| l.kind == kind).count();
    let mut out = format!(
        "Review of the sync as of {}: {} new revenue, {} reconcile, {} no change, {} failed\n",
        shown(&review.as_of),
        count(LineKind::NewRevenue),
        count(LineKind::Reconcile),
        count(LineKind::NoChange),
        review.failed.len()
    );
    for (kind, title) in [
        (
            LineKind::NewRevenue,
            "New revenue (vendor usage, no PSA line)",
        ),
        (LineKind::Reconcile, "Reconcile (quantities differ)"),
        (LineKind::NoChange, "No change"),
    ] {
        let rows: Vec<Vec<String>> = review
            .lines
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| {
                vec![
                    l.line().key(),
                    l.psa_account_name.clone(),
                    l.psa_quantity.map_or("-".to_owned(), |q| q.to_string()),
                    l.vendor_quantity.to_string(),
                    if l.delta == 0 {
                        "0".to_owned()
                    } else {
                        format!("{:+}", l.delta)
                    },
                    labels(&l.vendor_accounts),
                ]
            })
            .collect();
        if !rows.is_empty() {
            let _ = writeln!(out, "\n   {title}");
            out.push_str(&table(
                &[
                    "LINE",
                    "PSA ACCOUNT",
                    "PSA",
                    "VENDOR",
                    "DELTA",
                    "VENDOR ACCOUNTS",
                ],
                rows,
            ));
        }
    }
    if !review.unmapped_with_usage.is_empty() {
        let _ = writeln!(
            out,
            "\n   Unmapped vendor accounts with usage (billed to nobody)"
        );
        out.push_str(&table(
            &["VENDOR ACCOUNT", "SERVICE", "QUANTITY"],
            review.unmapped_with_usage.iter().map(|u| {
                vec![
                    u.vendor.label(),
                    u.service_id.clone(),
                    u.quantity.to_string(),
                ]
            }),
        ));
    }
    if !review.failed.is_empty() {
        let _ = writeln!(out, "\n   Failed (no count; keep the last good values)");
        for failed in &review.failed {
            let _ = writeln!(
                out,
                "   - {} {}: {} [{}]",
                shown(&failed.vendor.label()),
                failed.error.class.as_str(),
                shown(&failed.error.message),
                shown(&failed.service_ids.join(", "))
            );
        }
    }
    warnings(&review.warnings, &mut out);
    out
}

/// Renders a conformance report for a person: a line per check, then the tally.
pub fn conformance(report: &Report) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let mark = if check.passed { "PASS" } else { "FAIL" };
        let _ = writeln!(out, "{mark}  {}: {}", check.name, shown(&check.detail));
    }
    let failed = report.checks.iter().filter(|c| !c.passed).count();
    let _ = writeln!(out, "\n{} checks, {failed} failed", report.checks.len());
    out
}

/// Renders an approval for a person: the lines changed, those left as they were, the files.
pub fn approval(approval: &Approval, written: Option<&Written>) -> String {
    let mut out = approval_lines(approval);
    match written {
        Some(written) => {
            let _ = writeln!(
                out,
                "\n   Change set: {}, {}\n   PSA snapshot updated: {} (the next sync shows these lines as no change)\n   History: {} (appended)",
                written.changes_json.display(),
                written.changes_csv.display(),
                written.psa.display(),
                written.history.display()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "\n   Nothing written: no approved line changes the PSA."
            );
        }
    }
    out
}

/// Renders what an approval decided: the lines changed, those left as they were, the failed.
pub fn approval_lines(approval: &Approval) -> String {
    let set = &approval.change_set;
    let mut out = format!(
        "Approved {} changes to the PSA, counted as of {}\n",
        set.changes.len(),
        shown(&set.as_of)
    );
    if !set.changes.is_empty() {
        out.push('\n');
        out.push_str(&table(
            &["LINE", "PSA ACCOUNT", "OLD", "NEW", "VENDOR ACCOUNTS"],
            set.changes.iter().map(|c| {
                vec![
                    c.line().key(),
                    c.psa_account_name.clone(),
                    c.old_quantity.map_or("-".to_owned(), |q| q.to_string()),
                    c.new_quantity.to_string(),
                    labels(&c.vendor_accounts),
                ]
            }),
        ));
    }
    if !approval.unchanged.is_empty() {
        let _ = writeln!(
            out,
            "\n   No change, left as they are: {}",
            shown(&keys(&approval.unchanged))
        );
    }
    if !approval.failed.is_empty() {
        let _ = writeln!(
            out,
            "\n   Not approvable, fed by a failed count (the host keeps their last good values): {}",
            shown(&keys(&approval.failed))
        );
    }
    out
}

/// Returns the vendor accounts as a person reads them, `Name (id)`, joined by `, `.
pub fn labels(accounts: &[VendorAccount]) -> String {
    let labels: Vec<String> = accounts.iter().map(VendorAccount::label).collect();
    labels.join(", ")
}

/// Returns the keys of `lines`, joined by `, `.
pub fn keys(lines: &[PsaLine]) -> String {
    let keys: Vec<String> = lines.iter().map(PsaLine::key).collect();
    keys.join(", ")
}

/// Returns an error's message followed by each of its causes.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_accounts_show_each_pairs_own_class() {
        use plugin_contract::{FailedAccount, PluginError};
        let failed = FailedAccount::of(
            "c1",
            vec![
                (
                    "billable-users".into(),
                    PluginError::vendor("count is text"),
                ),
                ("platform.slack".into(), PluginError::transient("HTTP 503")),
                (
                    "platform.dropbox".into(),
                    PluginError::transient("HTTP 503"),
                ),
            ],
        );
        let synced = Usage {
            as_of: "t".into(),
            records: Vec::new(),
            warnings: Vec::new(),
            failed_accounts: failed.into_iter().collect(),
        };
        let mut out = String::new();
        usage(&synced, &[], &mut out);
        assert!(
            out.ends_with(
                "   - c1 ((not listed)) vendor: count is text [billable-users]\n   \
                 - c1 ((not listed)) transient: HTTP 503 [platform.dropbox, platform.slack]\n"
            ),
            "{out}"
        );
        assert!(out.contains("1 failed accounts"), "{out}");
    }

    /// Strings a hostile vendor or PSA names an account with to rewrite a terminal.
    const PAYLOADS: [&str; 8] = [
        "\u{1b}[2J\u{1b}[HCleared",
        "\u{1b}]0;owned\u{7}Title",
        "\u{1b}]8;;https://evil.example\u{1b}\\Link\u{1b}]8;;\u{1b}\\",
        "Real name\rFake",
        "Bell\u{7}",
        "\u{202e}txt.exe",
        "\u{9b}2JC1 clear",
        "Two\nLines\u{2028}and\u{7f}",
    ];

    #[test]
    fn vendor_strings_cannot_control_the_terminal() {
        for payload in PAYLOADS {
            let escaped = shown(payload);
            assert!(!escaped.chars().any(controls_a_terminal), "{escaped:?}");
            assert!(!escaped.contains('\n'), "{escaped:?}");
            let table = table(&["NAME"], [vec![payload.to_owned()]]);
            assert_eq!(table.lines().count(), 2, "{table:?}");
            assert!(!for_terminal(payload)
                .chars()
                .any(|c| c != '\n' && controls_a_terminal(c)));
        }
        assert_eq!(shown("Acme\u{1b}[2J"), "Acme\\u{1b}[2J");
        assert_eq!(shown("Café & Sons 東京"), "Café & Sons 東京");
        assert_eq!(for_terminal("a\nb\rc"), "a\nb\\u{d}c");
    }

    #[test]
    fn json_for_a_terminal_is_the_same_json_value_without_terminal_controls() {
        for payload in PAYLOADS {
            let json = serde_json::to_string_pretty(&serde_json::json!({"name": payload})).unwrap();
            let safe = terminal_json(&json);
            assert!(
                !safe.chars().any(|c| c != '\n' && controls_a_terminal(c)),
                "{safe:?}"
            );
            let read: Value = serde_json::from_str(&safe).unwrap();
            assert_eq!(read["name"], payload);
        }
    }

    #[test]
    fn tables_align_columns_by_characters() {
        let text = table(&["A", "B"], [vec!["Café".to_owned(), "1".to_owned()]]);
        assert_eq!(text, "   A     B\n   Café  1\n");
    }

    #[test]
    fn tables_align_wide_characters_by_display_width() {
        let rows = [
            vec!["東京商事".to_owned(), "1".to_owned(), String::new()],
            vec!["Acme 🚀".to_owned(), "22".to_owned(), "x".to_owned()],
        ];
        let text = table(&["NAME", "N", "NOTE"], rows);
        assert_eq!(
            text,
            "   NAME      N   NOTE\n   東京商事  1\n   Acme 🚀   22  x\n"
        );
    }
}
