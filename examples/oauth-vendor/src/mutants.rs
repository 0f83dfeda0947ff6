//! What some mutants (cargo features `mutant-…`) need beyond a changed line; nothing here is
//! built without one. The table in `README.md` lists every mutant and the check that catches it.

/// Returns `input` with an `as_of` that is not an instant replaced by one, so that nothing
/// refuses it (the bug: `as_of` never checked).
#[cfg(feature = "mutant-as-of-unchecked")]
pub fn as_of_unchecked(
    input: &plugin_contract::FetchUsageInput,
) -> plugin_contract::FetchUsageInput {
    let mut input = input.clone();
    if input.check_as_of().is_err() {
        input.as_of = "2026-01-01T00:00:00Z".to_owned();
    }
    input
}

/// Returns `usage` as of what was asked, checked or not.
#[cfg(feature = "mutant-as-of-unchecked")]
pub fn as_of_echoed(
    usage: plugin_contract::Usage,
    input: &plugin_contract::FetchUsageInput,
) -> plugin_contract::Usage {
    plugin_contract::Usage {
        as_of: input.as_of.clone(),
        ..usage
    }
}

/// Logs the last token the instance received, through the PDK's logger.
#[cfg(feature = "mutant-token-in-log")]
pub fn log_token() {
    #[cfg(target_arch = "wasm32")]
    if let Some(token) = plugin_contract::issued::kept().last() {
        extism_pdk::info!("using the access token {token}");
    }
}

/// Sends a GET of `url` with the token in the query (`mutant-token-in-url`) or the Client
/// Secret as the bearer (`mutant-secret-as-bearer`).
#[cfg(any(feature = "mutant-token-in-url", feature = "mutant-secret-as-bearer"))]
pub fn send<H: vendor_kit::http::Http>(
    http: &mut H,
    config: &crate::Config,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<vendor_kit::http::HttpResponse, vendor_kit::oauth::AuthorizedError> {
    use vendor_kit::http::HttpRequest;
    use vendor_kit::oauth;
    if cfg!(feature = "mutant-secret-as-bearer") {
        let bearer = format!("Bearer {}", config.client_secret);
        let mut headers = headers.to_vec();
        headers.push(("authorization", &bearer));
        return Ok(http.send(&HttpRequest::get(url, &headers))?);
    }
    let token = oauth::fetch_token(http, &config.grant())?.access_token;
    let url = format!("{url}&access_token={}", vendor_kit::percent_encode(&token));
    oauth::send(http, &config.grant(), &HttpRequest::get(&url, headers))
}
