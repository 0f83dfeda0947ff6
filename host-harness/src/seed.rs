//! The seed flow an MSP goes through after entering credentials, printed for a person:
//! describe → authenticate → accounts and services generated (status pending) → with a PSA
//! snapshot, auto-mapping and the review of the first sync; without one, the first sync's
//! counts.

use std::fmt::Write;

use plugin_contract::{
    Credentials, CredentialsInput, FetchUsageInput, PluginError, Usage, VendorPlugin,
};
use serde_json::Value;

use crate::mapping::{auto_map, Mapping};
use crate::psa::PsaSnapshot;
use crate::review::{sync, SyncError};

/// What the seed flow printed, and the error that stopped it, if one did.
pub struct SeedReport {
    /// The report, for a person.
    pub text: String,
    /// The step and error that stopped the flow.
    pub failure: Option<(&'static str, PluginError)>,
}

/// Runs the seed flow with `credentials`, syncing usage `as_of`, mapping onto `psa` if given.
pub fn run_seed(
    plugin: &mut impl VendorPlugin,
    credentials: &Credentials,
    as_of: &str,
    psa: Option<&PsaSnapshot>,
) -> SeedReport {
    let mut text = String::new();
    let failure = seed_steps(plugin, credentials, as_of, psa, &mut text).err();
    if let Some((step, error)) = &failure {
        let _ = writeln!(
            text,
            "\n{step} FAILED ({}): {}",
            error.class.as_str(),
            error.message
        );
        let _ = writeln!(text, "Integration status: error");
    }
    SeedReport { text, failure }
}

fn seed_steps(
    plugin: &mut impl VendorPlugin,
    credentials: &Credentials,
    as_of: &str,
    psa: Option<&PsaSnapshot>,
    out: &mut String,
) -> Result<(), (&'static str, PluginError)> {
    let input = CredentialsInput {
        credentials: credentials.clone(),
    };
    let description = plugin
        .describe_credentials(&CredentialsInput::default())
        .map_err(|e| ("describe_credentials", e))?;
    let _ = writeln!(
        out,
        "{} ({}) {}, interface {}\n",
        description.vendor.name,
        description.vendor.id,
        description.plugin_version,
        description.interface_version
    );
    let _ = writeln!(out, "1. Credentials the MSP enters");
    out.push_str(&table(
        &["FIELD", "TITLE", "NOTES"],
        credential_rows(&description.credentials_schema),
    ));

    let authenticated = plugin
        .authenticate(&input)
        .map_err(|e| ("authenticate", e))?;
    let _ = writeln!(out, "\n2. Authenticate: OK\n   {}", authenticated.detail);

    let accounts = plugin
        .list_accounts(&input)
        .map_err(|e| ("list_accounts", e))?;
    let services = plugin
        .list_services(&input)
        .map_err(|e| ("list_services", e))?;
    let _ = writeln!(
        out,
        "\n3. Accounts and services generated. Integration status: pending (ready for mapping)\n\n   {} accounts",
        accounts.accounts.len()
    );
    out.push_str(&table(
        &["ID", "NAME", "STATUS", "DOMAINS", "PSA REFS"],
        accounts.accounts.iter().map(|a| {
            let refs: Vec<String> = a
                .psa_refs
                .iter()
                .map(|r| format!("{}:{}", r.system, r.id))
                .collect();
            vec![
                a.id.clone(),
                a.name.clone(),
                a.status.clone(),
                a.domains.join(", "),
                refs.join(", "),
            ]
        }),
    ));
    render_warnings(&accounts.warnings, out);
    let _ = writeln!(out, "\n   {} services", services.services.len());
    out.push_str(&table(
        &["ID", "NAME", "UNIT", "CATEGORY"],
        services.services.iter().map(|s| {
            vec![
                s.id.clone(),
                s.name.clone(),
                s.unit.clone(),
                format!("{} / {}", s.category, s.subcategory),
            ]
        }),
    ));

    if let Some(psa) = psa {
        let mapping = auto_map(
            &accounts.accounts,
            &services.services,
            psa,
            &Mapping::default(),
        );
        let _ = writeln!(out, "\n4. Auto-mapping onto the PSA: exact names and the vendor's own PSA links; suggestions are never applied\n");
        out.push_str(&mapping.render(psa));
        let review = match sync(plugin, credentials, &mapping, psa, as_of) {
            Ok(review) => review,
            Err(SyncError::Call { call, error }) => return Err((call, error)),
            Err(not_finished) => {
                let _ = writeln!(out, "\n5. No sync: {not_finished}");
                return Ok(());
            }
        };
        let _ = writeln!(out, "\n5. First sync, for review and approval\n");
        out.push_str(&review.render());
    } else {
        let usage = plugin
            .fetch_usage(&FetchUsageInput {
                credentials: credentials.clone(),
                as_of: as_of.to_owned(),
                account_ids: None,
                service_ids: None,
            })
            .map_err(|e| ("fetch_usage", e))?;
        render_usage(&usage, &accounts.accounts, out);
    }
    let _ = writeln!(out, "\nIntegration status: active (first sync received)");
    Ok(())
}

fn render_usage(usage: &Usage, accounts: &[plugin_contract::Account], out: &mut String) {
    let name_of = |id: &str| {
        accounts
            .iter()
            .find(|a| a.id == id)
            .map_or("(not listed)".to_owned(), |a| a.name.clone())
    };
    let _ = writeln!(
        out,
        "\n4. First sync: usage as of {} ({} records, {} warnings, {} failed accounts)",
        usage.as_of,
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
    render_warnings(&usage.warnings, out);
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
                    failed.account_id,
                    name_of(&failed.account_id),
                    error.class.as_str(),
                    error.message,
                    service_ids.join(", ")
                );
            }
        }
    }
}

pub(crate) fn render_warnings(warnings: &[plugin_contract::Warning], out: &mut String) {
    if !warnings.is_empty() {
        let _ = writeln!(out, "\n   Warnings");
        for warning in warnings {
            let account = warning.account_id.as_deref().unwrap_or("-");
            let _ = writeln!(out, "   - {account} [{}] {}", warning.code, warning.message);
        }
    }
}

fn credential_rows(schema: &Value) -> Vec<Vec<String>> {
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
            if property.get("writeOnly").and_then(Value::as_bool) == Some(true) {
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

/// Lays out rows under headers in columns, indented by three spaces.
pub(crate) fn table(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows.into_iter().collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        format!("   {}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_accounts_show_each_pairs_own_class() {
        use plugin_contract::{ErrorClass, FailedAccount};
        let failed = FailedAccount::of(
            "c1",
            vec![
                (
                    "billable-users".into(),
                    PluginError::new(ErrorClass::Vendor, "count is text"),
                ),
                (
                    "platform.slack".into(),
                    PluginError::new(ErrorClass::Transient, "HTTP 503"),
                ),
                (
                    "platform.dropbox".into(),
                    PluginError::new(ErrorClass::Transient, "HTTP 503"),
                ),
            ],
        );
        let usage = Usage {
            as_of: "t".into(),
            records: Vec::new(),
            warnings: Vec::new(),
            failed_accounts: failed.into_iter().collect(),
        };
        let mut out = String::new();
        render_usage(&usage, &[], &mut out);
        assert!(
            out.ends_with(
                "   - c1 ((not listed)) vendor: count is text [billable-users]\n   \
                 - c1 ((not listed)) transient: HTTP 503 [platform.dropbox, platform.slack]\n"
            ),
            "{out}"
        );
        assert!(out.contains("1 failed accounts"), "{out}");
    }

    #[test]
    fn tables_align_columns_by_characters() {
        let text = table(&["A", "B"], [vec!["Café".to_owned(), "1".to_owned()]]);
        assert_eq!(text, "   A     B\n   Café  1\n");
    }
}
