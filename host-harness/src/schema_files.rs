//! JSON Schema files generated from Rust types and committed beside the contract: how one is
//! generated (its `$id` and `title`, object keys sorted so that the files do not depend on
//! serde_json's features), written, and found drifted from the types. One implementation for
//! both sets: the contract's ([`crate::conformance::schemas`], the boundary with a plugin) and
//! the files the host keeps for a person or a script ([`crate::seed::schemas`]).

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// A set of schema files: each file name with its schema, all with `$id`s under `id_base`.
pub struct SchemaSet {
    /// The start of every schema's `$id`; the file name follows.
    pub id_base: &'static str,
    /// Each file name with its schema, sorted by file name.
    pub schemas: Vec<(&'static str, Value)>,
}

impl SchemaSet {
    /// Returns the set of `schemas` under `id_base`, sorted by file name.
    pub fn new(id_base: &'static str, mut schemas: Vec<(&'static str, Value)>) -> Self {
        schemas.sort_by_key(|(file, _)| *file);
        SchemaSet { id_base, schemas }
    }

    /// Returns the schema of `T` as file `file` of a set under `id_base`, with its `$id` and
    /// `title`, object keys sorted.
    pub fn schema_of<T: JsonSchema>(
        id_base: &str,
        file: &'static str,
        title: &str,
    ) -> (&'static str, Value) {
        let mut schema = schemars::schema_for!(T);
        schema.insert("$id".to_owned(), format!("{id_base}{file}").into());
        schema.insert("title".to_owned(), title.into());
        (file, sorted(schema.to_value()))
    }

    /// Writes every schema into `dir` as pretty JSON with a trailing newline, and removes the
    /// files of an earlier generation of this set (their `$id` under `id_base`) that are no
    /// longer generated.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)?;
        for (file, schema) in &self.schemas {
            crate::files::write(&dir.join(file), render(schema).as_bytes())?;
        }
        for file in self.extra_json_files(dir) {
            let path = dir.join(&file);
            let id = fs::read_to_string(&path)
                .ok()
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .and_then(|schema| schema.get("$id")?.as_str().map(str::to_owned));
            if id.is_some_and(|id| id.starts_with(self.id_base)) {
                fs::remove_file(path)?;
            }
        }
        Ok(())
    }

    /// Lists, sorted, the file names in `dir` that differ from the generated schemas: changed,
    /// missing, or `.json` files that are not generated.
    pub fn drifted(&self, dir: &Path) -> Vec<String> {
        let mut drifted: Vec<String> = self
            .schemas
            .iter()
            .filter(|(file, schema)| {
                fs::read_to_string(dir.join(file)).ok() != Some(render(schema))
            })
            .map(|(file, _)| (*file).to_owned())
            .collect();
        drifted.extend(self.extra_json_files(dir));
        drifted.sort();
        drifted
    }

    /// Lists the `.json` files in `dir` that are not schemas of the set.
    fn extra_json_files(&self, dir: &Path) -> Vec<String> {
        let generated: BTreeSet<&str> = self.schemas.iter().map(|(file, _)| *file).collect();
        let Ok(entries) = fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json") && !generated.contains(name.as_str()))
            .collect()
    }
}

/// Sorts the keys of every object.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, sorted(value)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Renders a schema as its file holds it.
pub fn render(schema: &Value) -> String {
    format!("{schema:#}\n")
}
