//! The Extism glue: the five exports, each making its call on a [`SaasAlerts`] over the host's
//! HTTP.

use vendor_kit::http::HostHttp;

use crate::credentials::SECRET_CREDENTIALS;
use crate::SaasAlerts;

plugin_contract::export_plugin!(SaasAlerts::new(HostHttp), SECRET_CREDENTIALS);
