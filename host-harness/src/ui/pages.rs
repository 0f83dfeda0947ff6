//! The web host's screens, rendered on the server; every value is escaped by `maud`.

use maud::{html, Markup, DOCTYPE};
use plugin_contract::{Credentials, ErrorClass, PluginError};
use serde_json::Value;

use crate::render::{keys, labels};
use crate::seed::approve::Change;
use crate::seed::psa::PsaSnapshot;
use crate::seed::review::{LineKind, ReviewLine};
use crate::store::approvals::ApprovalRow;
use crate::store::connection::{ConnectionState, Status};
use crate::store::syncs::{SyncRow, SyncStatus};
use crate::ui::job::{Ended, Progress};
use crate::ui::Form;

/// What every page shows.
pub struct Context {
    /// The vendor's name.
    pub vendor: String,
    /// The plugin's version.
    pub plugin_version: String,
    /// The interface version it implements.
    pub interface_version: String,
    /// The integration's status.
    pub status: Status,
    /// The CSRF token every form sends.
    pub csrf: String,
    /// Whether the vendor is a replayed scenario.
    pub replaying: bool,
    /// The store's file.
    pub store: String,
}

const SCREENS: [(&str, &str); 7] = [
    ("/", "Integrations"),
    ("/connect", "Connect"),
    ("/accounts", "Accounts"),
    ("/services", "Services"),
    ("/sync", "Sync"),
    ("/review", "Review"),
    ("/history", "History"),
];

/// Lays out a screen: the navigation, the title, the content.
fn layout(context: &Context, current: &str, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(context.csrf);
                title { (title) " · " (context.vendor) " · host-harness" }
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body {
                header {
                    p.vendor {
                        strong { (context.vendor) }
                        " · status " span.status { (context.status.label()) }
                        @if context.replaying { " · replayed scenario" }
                    }
                    nav aria-label="Screens" {
                        ul {
                            @for (path, name) in SCREENS {
                                li {
                                    @if path == current {
                                        a href=(path) aria-current="page" { (name) }
                                    } @else {
                                        a href=(path) { (name) }
                                    }
                                }
                            }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// Renders a refusal or a failure.
pub fn error_page(status: u16, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "host-harness: " (status) }
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                main {
                    h1 { "Not done (" (status) ")" }
                    p #error role="alert" { (message) }
                    p { a href="/" { "Back to Integrations" } }
                }
            }
        }
    }
}

/// Renders Integrations: the vendor, its versions and its status.
pub fn integrations(
    context: &Context,
    connection: Option<&ConnectionState>,
    last_sync: Option<&SyncRow>,
) -> Markup {
    let next = match context.status {
        Status::NotConnected | Status::Failing(_) => ("/connect", "Connect"),
        Status::Pending => ("/accounts", "Map accounts"),
        Status::Active => ("/review", "Review usage"),
    };
    layout(
        context,
        "/",
        "Integrations",
        html! {
            table #integrations {
                thead { tr { th { "Vendor" } th { "Plugin" } th { "Interface" } th { "Status" } th { "Last sync" } th { "Next" } } }
                tbody {
                    tr {
                        td { (context.vendor) }
                        td { (context.plugin_version) }
                        td { (context.interface_version) }
                        td #integration-status { (context.status.label()) }
                        td { @match last_sync {
                            Some(sync) => { (sync.status.as_str()) " · " (sync.started_at) }
                            None => { "never" }
                        } }
                        td { a href=(next.0) { (next.1) } }
                    }
                }
            }
            @if let Some(error) = connection.and_then(|c| c.error.as_ref()) {
                p.failure role="alert" { "Last failure (" (error.class.as_str()) "): " (error.message) }
            }
            p.note { "State is kept in " code { (context.store) } "; secret credentials only in this server's memory." }
        },
    )
}

/// One field of a credentials schema.
pub struct Field {
    /// The credential's key.
    pub key: String,
    /// Its title, or its key.
    pub title: String,
    /// Its help text.
    pub help: Option<String>,
    /// Whether it must be filled.
    pub required: bool,
    /// Whether it is secret (`writeOnly`).
    pub secret: bool,
    /// Whether it is a URL.
    pub url: bool,
    /// The schema's default.
    pub default: Option<String>,
}

/// Returns the fields of a `credentials_schema`, in the schema's order.
pub fn schema_fields(schema: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(key, property)| {
            let text = |name: &str| {
                property
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            Field {
                key: key.clone(),
                title: text("title").unwrap_or_else(|| key.clone()),
                help: text("description"),
                required: required.contains(&key.as_str()),
                secret: plugin_contract::is_write_only(schema, key),
                url: text("format").as_deref() == Some("uri"),
                default: text("default"),
            }
        })
        .collect()
}

/// The credentials form: the schema, the values to show, and which secrets are saved.
pub struct CredentialsForm<'a> {
    /// The plugin's `credentials_schema`.
    pub schema: &'a Value,
    /// Non-secret values to start with.
    pub values: &'a Credentials,
    /// The secret fields.
    pub secret_fields: &'a [String],
    /// Whether secrets are saved in memory (a person may replace, not read, them).
    pub saved_secrets: bool,
}

/// Returns the field a failure concerns: the secret for `auth`; for `config`, the field whose
/// key or title the message names; none for the others (they concern the vendor).
pub fn field_of<'f>(error: &PluginError, fields: &'f [Field]) -> Option<&'f Field> {
    match error.class {
        ErrorClass::Auth => fields.iter().find(|f| f.secret),
        ErrorClass::Config => {
            let message = error.message.to_lowercase();
            fields.iter().find(|f| {
                message.contains(&f.key.to_lowercase()) || message.contains(&f.title.to_lowercase())
            })
        }
        _ => None,
    }
}

/// Returns what a person should do about a failure of `class`.
pub fn advice(error: &PluginError, fields: &[Field]) -> String {
    let secret = fields
        .iter()
        .find(|f| f.secret)
        .map_or("the key", |f| f.title.as_str());
    match error.class {
        ErrorClass::Config => "Fix the field named, then authenticate again.".into(),
        ErrorClass::Auth => format!("The vendor refused these credentials: re-enter the {secret}."),
        ErrorClass::Permission => "The credentials are valid but not allowed: enable what the message names at the vendor, then authenticate again.".into(),
        ErrorClass::RateLimited => format!(
            "The vendor asks to slow down: try again in {} seconds.",
            error.retry_after_s.unwrap_or(30)
        ),
        ErrorClass::Transient => "The vendor did not answer: try again in a minute.".into(),
        _ => "Report this to the plugin's authors.".into(),
    }
}

/// Renders Connect: the form generated from the schema, and the last outcome.
pub fn connect(
    context: &Context,
    form: &CredentialsForm<'_>,
    connection: Option<&ConnectionState>,
    failure: Option<&PluginError>,
) -> Markup {
    let fields = schema_fields(form.schema);
    let placed = failure
        .and_then(|f| field_of(f, &fields))
        .map(|f| f.key.clone());
    let pending = matches!(context.status, Status::Pending | Status::Active);
    layout(
        context,
        "/connect",
        "Connect",
        html! {
            form #connect-form method="post" action="/connect" novalidate {
                input type="hidden" name="csrf" value=(context.csrf);
                @for field in &fields {
                    @let id = format!("cred-{}", field.key);
                    @let help_id = format!("help-{}", field.key);
                    @let error_id = format!("error-{}", field.key);
                    div.field {
                        label for=(id) {
                            (field.title)
                            @if field.required { span.required aria-hidden="true" { " *" } span.visually-hidden { " (required)" } }
                        }
                        @if field.secret {
                            input id=(id) name=(id) type="password" autocomplete="off"
                                required[field.required]
                                aria-describedby=(format!("{help_id} {error_id}"))
                                placeholder=[form.saved_secrets.then_some("saved: type to replace")];
                        } @else {
                            @let value = form.values.get(&field.key).map(str::to_owned).or_else(|| field.default.clone()).unwrap_or_default();
                            input id=(id) name=(id) type=(if field.url { "url" } else { "text" })
                                value=(value) required[field.required]
                                aria-describedby=(format!("{help_id} {error_id}"));
                        }
                        @if let Some(help) = &field.help { p.help id=(help_id) { (help) } } @else { span id=(help_id) {} }
                        p.field-error id=(error_id) role="alert" {
                            @if let (Some(error), Some(key)) = (failure, &placed) {
                                @if *key == field.key {
                                    (error.class.as_str()) ": " (error.message) " " (advice(error, &fields))
                                }
                            }
                        }
                    }
                }
                p #connect-error.failure role="alert" {
                    @if let (Some(error), None) = (failure, &placed) {
                        (error.class.as_str()) ": " (error.message) " " (advice(error, &fields))
                    }
                }
                button type="submit" { "Authenticate" }
            }
            @if failure.is_none() && pending {
                @if let Some(detail) = connection.and_then(|c| c.detail.as_ref()) {
                    section {
                        p #connect-result role="status" { (detail) }
                        p { "Accounts and services are generated; the integration is " strong { (context.status.label()) } "." }
                        form method="post" action="/refresh" {
                            input type="hidden" name="csrf" value=(context.csrf);
                            button type="submit" { "Refresh accounts and services" }
                        }
                        p { a href="/accounts" { "Next: map accounts" } }
                    }
                }
            }
        },
    )
}

/// Renders Accounts: PSA accounts left, vendor accounts right.
pub fn accounts(
    context: &Context,
    show: Option<&str>,
    psa_list: &Markup,
    vendor_list: &Markup,
) -> Markup {
    layout(
        context,
        "/accounts",
        "Account mapping",
        html! {
            p.help { "Drag a PSA account onto a vendor account, or press Select on a PSA account and then Map selected here on a vendor account. Exact names and the vendor's own PSA links are matched already; suggestions are never applied for you." }
            p #selection role="status" aria-live="polite" {}
            div.columns {
                section aria-labelledby="psa-title" {
                    h2 #psa-title { "PSA accounts" }
                    label for="psa-search" { "Search PSA accounts" }
                    input #psa-search type="search" data-target="psa-accounts-box" data-param="q" minlength="2" autocomplete="off";
                    div #psa-accounts-box.box { (psa_list) }
                }
                section aria-labelledby="vendor-title" {
                    h2 #vendor-title { (context.vendor) " accounts" }
                    label for="vendor-show" { "Show" }
                    select #vendor-show data-target="vendor-accounts-box" data-param="show" {
                        @for filter in crate::seed::mapping::Show::ALL {
                            option value=(filter.as_str()) selected[show == Some(filter.as_str())] { (filter.as_str()) }
                        }
                    }
                    label for="vendor-search" { "Filter vendor accounts" }
                    input #vendor-search type="search" data-target="vendor-accounts-box" data-param="vq" autocomplete="off";
                    div #vendor-accounts-box.box { (vendor_list) }
                }
            }
            p { a href="/services" { "Next: map services" } }
        },
    )
}

/// Renders Services: PSA products left, vendor services right, and Finish.
pub fn services(context: &Context, products: &Markup, services: &Markup, finished: bool) -> Markup {
    layout(
        context,
        "/services",
        "Service mapping",
        html! {
            p.help { "Search PSA products by Product ID or name, then drag one onto a service, or Select it and press Map selected here." }
            p #selection role="status" aria-live="polite" {}
            div.columns {
                section aria-labelledby="products-title" {
                    h2 #products-title { "PSA products" }
                    label for="product-search" { "Search PSA products" }
                    input #product-search type="search" data-target="psa-products-box" data-param="q" autocomplete="off";
                    div #psa-products-box.box { (products) }
                }
                section aria-labelledby="services-title" {
                    h2 #services-title { (context.vendor) " services" }
                    (services)
                }
            }
            form method="post" action="/sync/start" {
                input type="hidden" name="csrf" value=(context.csrf);
                button #finish type="submit" disabled[!finished] { "Finish" }
                @if !finished { p.help { "Map at least one account and one service to finish." } }
            }
        },
    )
}

/// Renders Sync: the status that spins while it runs, Cancel, and Refresh once it ended.
pub fn sync_page(context: &Context, progress: &Progress) -> Markup {
    layout(
        context,
        "/sync",
        "Sync status",
        html! {
            div #sync-status role="status" aria-live="polite" data-running=(progress.running) {
                @if progress.running { span.spinner aria-hidden="true" {} }
                span.text { (progress.text()) }
            }
            @if let Some(Ended::Failed { .. }) = &progress.ended {
                p.failure role="alert" { "Nothing was counted as 0: the review keeps the last good values." }
            }
            form method="post" action="/sync/cancel" {
                input type="hidden" name="csrf" value=(context.csrf);
                button #cancel type="submit" disabled[!progress.running] { "Cancel" }
            }
            form method="get" action="/review" {
                button #refresh type="submit" disabled[progress.running || progress.ended.is_none()] { "Refresh" }
            }
        },
    )
}

/// Returns the progress as the Sync screen's script reads it.
pub fn progress_json(progress: &Progress) -> String {
    let ended = progress.ended.as_ref().map(|e| match e {
        Ended::Done { .. } => "done",
        Ended::Failed { .. } => "failed",
        Ended::Cancelled => "cancelled",
    });
    serde_json::json!({
        "running": progress.running,
        "done": progress.done,
        "total": progress.total,
        "ended": ended,
        "text": progress.text(),
    })
    .to_string()
}

/// How the Review screen filters and sorts its lines.
pub struct ReviewView {
    /// The kind shown, or every one.
    pub kind: Option<LineKind>,
    /// `account`, `product` or `delta`.
    pub sort: String,
}

impl ReviewView {
    /// Reads `kind` and `sort` from the query.
    pub fn of(query: &Form) -> ReviewView {
        ReviewView {
            kind: query
                .get("kind")
                .and_then(|k| LineKind::ALL.into_iter().find(|l| l.label() == k)),
            sort: query.get("sort").unwrap_or("account").to_owned(),
        }
    }

    fn lines<'r>(&self, lines: &'r [ReviewLine]) -> Vec<&'r ReviewLine> {
        let mut shown: Vec<&ReviewLine> = lines
            .iter()
            .filter(|l| self.kind.is_none_or(|k| l.kind == k))
            .collect();
        match self.sort.as_str() {
            "product" => shown.sort_by(|a, b| {
                (&a.psa_product_id, &a.psa_account_name)
                    .cmp(&(&b.psa_product_id, &b.psa_account_name))
            }),
            "delta" => shown.sort_by(|a, b| {
                b.delta
                    .abs()
                    .cmp(&a.delta.abs())
                    .then_with(|| a.line().cmp(&b.line()))
            }),
            _ => shown.sort_by(|a, b| {
                (&a.psa_account_name, &a.psa_product_id)
                    .cmp(&(&b.psa_account_name, &b.psa_product_id))
            }),
        }
        shown
    }
}

/// Renders Review: the lines to approve, failures, unmapped usage and warnings.
pub fn review(
    context: &Context,
    sync: Option<&SyncRow>,
    psa: &PsaSnapshot,
    view: &ReviewView,
) -> Markup {
    let Some((sync, review)) = sync.and_then(|s| s.review.as_ref().map(|r| (s, r))) else {
        return layout(
            context,
            "/review",
            "Review",
            html! { p { "No sync has finished yet: map accounts and services, then Finish." } },
        );
    };
    let count = |kind| review.lines.iter().filter(|l| l.kind == kind).count();
    let psa = psa.index();
    layout(
        context,
        "/review",
        "Review",
        html! {
            p.summary {
                "Sync " (sync.id) " as of " (review.as_of) ": "
                @for kind in LineKind::ALL { (count(kind)) " " (kind.label()) ", " }
                (review.failed.len()) " failed"
            }
            form.filters method="get" action="/review" {
                label for="kind" { "Kind" }
                select #kind name="kind" {
                    option value="" { "all" }
                    @for kind in LineKind::ALL {
                        option value=(kind.label()) selected[view.kind == Some(kind)] { (kind.label()) }
                    }
                }
                label for="sort" { "Sort by" }
                select #sort name="sort" {
                    @for (value, name) in [("account", "PSA account"), ("product", "product"), ("delta", "largest change")] {
                        option value=(value) selected[view.sort == value] { (name) }
                    }
                }
                button type="submit" { "Apply" }
            }
            form #approve-form method="post" action="/approve" {
                input type="hidden" name="csrf" value=(context.csrf);
                input type="hidden" name="sync" value=(sync.id);
                table #review-lines {
                    thead { tr { th { span.visually-hidden { "Select" } } th { "PSA account" } th { "Product" } th { "Kind" } th { "PSA" } th { "Vendor" } th { "Change" } th { "Vendor accounts" } th { span.visually-hidden { "Approve" } } } }
                    tbody {
                        @for line in view.lines(&review.lines) {
                            @let key = line.line().key();
                            tr data-line=(key) {
                                td { input type="checkbox" name="line" value=(key) aria-label=(format!("Select line {key}")); }
                                td { (line.psa_account_name) " " span.id { (line.psa_account_id) } }
                                td { (psa.product_name(&line.psa_product_id).unwrap_or("")) " " span.id { (line.psa_product_id) } }
                                td.kind { (line.kind.label()) }
                                td.number { @match line.psa_quantity { Some(q) => { (q) } None => { "–" } } }
                                td.number { (line.vendor_quantity) }
                                td.number { @if line.delta == 0 { "0" } @else { (format!("{:+}", line.delta)) } }
                                td { (labels(&line.vendor_accounts)) }
                                td { button type="submit" name="line" value=(key) formnovalidate aria-label=(format!("Approve {key}")) { "Approve" } }
                            }
                        }
                    }
                }
                button type="submit" { "Approve selected" }
                " "
                button type="submit" name="all" value="1" { "Approve all" }
            }
            section #failed {
                h2 { "Failed (" (review.failed.len()) ")" }
                @if review.failed.is_empty() { p { "None." } }
                ul { @for failed in &review.failed {
                    li { (failed.vendor.label()) ": " strong { (failed.error.class.as_str()) } " " (failed.error.message) " · keeps the last good value of " (keys(&failed.psa_lines)) }
                } }
            }
            section #unmapped-usage {
                h2 { "Unmapped usage (" (review.unmapped_with_usage.len()) ")" }
                @if review.unmapped_with_usage.is_empty() { p { "None." } }
                ul { @for unmapped in &review.unmapped_with_usage {
                    li { (unmapped.vendor.label()) ": " (unmapped.quantity) " " (unmapped.service_id) }
                } }
            }
            section #warnings {
                h2 { "Warnings (" (review.warnings.len()) ")" }
                @if review.warnings.is_empty() { p { "None." } }
                ul { @for warning in &review.warnings {
                    li { code { (warning.code) } " " (warning.message) }
                } }
            }
            form method="post" action="/sync/start" {
                input type="hidden" name="csrf" value=(context.csrf);
                button type="submit" { "Sync again" }
            }
        },
    )
}

/// Renders one approval's change set with its downloads.
pub fn approval(context: &Context, row: &ApprovalRow) -> Markup {
    let set = &row.approval.change_set;
    layout(
        context,
        "",
        "Approved",
        html! {
            p role="status" { "Approval " (row.id) " of sync " (row.sync_id) " at " (row.approved_at) ": " (set.changes.len()) " changes to the PSA, " (row.approval.unchanged.len()) " lines already agreed." }
            table #change-set {
                thead { tr { th { "PSA account" } th { "Product" } th { "Old" } th { "New" } th { "Vendor accounts" } } }
                tbody { @for change in &set.changes {
                    tr data-line=(change.line().key()) {
                        td { (change.psa_account_name) " " span.id { (change.psa_account_id) } }
                        td { (change.psa_product_id) }
                        td.number { @match change.old_quantity { Some(q) => { (q) } None => { "–" } } }
                        td.number { (change.new_quantity) }
                        td { (labels(&change.vendor_accounts)) }
                    }
                } }
            }
            p {
                a href=(format!("/approvals/{}/changes.json", row.id)) download { "Download JSON" }
                " · "
                a href=(format!("/approvals/{}/changes.csv", row.id)) download { "Download CSV" }
            }
            p { a href="/review" { "Back to the review" } }
        },
    )
}

/// Renders History: each sync and approval, latest first.
pub fn history(context: &Context, syncs: &[SyncRow], approvals: &[ApprovalRow]) -> Markup {
    layout(
        context,
        "/history",
        "History",
        html! {
            section #history {
                h2 { "Syncs" }
                table #syncs {
                    thead { tr { th { "Sync" } th { "As of" } th { "Started" } th { "Ended" } th { "Status" } th { "Lines" } } }
                    tbody { @for sync in syncs {
                        tr {
                            td { (sync.id) }
                            td { (sync.as_of) }
                            td { (sync.started_at) }
                            td { (sync.finished_at.as_deref().unwrap_or("")) }
                            td { (sync.status.as_str())
                                @if let Some(error) = &sync.error { " (" (error.class.as_str()) "): " (error.message) } }
                            td { @if let Some(review) = &sync.review {
                                    a href=(format!("/review?sync={}", sync.id)) { (review.lines.len()) " lines" }
                                } @else if sync.status == SyncStatus::Running { "running" } }
                        }
                    } }
                }
                h2 { "Approvals" }
                table #approvals {
                    thead { tr { th { "Approval" } th { "When" } th { "Sync" } th { "Changes" } } }
                    tbody { @for row in approvals.iter().rev() {
                        tr {
                            td { a href=(format!("/approvals/{}", row.id)) { (row.id) } }
                            td { (row.approved_at) }
                            td { (row.sync_id) }
                            td { (keys(&row.approval.change_set.changes.iter().map(Change::line).collect::<Vec<_>>())) }
                        }
                    } }
                }
            }
        },
    )
}
