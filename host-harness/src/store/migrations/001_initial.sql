-- The host's state, version 1. JSON columns hold the contract's and the seed's own types
-- (serde), so that the store keeps exactly what the plugin and a person decided.

-- The one integration: which plugin, its non-secret credentials, and where it stands.
CREATE TABLE connection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    vendor_id TEXT NOT NULL,
    -- A JSON object of the credentials the schema does not mark secret: never a key.
    public_credentials TEXT NOT NULL,
    -- not_connected | pending | active | failing
    status TEXT NOT NULL,
    -- The plugin's sentence from authenticate.
    detail TEXT,
    -- The typed error (JSON) of the last step that failed as a whole.
    error TEXT,
    updated_at TEXT NOT NULL
);

-- The accounts and services as the plugin last generated them (JSON Account / Service).
CREATE TABLE accounts (id TEXT PRIMARY KEY, account TEXT NOT NULL);
CREATE TABLE services (id TEXT PRIMARY KEY, service TEXT NOT NULL);

-- The mapping, one row per vendor account and service (JSON AccountMapping / ServiceMapping).
CREATE TABLE account_mappings (vendor_account_id TEXT PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE service_mappings (service_id TEXT PRIMARY KEY, entry TEXT NOT NULL);

-- The PSA snapshot as the last approval left it (JSON PsaSnapshot) and its SHA-256.
CREATE TABLE psa (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    snapshot TEXT NOT NULL,
    sha256 TEXT NOT NULL
);

-- Each sync: running, done, failed or cancelled; its review (JSON Review) once done.
CREATE TABLE syncs (
    id INTEGER PRIMARY KEY,
    as_of TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    error TEXT,
    review TEXT
);
-- In the plugin's order; a pair listed twice stays twice, as the plugin said it.
CREATE TABLE sync_records (
    sync_id INTEGER NOT NULL REFERENCES syncs (id),
    position INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (sync_id, position)
);
CREATE TABLE sync_failures (
    sync_id INTEGER NOT NULL REFERENCES syncs (id),
    position INTEGER NOT NULL,
    -- JSON FailedAccount
    failure TEXT NOT NULL,
    PRIMARY KEY (sync_id, position)
);
CREATE TABLE sync_warnings (
    sync_id INTEGER NOT NULL REFERENCES syncs (id),
    position INTEGER NOT NULL,
    -- JSON Warning
    warning TEXT NOT NULL,
    PRIMARY KEY (sync_id, position)
);

-- Each approval of a sync's review: what it decided and the PSA snapshot as approved.
CREATE TABLE approvals (
    id INTEGER PRIMARY KEY,
    sync_id INTEGER NOT NULL REFERENCES syncs (id),
    approved_at TEXT NOT NULL,
    -- JSON Approval: the change set, the lines that already agreed, the failed ones
    approval TEXT NOT NULL,
    psa_sha256_before TEXT NOT NULL,
    psa_sha256_after TEXT NOT NULL,
    psa_after TEXT NOT NULL
);
