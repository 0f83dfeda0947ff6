//! Checks the MSP's credentials before a call and keeps their secrets out of errors, from what
//! the plugin's credentials schema says: which fields are URLs (their hosts must be allowed),
//! which are secrets (`writeOnly`).

use plugin_contract::host::host_allowed;
use plugin_contract::{secret_fields, Credentials, PluginError, Secrets};
use serde_json::Value;

/// Checks credentials before a call and keeps their secrets out of errors.
#[derive(Clone, Debug, Default)]
pub(crate) struct CredentialGuard {
    allowed_hosts: Vec<String>,
    /// `(field, default)` of every `format: uri` credential.
    pub(crate) url_fields: Vec<(String, Option<String>)>,
    /// Fields marked `writeOnly`.
    pub(crate) secret_fields: Vec<String>,
}

impl CredentialGuard {
    /// Reads which credentials are URLs and which are secrets from the credentials schema.
    pub(crate) fn from_schema(schema: &Value, allowed_hosts: Vec<String>) -> CredentialGuard {
        let mut guard = CredentialGuard {
            allowed_hosts,
            ..CredentialGuard::default()
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        for (field, property) in properties.into_iter().flatten() {
            if property.get("format").and_then(Value::as_str) == Some("uri") {
                let default = property.get("default").and_then(Value::as_str);
                guard
                    .url_fields
                    .push((field.clone(), default.map(str::to_owned)));
            }
        }
        guard.secret_fields = secret_fields(schema).map(str::to_owned).collect();
        guard
    }

    /// Refuses URL credentials whose host the plugin may not reach, before any request.
    pub(crate) fn check(&self, credentials: &Credentials) -> Result<(), PluginError> {
        for (field, default) in &self.url_fields {
            let value = credentials
                .get(field)
                .filter(|v| !v.trim().is_empty())
                .or(default.as_deref());
            let Some(value) = value else { continue };
            let Some(host) = url::Url::parse(value.trim())
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
            else {
                continue; // The plugin validates the URL itself and names what is wrong.
            };
            if !host_allowed(&self.allowed_hosts, &host) {
                return Err(PluginError::config(format!(
                        "{field} points at {host}, which the plugin's manifest does not allow (allowed_hosts: {}). If you trust it, add it to allowed_hosts.",
                        self.allowed_hosts.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Returns every form of the values `credentials` give the secret fields.
    pub(crate) fn secrets_in(&self, credentials: &Credentials) -> Secrets {
        Secrets::new(
            self.secret_fields
                .iter()
                .filter_map(|field| credentials.get(field)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_contract::ErrorClass;

    #[test]
    fn url_hosts_outside_allowed_hosts_are_config_errors_naming_the_host() {
        let schema = serde_json::json!({"properties": {
            "api_url": {"type": "string", "format": "uri", "default": "https://good.example"},
            "api_key": {"type": "string", "writeOnly": true}
        }});
        let guard = CredentialGuard::from_schema(&schema, vec!["good.example".into()]);
        let ok: Credentials = [("api_key", "k")].into_iter().collect();
        assert!(guard.check(&ok).is_ok(), "the default host is allowed");
        let bad: Credentials = [("api_url", "http://evil.example:8080/x")]
            .into_iter()
            .collect();
        let error = guard.check(&bad).unwrap_err();
        assert_eq!(error.class, ErrorClass::Config);
        assert!(error.message.contains("evil.example"));
    }

    #[test]
    fn secrets_are_found_in_every_form_the_plugin_may_send() {
        let schema = serde_json::json!({"properties": {"api_key": {"writeOnly": true}}});
        let guard = CredentialGuard::from_schema(&schema, vec![]);
        let credentials: Credentials = [("api_key", "  hunter2  ")].into_iter().collect();
        let secrets = guard.secrets_in(&credentials);
        assert_eq!(
            secrets.redact("bad key hunter2, aHVudGVyMg=="),
            "bad key <redacted>, <redacted>"
        );
    }
}
