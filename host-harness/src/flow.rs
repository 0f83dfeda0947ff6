//! The seed flow an MSP goes through after entering credentials, printed for a person:
//! describe → authenticate → accounts and services generated (status pending) → with a PSA
//! snapshot, auto-mapping and the review of the first sync; without one, the first sync's
//! counts.
//!
//! Not in [`seed`](crate::seed): it runs the seed's steps and lays each out with
//! [`render`](crate::render), which uses the seed's types, so it sits above both (the seed
//! holds rules only, render lays them out, the flow puts both in order for a person).

use std::fmt::Write;

use plugin_contract::{Credentials, CredentialsInput, FetchUsageInput, PluginError, VendorPlugin};

use crate::render;
use crate::seed::mapping::{auto_map, Mapping};
use crate::seed::psa::PsaSnapshot;
use crate::seed::review::{sync_and_review, SyncError};

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
            render::shown(&error.message)
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
    let input = CredentialsInput::new(credentials.clone());
    let description = plugin
        .describe_credentials(&CredentialsInput::default())
        .map_err(|e| ("describe_credentials", e))?;
    let _ = writeln!(
        out,
        "{} ({}) {}, interface {}\n",
        render::shown(&description.vendor.name),
        render::shown(&description.vendor.id),
        render::shown(&description.plugin_version),
        render::shown(&description.interface_version)
    );
    let _ = writeln!(out, "1. Credentials the MSP enters");
    out.push_str(&render::table(
        &["FIELD", "TITLE", "NOTES"],
        render::credential_rows(&description.credentials_schema),
    ));

    let authenticated = plugin
        .authenticate(&input)
        .map_err(|e| ("authenticate", e))?;
    let _ = writeln!(
        out,
        "\n2. Authenticate: OK\n   {}",
        render::shown(&authenticated.detail)
    );

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
    out.push_str(&render::table(
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
    render::warnings(&accounts.warnings, out);
    let _ = writeln!(out, "\n   {} services", services.services.len());
    out.push_str(&render::table(
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
        out.push_str(&render::mapping(&mapping, psa));
        let review = match sync_and_review(plugin, credentials, &mapping, psa, as_of) {
            Ok(review) => review,
            Err(SyncError::Call { call, error }) => return Err((call, error)),
            Err(not_finished) => {
                let _ = writeln!(out, "\n5. No sync: {not_finished}");
                return Ok(());
            }
        };
        let _ = writeln!(out, "\n5. First sync, for review and approval\n");
        out.push_str(&render::review(&review));
    } else {
        let usage = plugin
            .fetch_usage(&FetchUsageInput {
                credentials: credentials.clone(),
                as_of: as_of.to_owned(),
                account_ids: None,
                service_ids: None,
            })
            .map_err(|e| ("fetch_usage", e))?;
        render::usage(&usage, &accounts.accounts, out);
    }
    let _ = writeln!(out, "\nIntegration status: active (first sync received)");
    Ok(())
}
