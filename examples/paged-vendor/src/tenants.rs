//! Paged Backup's tenants: `GET /v1/tenants?page=N` from page 1 until `next_page` is null.
//!
//! A page is `{"tenants": [{"id", "name", "status", "seats"}], "next_page": <int> | null}`.
//! Each tenant is read on its own (the kit's [`entries`]), so one odd tenant costs only its
//! own part: one without a readable id is left out with a warning, one whose `seats` cannot be
//! read keeps its account and fails its pair as `vendor`.

use plugin_contract::{sort_warnings, ErrorClass, PluginError, Warning};
use vendor_kit::accounts;
use vendor_kit::entries::{self, Broken, List, Members};
use vendor_kit::http::Http;
use vendor_kit::page;
use vendor_kit::status::{self, Request};

use crate::{Config, DEFAULT_API_URL, TOKEN_HELP};

/// A tenant as Paged Backup lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Paged Backup's id, never blank.
    pub id: String,
    /// The display name, trimmed.
    pub name: String,
    /// The status, lowercase; `unknown` when none is given.
    pub status: String,
    /// The seats in use, or why they cannot be read.
    pub seats: Result<u64, String>,
}

/// Every tenant of every page, and what the MSP should know about the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenants {
    /// Sorted by id, each id once.
    pub tenants: Vec<Tenant>,
    /// Tenants left out or kept once, sorted as the contract says.
    pub warnings: Vec<Warning>,
}

/// One page as read.
struct Page {
    tenants: Vec<Tenant>,
    /// Entries left out for want of a readable id.
    without_id: usize,
    next_page: Option<u64>,
}

/// Lists every tenant, following `next_page` from page 1.
pub fn list<H: Http>(http: &mut H, config: &Config) -> Result<Tenants, PluginError> {
    let (mut tenants, mut without_id) = (Vec::new(), 0);
    let mut number = 1;
    loop {
        let page = match get_page(http, config, number) {
            Ok(page) => page,
            Err(_) if cfg!(feature = "mutant-later-page-failure-dropped") && number > 1 => break,
            Err(error) => return Err(error),
        };
        tenants.extend(page.tenants);
        without_id += page.without_id;
        match page.next_page {
            None => break,
            _ if cfg!(feature = "mutant-skip-second-page") => break,
            // A next page that does not come later would be followed until the host's timeout.
            Some(next) if next > number => number = next,
            Some(next) => {
                return Err(PluginError::vendor(format!(
                    "Paged Backup's answer to {} cannot be read: next_page {next} does not come after page {number}.",
                    what(number)
                ))
                .with_http_status(200))
            }
        }
    }
    if cfg!(feature = "mutant-drops-inactive") {
        tenants.retain(|tenant: &Tenant| tenant.status == "active");
    }
    Ok(sorted(tenants, without_id))
}

/// Sorts tenants by id and keeps the last of each id, with a warning for what was left out.
fn sorted(mut tenants: Vec<Tenant>, without_id: usize) -> Tenants {
    let mut warnings = accounts::sort_unique_by_id(
        &mut tenants,
        |tenant| &tenant.id,
        "duplicate_tenant_id",
        |id| format!("Paged Backup listed tenant {id} more than once; the last entry is kept."),
    );
    if without_id > 0 {
        warnings.push(Warning {
            code: "tenant_without_id".to_owned(),
            message: format!("Paged Backup listed {without_id} tenants without a readable id; they are left out."),
            account_id: None,
            service_id: None,
        });
    }
    sort_warnings(&mut warnings);
    Tenants { tenants, warnings }
}

/// Names the request of page `number`, for messages.
fn what(number: u64) -> String {
    format!("GET /v1/tenants?page={number}")
}

/// Asks for page `number` and reads it; the kit says what an answer other than JSON means.
fn get_page<H: Http>(http: &mut H, config: &Config, number: u64) -> Result<Page, PluginError> {
    // Page 1 is every call's first request: a 404, a redirect or a web page there means that
    // api_url does not lead to the API (`config`); on a later page they are Paged Backup's doing.
    let request = if number == 1 {
        Request::First
    } else {
        Request::Later
    };
    #[cfg(feature = "mutant-no-first-request-rule")]
    let request = if request == Request::First {
        Request::Later
    } else {
        request
    };
    let authorization = format!("Bearer {}", config.token);
    #[cfg(feature = "mutant-token-without-bearer")]
    let authorization = authorization.replacen("Bearer ", "", 1);
    let headers = [
        ("authorization", authorization.as_str()),
        ("accept", "application/json"),
    ];
    let url = format!("{}/v1/tenants?page={number}", config.api_root);
    let response = http.get(&url, &headers).map_err(|e| {
        let message = format!("Paged Backup could not be reached ({}): {e}.", what(number));
        PluginError::new(e.class(), message)
    })?;
    if response.status != 200 {
        let class = status::class_of(response.status, request);
        #[cfg(feature = "mutant-401-as-permission")]
        let class = if response.status == 401 {
            ErrorClass::Permission
        } else {
            class
        };
        #[cfg(feature = "mutant-403-as-auth")]
        let class = if response.status == 403 {
            ErrorClass::Auth
        } else {
            class
        };
        #[cfg(feature = "mutant-429-as-transient")]
        let class = if response.status == 429 {
            ErrorClass::Transient
        } else {
            class
        };
        #[cfg(feature = "mutant-5xx-as-auth")]
        let class = if response.status >= 500 {
            ErrorClass::Auth
        } else {
            class
        };
        let answer = format!("HTTP {}", response.status);
        let message = failure_message(class, number, &answer);
        #[cfg(feature = "mutant-token-in-error")]
        let message = format!("{message} The token sent was {}.", config.token);
        let error = PluginError::new(class, message).with_http_status(response.status);
        // The mutant says a 429 may be retried at once, hiding the vendor's `Retry-After`.
        #[cfg(feature = "mutant-retry-after-forced")]
        let error = if error.http_status == Some(429) {
            PluginError {
                retry_after_s: Some(0),
                ..error
            }
        } else {
            error
        };
        return Err(error);
    }
    if page::is_web_page(&response.body) {
        #[cfg(feature = "mutant-web-page-as-empty")]
        if number > 1 {
            return Ok(Page {
                tenants: Vec::new(),
                without_id: 0,
                next_page: None,
            });
        }
        let class = status::web_page_class(request);
        let message = failure_message(class, number, "a web page, not JSON");
        return Err(PluginError::new(class, message).with_http_status(200));
    }
    read_page(&response.body).map_err(|problem| {
        let message = format!(
            "Paged Backup's answer to {} cannot be read: {problem}.",
            what(number)
        );
        PluginError::vendor(message).with_http_status(200)
    })
}

/// Says, for the MSP, what an `answer` of class `class` to page `number` means.
fn failure_message(class: ErrorClass, number: u64, answer: &str) -> String {
    let meaning = match class {
        ErrorClass::Auth => format!("the API token was rejected; create a new one in {TOKEN_HELP}"),
        ErrorClass::Permission => {
            "the API token may not list tenants; give it the tenants:read scope".to_owned()
        }
        ErrorClass::Config => {
            format!("api_url does not lead to Paged Backup's API ({DEFAULT_API_URL} for most MSPs)")
        }
        ErrorClass::RateLimited => {
            "Paged Backup asks to slow down; the sync is retried later".to_owned()
        }
        ErrorClass::Transient => {
            "Paged Backup is unavailable; the sync is retried later".to_owned()
        }
        _ => "this plugin does not expect that answer".to_owned(),
    };
    format!(
        "Paged Backup answered {} with {answer}: {meaning}.",
        what(number)
    )
}

/// Reads one page: its tenants, entry by entry, and `next_page`.
fn read_page(body: &[u8]) -> Result<Page, String> {
    let [tenants, next_page] = entries::named_members(body, ["tenants", "next_page"])
        .map_err(|e| format!("{e} with tenants"))?;
    let tenants = tenants.ok_or("it has no tenants")?;
    let (tenants, without_id) = entries::read_list(tenants, "a list of tenants", read_tenants)
        .map_err(|e| e.to_string())?;
    let next_page = match next_page {
        None | Some(b"null") => None,
        Some(raw) => Some(
            serde_json::from_slice(raw)
                .map_err(|_| format!("next_page is {}, not a page number", entries::kind(raw)))?,
        ),
    };
    Ok(Page {
        tenants,
        without_id,
        next_page,
    })
}

/// Reads each tenant of the list, counting those without a readable id.
fn read_tenants(list: List<'_>) -> Result<(Vec<Tenant>, usize), Broken> {
    let (mut tenants, mut without_id) = (Vec::new(), 0);
    for entry in list {
        match entries::members(entry?).and_then(read_tenant) {
            Some(tenant) => tenants.push(tenant),
            None => without_id += 1,
        }
    }
    Ok((tenants, without_id))
}

/// The member that holds a tenant's seats.
#[cfg(not(feature = "mutant-seats-wrong-field"))]
const SEATS: &[u8] = b"seats";
#[cfg(feature = "mutant-seats-wrong-field")]
const SEATS: &[u8] = b"seat_count";

/// Reads one tenant from its members; `None` when it has no readable, non-blank id.
fn read_tenant(members: Members<'_>) -> Option<Tenant> {
    let (mut id, mut name, mut status) = (None, String::new(), String::new());
    let mut seats = Err("it has no seats".to_owned());
    for member in members.flatten() {
        let text = || serde_json::from_slice::<String>(member.value).ok();
        match member.key().as_ref() {
            b"id" => id = text(),
            b"name" => name = text().unwrap_or_default(),
            b"status" => status = text().unwrap_or_default(),
            SEATS => {
                seats =
                    serde_json::from_slice::<u64>(member.value).map_err(|_| {
                        match entries::kind(member.value) {
                            "a number" => {
                                "its seats are not a whole number of 0 or more".to_owned()
                            }
                            kind => format!("its seats are {kind}, not a number"),
                        }
                    })
            }
            _ => {}
        }
    }
    #[cfg(feature = "mutant-unreadable-seats-zero")]
    let seats = seats.or(Ok(0));
    let status = status.trim().to_lowercase();
    Some(Tenant {
        id: id.filter(|id| !id.trim().is_empty())?,
        name: name.trim().to_owned(),
        status: if status.is_empty() {
            "unknown".to_owned()
        } else {
            status
        },
        seats,
    })
}
