//! The seed's steps on a store, one implementation each for the web host and the CLI: connect
//! (authenticate, then generate accounts and services and auto-map them), sync (count and
//! review), and, in [`Store::approve`], approve. Each step's writes are one transaction.

use plugin_contract::{Credentials, CredentialsInput, PluginError, VendorPlugin};

use crate::seed::mapping::auto_map;
use crate::seed::review::{fetch_mapped_usage, MadeFrom, Review, SyncError};
use crate::store::connection::{
    public_credentials, put_connection, put_generated, ConnectionState, Status,
};
use crate::store::mapping::{mapping_sha256, put_mapping};
use crate::store::syncs::SyncEnd;
use crate::store::{Store, StoreError};

/// Why a step did not happen; what the store holds says how far it got.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A plugin call failed as a whole (the connection is failing with its class).
    #[error("{call} failed ({}): {}", .error.class.as_str(), .error.message)]
    Call {
        call: &'static str,
        error: PluginError,
    },
    /// The mapping has no mapped account or no mapped service yet.
    #[error("the mapping is not finished: map at least one account and one service first")]
    MappingNotFinished,
    /// A person cancelled the sync.
    #[error("the sync was cancelled")]
    Cancelled,
    /// The store has no PSA snapshot to map onto or review against.
    #[error("the store has no PSA snapshot: import one first (--psa)")]
    NoPsa,
}

/// What a successful connect generated.
#[derive(Clone, Debug)]
pub struct Connected {
    /// The plugin's sentence for the MSP.
    pub detail: String,
    /// How many accounts and services were generated.
    pub accounts: usize,
    /// See `accounts`.
    pub services: usize,
}

/// The plugin a step calls, and what it needs to know about it.
pub struct Calling<'a, P> {
    /// The plugin.
    pub plugin: &'a mut P,
    /// The credentials entered, secrets included (they stay in memory).
    pub credentials: &'a Credentials,
    /// The credentials its schema marks `writeOnly`: never stored.
    pub secret_fields: &'a [String],
    /// Its vendor's id.
    pub vendor_id: &'a str,
}

/// Authenticates, then lists accounts and services and maps them onto the store's PSA
/// snapshot, keeping the decisions already in the store. The connection is stored either way
/// (without its secrets): failing with the error's class, or pending (active, if a sync has
/// succeeded before) with the accounts, services and mapping, in one transaction.
pub fn connect<P: VendorPlugin>(
    store: &mut Store,
    calling: Calling<'_, P>,
    now: &str,
) -> Result<Connected, StepError> {
    let input = CredentialsInput::new(calling.credentials.clone());
    let public = public_credentials(calling.credentials, calling.secret_fields);
    let previous = store.connection()?;
    let failing = |store: &mut Store, call: &'static str, error: PluginError| {
        let state = ConnectionState {
            vendor_id: calling.vendor_id.to_owned(),
            public_credentials: public.clone(),
            status: Status::Failing(error.class),
            detail: None,
            error: Some(error.clone()),
            updated_at: now.to_owned(),
        };
        store.transaction(|tx| put_connection(tx, &state))?;
        Err(StepError::Call { call, error })
    };
    let authenticated = match calling.plugin.authenticate(&input) {
        Ok(authenticated) => authenticated,
        Err(error) => return failing(store, "authenticate", error),
    };
    let accounts = match calling.plugin.list_accounts(&input) {
        Ok(listed) => listed.accounts,
        Err(error) => return failing(store, "list_accounts", error),
    };
    let services = match calling.plugin.list_services(&input) {
        Ok(listed) => listed.services,
        Err(error) => return failing(store, "list_services", error),
    };
    let psa = store.psa()?.map(|(psa, _)| psa).ok_or(StepError::NoPsa)?;
    let mapping = auto_map(&accounts, &services, &psa, &store.mapping()?);
    let was_active =
        previous.is_some_and(|c| c.status == Status::Active) || store.has_finished_sync()?;
    let state = ConnectionState {
        vendor_id: calling.vendor_id.to_owned(),
        public_credentials: public,
        status: if was_active {
            Status::Active
        } else {
            Status::Pending
        },
        detail: Some(authenticated.detail.clone()),
        error: None,
        updated_at: now.to_owned(),
    };
    store.transaction(|tx| {
        put_connection(tx, &state)?;
        put_generated(tx, &accounts, &services)?;
        put_mapping(tx, &mapping)
    })?;
    Ok(Connected {
        detail: authenticated.detail,
        accounts: accounts.len(),
        services: services.len(),
    })
}

/// Syncs usage as of `as_of` for the store's mapping and reviews it against the store's PSA
/// snapshot: the sync is stored as running, then with everything it
/// counted and its review, or as failed (the connection failing with the class), or as
/// cancelled when `cancelled()` says so once the plugin returned.
pub fn sync<P: VendorPlugin>(
    store: &mut Store,
    plugin: &mut P,
    credentials: &Credentials,
    as_of: &str,
    clock: &dyn Fn() -> String,
    cancelled: &dyn Fn() -> bool,
) -> Result<(i64, Review), StepError> {
    let mapping = store.mapping()?;
    if !mapping.is_finished() {
        return Err(StepError::MappingNotFinished);
    }
    let (psa, psa_sha256) = store.psa()?.ok_or(StepError::NoPsa)?;
    let made_from = MadeFrom {
        psa_sha256,
        mapping_sha256: mapping_sha256(&mapping)?,
    };
    let id = store.start_sync(as_of, &clock())?;
    let fetched = fetch_mapped_usage(plugin, credentials, &mapping, as_of);
    if cancelled() {
        store.finish_sync(id, SyncEnd::Cancelled, &clock())?;
        return Err(StepError::Cancelled);
    }
    match fetched {
        Ok(synced) => {
            let usage = synced.usage.clone();
            let mut review = Review::build(synced, &mapping, &psa);
            review.made_from = Some(made_from);
            store.finish_sync(
                id,
                SyncEnd::Done {
                    usage: &usage,
                    review: &review,
                },
                &clock(),
            )?;
            Ok((id, review))
        }
        Err(SyncError::Call { call, error }) => {
            store.finish_sync(id, SyncEnd::Failed(&error), &clock())?;
            Err(StepError::Call { call, error })
        }
        Err(SyncError::MappingNotFinished) => Err(StepError::MappingNotFinished),
    }
}
