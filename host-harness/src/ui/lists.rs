//! The mapping screens' lists: PSA accounts and products searched from two characters, vendor
//! accounts filtered by state, each drawn a page of [`PAGE`] rows at a time so that 5,000
//! accounts a side stay quick to draw and to search.

use maud::{html, Markup};

use crate::seed::mapping::{Mapping, Show, State};
use crate::seed::psa::PsaSnapshot;
use crate::ui::Form;

/// How many rows a list draws at once.
pub const PAGE: usize = 50;

/// A search, from 2 characters, and the page asked for.
pub struct Query {
    /// The text searched for, lowercase; empty below 2 characters.
    pub text: String,
    /// The raw text as typed, for the search box.
    pub typed: String,
    /// The page, from 0.
    pub page: usize,
}

impl Query {
    /// Reads the query's `text` and `page` parameters.
    pub fn of(form: &Form, text: &str, page: &str) -> Query {
        let typed = form.get(text).unwrap_or("").to_owned();
        Query {
            text: if typed.chars().count() >= 2 {
                typed.to_lowercase()
            } else {
                String::new()
            },
            typed,
            page: form.get(page).and_then(|p| p.parse().ok()).unwrap_or(0),
        }
    }

    /// Tells whether any of `fields` holds the text searched for.
    fn matches(&self, fields: &[&str]) -> bool {
        self.text.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(&self.text))
    }
}

/// Draws one page of `rows` (already filtered), with the pager the script follows.
fn paged<T>(
    rows: &[T],
    query: &Query,
    list_id: &str,
    source: &str,
    page_param: &str,
    row: impl Fn(&T) -> Markup,
) -> Markup {
    let pages = rows.len().div_ceil(PAGE).max(1);
    let page = query.page.min(pages - 1);
    let shown = &rows[(page * PAGE).min(rows.len())..((page + 1) * PAGE).min(rows.len())];
    html! {
        p.count aria-live="polite" {
            (rows.len()) " found"
            @if pages > 1 { ", page " (page + 1) " of " (pages) }
        }
        ul.list id=(list_id) data-source=(source) data-page-param=(page_param) {
            @for item in shown { (row(item)) }
        }
        @if pages > 1 {
            nav.pager aria-label="Pages" {
                @if page > 0 {
                    button.page type="button" data-list=(list_id) data-page=(page - 1) { "Previous" }
                }
                @if page + 1 < pages {
                    button.page type="button" data-list=(list_id) data-page=(page + 1) { "Next" }
                }
            }
        }
    }
}

/// Draws the PSA accounts matching `query` (name or id), each draggable and selectable.
pub fn psa_accounts(psa: &PsaSnapshot, query: &Query) -> Markup {
    let rows: Vec<_> = psa
        .accounts
        .iter()
        .filter(|a| query.matches(&[&a.name, &a.id]))
        .collect();
    paged(
        &rows,
        query,
        "psa-accounts",
        "/accounts/psa",
        "p",
        |account| {
            html! {
                li.row.psa draggable="true" data-psa-id=(account.id) data-name=(account.name) {
                    span.name { (account.name) }
                    span.id { (account.id) }
                    button.select type="button" aria-pressed="false" { "Select" }
                }
            }
        },
    )
}

/// Draws the vendor accounts `show` admits and `query` matches, with their state and buttons.
pub fn vendor_accounts(
    mapping: &Mapping,
    psa: &PsaSnapshot,
    query: &Query,
    show: Option<&str>,
    csrf: &str,
) -> Markup {
    let show = show.and_then(Show::parse).unwrap_or(Show::All);
    let rows: Vec<_> = mapping
        .accounts
        .iter()
        .filter(|a| show.admits(a) && query.matches(&[&a.vendor_name, &a.vendor_account_id]))
        .collect();
    let back = format!("/accounts?show={}", show.as_str());
    paged(
        &rows,
        query,
        "vendor-accounts",
        "/accounts/vendor",
        "vp",
        |entry| {
            let psa_name = entry
                .psa_account_id
                .as_deref()
                .map(|id| psa.account(id).map_or(id, |a| a.name.as_str()));
            html! {
                li.row.vendor.drop data-vendor-id=(entry.vendor_account_id) data-edit="map_account" {
                    span.name { (entry.vendor_name) }
                    span.id { (entry.vendor_account_id) }
                    span.state { (entry.state.as_str()) }
                    span.basis { (entry.reason) }
                    @if let Some(name) = psa_name { span.psa-name { "→ " (name) } }
                    @for suggestion in entry.suggestions.iter().filter(|_| entry.state == State::Unmapped) {
                        span.suggestion { "Suggestion: " (suggestion.psa_name) " (" (suggestion.psa_account_id) ")" }
                    }
                    form.map method="post" action="/mapping" {
                        input type="hidden" name="edit" value="map_account";
                        input type="hidden" name="vendor_account_id" value=(entry.vendor_account_id);
                        input type="hidden" name="psa_account_id" value="";
                        input type="hidden" name="back" value=(back);
                        input type="hidden" name="csrf" value=(csrf);
                        button.map-selected type="submit" disabled { "Map selected here" }
                    }
                    @if entry.state == State::Mapped {
                        (edit_button("unmap_account", "vendor_account_id", (&entry.vendor_account_id, &back, csrf), "Unmap"))
                    }
                    @if entry.state == State::Excluded {
                        (edit_button("unmap_account", "vendor_account_id", (&entry.vendor_account_id, &back, csrf), "Include"))
                    } @else {
                        (edit_button("exclude_account", "vendor_account_id", (&entry.vendor_account_id, &back, csrf), "Exclude"))
                    }
                }
            }
        },
    )
}

/// Draws the PSA products (id and name, from the agreement lines) matching `query`.
pub fn psa_products(psa: &PsaSnapshot, query: &Query) -> Markup {
    let mut products: Vec<(&str, &str)> = psa
        .agreement_lines
        .iter()
        .map(|l| (l.product_id.as_str(), l.product_name.as_str()))
        .collect();
    products.sort();
    products.dedup_by(|a, b| a.0 == b.0);
    let rows: Vec<_> = products
        .into_iter()
        .filter(|(id, name)| query.matches(&[id, name]))
        .collect();
    paged(
        &rows,
        query,
        "psa-products",
        "/services/psa",
        "p",
        |(id, name)| {
            html! {
                li.row.psa draggable="true" data-product-id=(id) data-name=(name) {
                    span.id { (id) }
                    span.name { (name) }
                    button.select type="button" aria-pressed="false" { "Select" }
                }
            }
        },
    )
}

/// Draws the vendor services with their state and buttons.
pub fn vendor_services(mapping: &Mapping, psa: &PsaSnapshot, csrf: &str) -> Markup {
    let product_name = |id: &str| {
        psa.agreement_lines
            .iter()
            .find(|l| l.product_id == id)
            .map_or_else(|| id.to_owned(), |l| format!("{} ({id})", l.product_name))
    };
    html! {
        ul.list id="vendor-services" {
            @for entry in &mapping.services {
                li.row.vendor.drop data-service-id=(entry.service_id) data-edit="map_service" {
                    span.name { (entry.service_name) }
                    span.id { (entry.service_id) }
                    span.state { (entry.state.as_str()) }
                    span.basis { (entry.reason) }
                    @if let Some(id) = &entry.psa_product_id { span.psa-name { "→ " (product_name(id)) } }
                    form.map method="post" action="/mapping" {
                        input type="hidden" name="edit" value="map_service";
                        input type="hidden" name="service_id" value=(entry.service_id);
                        input type="hidden" name="psa_product_id" value="";
                        input type="hidden" name="back" value="/services";
                        input type="hidden" name="csrf" value=(csrf);
                        button.map-selected type="submit" disabled { "Map selected here" }
                    }
                    @if entry.state == State::Mapped {
                        (edit_button("unmap_service", "service_id", (&entry.service_id, "/services", csrf), "Unmap"))
                    }
                }
            }
        }
    }
}

/// Draws a one-button form that applies a mapping edit to one entry.
fn edit_button(
    edit: &str,
    id_field: &str,
    (id, back, csrf): (&str, &str, &str),
    label: &str,
) -> Markup {
    html! {
        form method="post" action="/mapping" {
            input type="hidden" name="edit" value=(edit);
            input type="hidden" name=(id_field) value=(id);
            input type="hidden" name="back" value=(back);
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" { (label) }
        }
    }
}
