//! Which credentials are secret: those the plugin's credentials schema marks `writeOnly: true`,
//! the one place a plugin declares them. Read by the guest glue (redaction, so every walk here
//! stays small in a plugin's wasm) and by hosts (masked fields).

/// Lists the properties a credentials schema marks `writeOnly: true`, in the schema's order:
/// the one place a plugin declares which credentials are secret. The guest glue redacts their
/// values ([`is_write_only`]), and a host masks their fields, from this alone.
pub fn secret_fields(schema: &serde_json::Value) -> impl Iterator<Item = &str> {
    let properties = member(schema, "properties").and_then(serde_json::Value::as_object);
    properties
        .into_iter()
        .flatten()
        .map(|(key, _)| key.as_str())
        .filter(|key| is_write_only(schema, key))
}

/// Tells whether a credentials schema marks the property `key` `writeOnly: true`.
pub fn is_write_only(schema: &serde_json::Value, key: &str) -> bool {
    let property = member(schema, "properties").and_then(|properties| member(properties, key));
    matches!(
        property.and_then(|property| member(property, "writeOnly")),
        Some(serde_json::Value::Bool(true))
    )
}

/// Returns the member `name` of `value`, when it is an object that has one. Found by a walk
/// rather than `Value::get`, so that the plugin's wasm needs no map lookup of its own.
fn member<'v>(value: &'v serde_json::Value, name: &str) -> Option<&'v serde_json::Value> {
    let object = value.as_object()?;
    object.iter().find(|(key, _)| *key == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secrets_are_the_properties_marked_write_only_true() {
        let schema = serde_json::json!({"properties": {
            "token": {"type": "string", "writeOnly": true},
            "url": {"type": "string", "writeOnly": false},
            "name": {"type": "string"},
            "quoted": {"type": "string", "writeOnly": "true"},
            "key": {"type": "string", "writeOnly": true}
        }});
        assert_eq!(secret_fields(&schema).collect::<Vec<_>>(), ["key", "token"]);
        assert!(is_write_only(&schema, "token"));
        assert!(!is_write_only(&schema, "url") && !is_write_only(&schema, "quoted"));
        assert!(!is_write_only(&schema, "absent"));
        assert_eq!(
            secret_fields(&serde_json::json!({"properties": []})).count(),
            0
        );
        assert_eq!(secret_fields(&serde_json::Value::Null).count(), 0);
    }
}
