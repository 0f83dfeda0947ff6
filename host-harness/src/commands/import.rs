//! `host-harness import`: a mapping file (as `map` writes it and a person edits it) into a store.

use std::path::Path;

use host_harness::seed::mapping_file;

use crate::error::Failure;
use crate::output::print_line;
use crate::Exit;

/// Replaces the store's mapping with a mapping file (as `map` writes it and a person edits it).
pub(crate) fn run(store_path: &Path, mapping: &Path) -> Result<Exit, Failure> {
    let mut store = super::open_store(store_path, None)?;
    let (mapping, _) = mapping_file::read(mapping)?;
    store.replace_mapping(&mapping)?;
    print_line(&format!(
        "Imported {} account and {} service decisions into {}.",
        mapping.accounts.len(),
        mapping.services.len(),
        store_path.display()
    ))?;
    Ok(Exit::Success)
}
