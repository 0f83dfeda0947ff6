//! Tally Cloud's API: the token, then paged lists, each answer read for what it means.
//!
//! Every list is `GET <path>?page=N&size=200` from page 0, an envelope
//! `{"content": [...], "page": {"number", "totalPages"}}`, followed while `number + 1 <
//! totalPages`, as Pax8's partner API pages. Each entry is read on its own (the kit's
//! [`entries`]): a company or product without a readable id is left out; a subscription that
//! cannot be read fails its company's count as `vendor`, never a 0.
//!
//! Every request carries the bearer token from [`vendor_kit::oauth::send`]: fetched at the first request
//! of an instance, reused after, refreshed once on a 401.

use std::collections::BTreeMap;

use plugin_contract::{ErrorClass, PluginError, Service, Warning};
use vendor_kit::accounts;
use vendor_kit::entries::{self, Broken, List, Members};
use vendor_kit::http::Http;
use vendor_kit::oauth::AuthorizedError;
use vendor_kit::page;
use vendor_kit::status::{self, Request};

use crate::{Config, APP_HELP, DEFAULT_API_URL};

/// The page size asked for.
const PAGE_SIZE: u32 = 200;

/// A company as Tally Cloud lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Company {
    /// Tally Cloud's id, never blank.
    pub id: String,
    /// The display name, trimmed.
    pub name: String,
    /// The status, lowercase (`active`, `inactive`); `unknown` when none is given.
    pub status: String,
}

/// Lists every company, sorted by id, each id once (the last listed kept, with a warning
/// naming it: the kit's one rule); `first` says whether it is the call's first request to the
/// API, where a wrong api_url shows.
pub fn companies<H: Http>(
    http: &mut H,
    config: &Config,
    first: Request,
) -> Result<(Vec<Company>, Vec<Warning>), PluginError> {
    let mut companies = pages(http, config, "/v1/companies", "", first, read_company)?;
    let warnings = accounts::sort_unique_by_id(
        &mut companies,
        |c| &c.id,
        "duplicate_company_id",
        |id| format!("Tally Cloud listed company {id} more than once; the last entry is kept."),
    );
    Ok((companies, warnings))
}

/// Lists every product as a service, sorted by id, each id once (the last listed kept, as for
/// companies; a service list carries no warnings); always a call's first request to the API.
pub fn products<H: Http>(http: &mut H, config: &Config) -> Result<Vec<Service>, PluginError> {
    let mut services = pages(
        http,
        config,
        "/v1/products",
        "",
        Request::First,
        read_product,
    )?;
    accounts::sort_unique_by_id(&mut services, |s| &s.id, "", |_| String::new());
    Ok(services)
}

/// Returns the quantity of each product the active subscriptions of company `id` hold.
pub fn subscriptions<H: Http>(
    http: &mut H,
    config: &Config,
    id: &str,
) -> Result<BTreeMap<String, u64>, PluginError> {
    let query = format!("&companyId={}", vendor_kit::percent_encode(id));
    let read = pages(
        http,
        config,
        "/v1/subscriptions",
        &query,
        Request::Later,
        read_subscription,
    )?;
    let mut quantities = BTreeMap::new();
    for subscription in read {
        let (product, quantity) = subscription.map_err(|problem| {
            PluginError::vendor(format!(
                "Tally Cloud sent a subscription of company {id} that cannot be read: {problem}."
            ))
            .with_http_status(200)
        })?;
        if let Some((product, quantity)) = product.zip(quantity) {
            let sum: &mut u64 = quantities.entry(product).or_default();
            *sum = sum.saturating_add(quantity);
        }
    }
    Ok(quantities)
}

/// Reads every page of `path` (with `query` after the page parameters), each entry with
/// `read`; `first` says whether page 0 is the call's first request to the API.
fn pages<H: Http, T>(
    http: &mut H,
    config: &Config,
    path: &str,
    query: &str,
    first: Request,
    read: fn(Members<'_>) -> Option<T>,
) -> Result<Vec<T>, PluginError> {
    let mut items = Vec::new();
    let mut number = 0;
    loop {
        let request = if number == 0 { first } else { Request::Later };
        let what = format!("GET {path}?page={number}&size={PAGE_SIZE}{query}");
        let url = format!("{}{}", config.api_root, &what[4..]);
        let body = get(http, config, &url, &what, request)?;
        let (page, total) = read_page(&body, read).map_err(|problem| {
            PluginError::vendor(format!(
                "Tally Cloud's answer to {what} cannot be read: {problem}."
            ))
            .with_http_status(200)
        })?;
        items.extend(page);
        number += 1;
        if number >= total || cfg!(feature = "mutant-skip-last-page") && number + 1 == total {
            return Ok(items);
        }
    }
}

/// Sends one GET with the token and returns its JSON body, or what the answer means.
fn get<H: Http>(
    http: &mut H,
    config: &Config,
    url: &str,
    what: &str,
    request: Request,
) -> Result<Vec<u8>, PluginError> {
    #[cfg(not(feature = "mutant-secret-in-header"))]
    let headers = [("accept", "application/json")];
    #[cfg(feature = "mutant-secret-in-header")]
    let headers = [
        ("accept", "application/json"),
        ("x-client-secret", config.client_secret.as_str()),
    ];
    #[cfg(feature = "mutant-token-per-request")]
    vendor_kit::oauth::forget_token();
    #[cfg(feature = "mutant-token-in-log")]
    crate::mutants::log_token();
    #[cfg(not(any(feature = "mutant-token-in-url", feature = "mutant-secret-as-bearer")))]
    let response = vendor_kit::oauth::send(
        http,
        &config.grant(),
        &vendor_kit::http::HttpRequest::get(url, &headers),
    );
    #[cfg(any(feature = "mutant-token-in-url", feature = "mutant-secret-as-bearer"))]
    let response = crate::mutants::send(http, config, url, &headers);
    let response = response.map_err(|error| match error {
        AuthorizedError::Token(error) => error.to_plugin_error("Tally Cloud"),
        AuthorizedError::Transport(error) => PluginError::new(
            error.class(),
            format!("Tally Cloud could not be reached ({what}): {error}."),
        ),
    })?;
    if response.status != 200 {
        let class = status::class_of(response.status, request);
        #[cfg(feature = "mutant-5xx-as-auth")]
        let class = if response.status >= 500 {
            ErrorClass::Auth
        } else {
            class
        };
        #[cfg(feature = "mutant-403-as-auth")]
        let class = if response.status == 403 {
            ErrorClass::Auth
        } else {
            class
        };
        let error = PluginError::new(class, failure_message(class, what, response.status))
            .with_http_status(response.status);
        #[cfg(feature = "mutant-retry-after-forced")]
        let error = PluginError {
            retry_after_s: (class == ErrorClass::RateLimited).then_some(0),
            ..error
        };
        return Err(error);
    }
    if page::is_web_page(&response.body) {
        let class = status::web_page_class(request);
        let message = format!(
            "Tally Cloud answered {what} with a web page, not JSON{}.",
            hint(class)
        );
        return Err(PluginError::new(class, message).with_http_status(200));
    }
    Ok(response.body)
}

/// Says, for the MSP, what an HTTP `status` of class `class` to `what` means.
fn failure_message(class: ErrorClass, what: &str, status: u16) -> String {
    format!(
        "Tally Cloud answered {what} with HTTP {status}{}.",
        hint(class)
    )
}

/// Says what the MSP does about a failure of `class`.
fn hint(class: ErrorClass) -> String {
    match class {
        ErrorClass::Auth => {
            format!(": the API app's token was refused; check the app in {APP_HELP}")
        }
        ErrorClass::Permission => {
            ": the API app may not read this; give it the partner read scope".to_owned()
        }
        ErrorClass::Config => format!(
            ": api_url does not lead to Tally Cloud's API ({DEFAULT_API_URL} for most partners)"
        ),
        ErrorClass::RateLimited => {
            ": Tally Cloud asks to slow down; the sync is retried later".to_owned()
        }
        ErrorClass::Transient => {
            ": Tally Cloud is unavailable; the sync is retried later".to_owned()
        }
        ErrorClass::NotFound => ": Tally Cloud does not know it (deleted?)".to_owned(),
        _ => String::new(),
    }
}

/// Reads one page: its entries and `page.totalPages`.
fn read_page<T>(body: &[u8], read: fn(Members<'_>) -> Option<T>) -> Result<(Vec<T>, u64), String> {
    let [content, page] = entries::named_members(body, ["content", "page"])
        .map_err(|e| format!("{e} with content"))?;
    let content = content.ok_or("it has no content")?;
    let items = entries::read_list(
        content,
        "a list",
        |list: List<'_>| -> Result<Vec<T>, Broken> {
            let mut items = Vec::new();
            for entry in list {
                items.extend(entries::members(entry?).and_then(read));
            }
            Ok(items)
        },
    )
    .map_err(|e| e.to_string())?;
    let page: serde_json::Value = page
        .and_then(|raw| serde_json::from_slice(raw).ok())
        .ok_or("it has no page")?;
    let total = page
        .get("totalPages")
        .and_then(serde_json::Value::as_u64)
        .ok_or("its page has no totalPages")?;
    Ok((items, total))
}

/// Returns the string member's value, trimmed, if it is a string.
fn text(raw: &[u8]) -> Option<String> {
    serde_json::from_slice::<String>(raw)
        .ok()
        .map(|s| s.trim().to_owned())
}

/// Reads a company; `None` without a readable, non-blank id.
fn read_company(members: Members<'_>) -> Option<Company> {
    let (mut id, mut name, mut status) = (None, String::new(), String::new());
    for member in members.flatten() {
        match member.key().as_ref() {
            b"id" => id = text(member.value),
            b"name" => name = text(member.value).unwrap_or_default(),
            b"status" => status = text(member.value).unwrap_or_default().to_lowercase(),
            _ => {}
        }
    }
    Some(Company {
        id: id.filter(|id| !id.is_empty())?,
        name,
        status: if status.is_empty() {
            "unknown".to_owned()
        } else {
            status
        },
    })
}

/// Reads a product as a service; `None` without a readable, non-blank id.
fn read_product(members: Members<'_>) -> Option<Service> {
    let (mut id, mut name, mut vendor, mut unit) =
        (None, String::new(), String::new(), String::new());
    for member in members.flatten() {
        match member.key().as_ref() {
            b"id" => id = text(member.value),
            b"name" => name = text(member.value).unwrap_or_default(),
            b"vendorName" => vendor = text(member.value).unwrap_or_default(),
            b"unitOfMeasure" => unit = text(member.value).unwrap_or_default().to_lowercase(),
            _ => {}
        }
    }
    Some(Service {
        id: id.filter(|id| !id.is_empty())?,
        description: format!("{name} subscriptions of a company, as Tally Cloud counts them."),
        name,
        category: "cloud".to_owned(),
        subcategory: if vendor.is_empty() {
            "other".to_owned()
        } else {
            vendor
        },
        unit: if unit.is_empty() {
            "license".to_owned()
        } else {
            unit
        },
    })
}

/// A subscription as read: its product and quantity when active (`None`s when not), or why
/// it cannot be read.
type Subscription = Result<(Option<String>, Option<u64>), String>;

/// Reads a subscription; only an active one counts.
fn read_subscription(members: Members<'_>) -> Option<Subscription> {
    let (mut product, mut quantity, mut status) = (None, None, String::new());
    for member in members.flatten() {
        match member.key().as_ref() {
            b"productId" => product = text(member.value),
            b"quantity" => quantity = Some(serde_json::from_slice::<u64>(member.value)),
            b"status" => status = text(member.value).unwrap_or_default().to_lowercase(),
            _ => {}
        }
    }
    if status != "active" {
        return Some(Ok((None, None)));
    }
    Some(match (product.filter(|p| !p.is_empty()), quantity) {
        (None, _) => Err("it has no productId".to_owned()),
        (_, None) => Err("it has no quantity".to_owned()),
        (_, Some(Err(_))) => Err("its quantity is not a whole number of 0 or more".to_owned()),
        (Some(product), Some(Ok(quantity))) => Ok((Some(product), Some(quantity))),
    })
}
