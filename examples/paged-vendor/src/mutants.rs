//! What some mutants (cargo features `mutant-…`) need beyond a changed line; nothing here is
//! built without one. The table in `README.md` lists every mutant and the check that catches it.

#[cfg(feature = "mutant-unstable-ids")]
pub use unstable_ids::{next_sync, renumbered, this_sync};

#[cfg(all(target_arch = "wasm32", feature = "mutant-http-headers"))]
pub use pdk_http::PdkHttp;

/// The five exports written by hand in place of `export_plugin!`, without its redaction.
#[cfg(all(target_arch = "wasm32", feature = "mutant-unredacted-exports"))]
mod unredacted_exports;

/// Adds a tenant of 0 seats for each account asked for that Paged Backup does not list.
#[cfg(feature = "mutant-unknown-account-zero")]
pub fn zero_for_unlisted(
    mut listed: crate::tenants::Tenants,
    input: &plugin_contract::FetchUsageInput,
) -> crate::tenants::Tenants {
    for id in input.account_ids.iter().flatten() {
        if !listed.tenants.iter().any(|tenant| &tenant.id == id) {
            listed.tenants.push(crate::tenants::Tenant {
                id: id.clone(),
                name: String::new(),
                status: "active".to_owned(),
                seats: Ok(0),
            });
        }
    }
    listed
}

/// The input with `service_ids` the plugin does not have left out.
#[cfg(feature = "mutant-unknown-service-ignored")]
pub fn known_services_only(
    input: &plugin_contract::FetchUsageInput,
) -> plugin_contract::FetchUsageInput {
    let mut known = input.clone();
    if let Some(ids) = &mut known.service_ids {
        ids.retain(|id| id == crate::BACKUP_SEATS);
    }
    known
}

/// The input with a valid `as_of` in place of the one asked, so that it is never checked.
#[cfg(feature = "mutant-as-of-unchecked")]
pub fn with_valid_as_of(
    input: &plugin_contract::FetchUsageInput,
) -> plugin_contract::FetchUsageInput {
    plugin_contract::FetchUsageInput {
        as_of: "2000-01-01T00:00:00Z".to_owned(),
        ..input.clone()
    }
}

/// The usage's records in reverse order.
#[cfg(feature = "mutant-records-reversed")]
pub fn records_reversed(mut usage: plugin_contract::Usage) -> plugin_contract::Usage {
    usage.records.reverse();
    usage
}

/// The usage's last record pushed a second time.
#[cfg(feature = "mutant-duplicate-record")]
pub fn last_record_twice(mut usage: plugin_contract::Usage) -> plugin_contract::Usage {
    usage.records.extend(usage.records.last().cloned());
    usage
}

/// The usage's last record dropped.
#[cfg(feature = "mutant-missing-pair")]
pub fn last_record_dropped(mut usage: plugin_contract::Usage) -> plugin_contract::Usage {
    usage.records.pop();
    usage
}

/// Account ids numbered by a static counter of `list_accounts` calls: a static outlives the
/// call, so the same tenant gets another id each time an instance lists it.
#[cfg(feature = "mutant-unstable-ids")]
mod unstable_ids {
    use std::sync::atomic::{AtomicU32, Ordering};

    use crate::tenants::Tenants;

    static SYNCS: AtomicU32 = AtomicU32::new(0);

    /// Counts one more listing and returns its number.
    pub fn next_sync() -> u32 {
        SYNCS.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Returns the number of the last listing.
    pub fn this_sync() -> u32 {
        SYNCS.load(Ordering::Relaxed)
    }

    /// Appends `-<sync>` to every tenant id.
    pub fn renumbered(mut listed: Tenants, sync: u32) -> Tenants {
        for tenant in &mut listed.tenants {
            tenant.id = format!("{}-{sync}", tenant.id);
        }
        listed
    }
}

/// HTTP through the PDK's `http::request`, which also imports `extism:host/env::http_headers`.
#[cfg(all(target_arch = "wasm32", feature = "mutant-http-headers"))]
mod pdk_http {
    use vendor_kit::http::{Http, HttpRequest, HttpResponse, TransportError};

    /// Sends requests with `extism_pdk::http::request`.
    pub struct PdkHttp;

    impl Http for PdkHttp {
        fn send(&mut self, sent: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
            let mut request = extism_pdk::HttpRequest::new(sent.url).with_method(sent.method);
            for (name, value) in sent.headers {
                request = request.with_header(*name, *value);
            }
            let response = extism_pdk::http::request::<Vec<u8>>(&request, None)
                .map_err(|e| TransportError::connection(e.to_string()))?;
            Ok(HttpResponse {
                status: response.status_code(),
                body: response.body(),
            })
        }
    }
}
