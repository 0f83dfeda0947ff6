//! What an HTTP status the plugin did not expect tells the host: the contract's [`ErrorClass`].
//!
//! The class says what the host does next (ask the MSP to fix a credential, retry later, report
//! the vendor), so it follows the status alone; the message, which names the vendor and says
//! where to look, is the plugin's.
//!
//! The first request of a call is where a wrong URL credential shows: there a 404, a redirect
//! or a web page means the URL points somewhere other than the vendor's API, which is `config`
//! (the MSP fixes the URL). Once a request has been answered by the API, the same answers are
//! the vendor's doing.
//!
//! A `rate_limited` error carries no wait from the plugin: the plugin reads no header, and the
//! host, which saw the vendor's `Retry-After`, fills in `retry_after_s` (see
//! `plugin_contract::host::fill_retry_after`).

use plugin_contract::ErrorClass;

/// Which request of a call an answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// The call's first request to the URL the MSP entered: where a wrong URL shows.
    First,
    /// A request after the vendor's API has answered one.
    Later,
}

/// Returns the class of an answer with `status`, a status other than the success expected.
///
/// | status | [`Request::First`] | [`Request::Later`] |
/// |---|---|---|
/// | 3xx (redirects are never followed) | `config` | `vendor` |
/// | 401 | `auth` | `auth` |
/// | 403 | `permission` | `permission` |
/// | 404 | `config` | `not_found` |
/// | 429 | `rate_limited` | `rate_limited` |
/// | 5xx | `transient` | `transient` |
/// | anything else | `vendor` | `vendor` |
pub fn class_of(status: u16, request: Request) -> ErrorClass {
    match (status, request) {
        (300..=399 | 404, Request::First) => ErrorClass::Config,
        (300..=399, Request::Later) => ErrorClass::Vendor,
        (401, _) => ErrorClass::Auth,
        (403, _) => ErrorClass::Permission,
        (404, Request::Later) => ErrorClass::NotFound,
        (429, _) => ErrorClass::RateLimited,
        (500..=599, _) => ErrorClass::Transient,
        _ => ErrorClass::Vendor,
    }
}

/// Returns the class of a success answered with a web page instead of JSON (see
/// [`page::is_web_page`](crate::page::is_web_page)): `config` on the first request, else `vendor`.
pub fn web_page_class(request: Request) -> ErrorClass {
    match request {
        Request::First => ErrorClass::Config,
        Request::Later => ErrorClass::Vendor,
    }
}

/// Tells whether a failed request of `class` concerns the credentials or the whole tenant, so
/// that the call fails as a whole rather than one account's pairs: `auth`, `permission`,
/// `rate_limited`, and `config` (a host outside the manifest's `allowed_hosts`).
pub fn stops_the_whole_call(class: ErrorClass) -> bool {
    matches!(
        class,
        ErrorClass::Config | ErrorClass::Auth | ErrorClass::Permission | ErrorClass::RateLimited
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_statuses_map_to_error_classes() {
        for (status, class) in [
            (204, ErrorClass::Vendor),
            (302, ErrorClass::Vendor),
            (307, ErrorClass::Vendor),
            (401, ErrorClass::Auth),
            (403, ErrorClass::Permission),
            (404, ErrorClass::NotFound),
            (418, ErrorClass::Vendor),
            (429, ErrorClass::RateLimited),
            (500, ErrorClass::Transient),
            (503, ErrorClass::Transient),
            (600, ErrorClass::Vendor),
        ] {
            assert_eq!(class_of(status, Request::Later), class, "{status}");
        }
    }

    #[test]
    fn on_the_first_request_a_404_or_a_redirect_points_at_the_url() {
        for status in [301, 302, 308, 404] {
            assert_eq!(class_of(status, Request::First), ErrorClass::Config);
        }
        for status in [401, 403, 429, 500, 418] {
            assert_eq!(
                class_of(status, Request::First),
                class_of(status, Request::Later),
                "{status}"
            );
        }
        assert_eq!(web_page_class(Request::First), ErrorClass::Config);
        assert_eq!(web_page_class(Request::Later), ErrorClass::Vendor);
    }

    #[test]
    fn only_key_and_tenant_failures_stop_the_whole_call() {
        let stops = |status| stops_the_whole_call(class_of(status, Request::Later));
        assert!(stops(401) && stops(403) && stops(429));
        assert!(!stops(500) && !stops(404) && !stops(302) && !stops(418));
        assert!(stops_the_whole_call(ErrorClass::Config));
        assert!(!stops_the_whole_call(ErrorClass::Internal));
    }
}
