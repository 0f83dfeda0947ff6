//! What a plugin's module asks of its host, checked against what every stock Extism SDK gives.
//!
//! A module whose import the host lacks does not load at all: Node's `@extism/extism` 1.0.3,
//! what `npm install` gives today, has no `http_headers`, so a plugin built on the PDKs'
//! `http::request` fails there with a `LinkError`. The harness provides every function, so
//! only this check, run by `conformance`, shows a plugin author the problem before a host team
//! does.
//!
//! WASI is the other case: every SDK provides it, but only when the host turns it on, which
//! this harness does for a manifest with `"wasi": true`. [`wasi_imports`] lets loading refuse a
//! module that needs WASI under a manifest that does not ask for it, naming the import.

use plugin_contract::host::PORTABLE_IMPORTS;
use wasmparser::{Parser, Payload, TypeRef};

/// The namespace of Extism's host functions.
const EXTISM_ENV: &str = "extism:host/env";
/// The namespace of WASI preview 1, provided by every SDK when the host turns WASI on.
pub const WASI_PREVIEW_1: &str = "wasi_snapshot_preview1";

/// Lists the module's function imports that some stock host does not provide, as
/// `module::name`; an unreadable module is an error naming why.
pub fn unportable_imports(wasm: &[u8]) -> Result<Vec<String>, String> {
    let mut unportable = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Payload::ImportSection(section) = payload.map_err(|e| e.to_string())? else {
            continue;
        };
        for import in section.into_imports() {
            let import = import.map_err(|e| e.to_string())?;
            let portable = match (import.module, &import.ty) {
                (_, ty) if !matches!(ty, TypeRef::Func(_)) => true,
                (EXTISM_ENV, _) => PORTABLE_IMPORTS.contains(&import.name),
                (WASI_PREVIEW_1, _) => true,
                _ => false,
            };
            if !portable {
                unportable.push(format!("{}::{}", import.module, import.name));
            }
        }
    }
    unportable.sort();
    unportable.dedup();
    Ok(unportable)
}

/// Lists the module's function imports from WASI preview 1, as `module::name`, in the order
/// the module declares them; an unreadable module is an error naming why.
pub fn wasi_imports(wasm: &[u8]) -> Result<Vec<String>, String> {
    let mut wasi = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if import.module == WASI_PREVIEW_1 && matches!(import.ty, TypeRef::Func(_)) {
                        wasi.push(format!("{}::{}", import.module, import.name));
                    }
                }
            }
            // Imports come before every section of functions, memory or code.
            Payload::FunctionSection(_)
            | Payload::MemorySection(_)
            | Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    Ok(wasi)
}

/// Returns a module with one function import of type `() -> ()` per `(module, name)`.
#[cfg(test)]
pub(crate) fn module_importing(imports: &[(&str, &str)]) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    // Type section: one type, () -> ().
    wasm.extend([1, 4, 1, 0x60, 0, 0]);
    let mut section = vec![imports.len() as u8];
    for (module, name) in imports {
        for text in [module, name] {
            section.push(text.len() as u8);
            section.extend(text.as_bytes());
        }
        section.extend([0, 0]);
    }
    wasm.push(2);
    wasm.push(section.len() as u8);
    wasm.extend(section);
    wasm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_and_wasi_are_portable() {
        let wasm = module_importing(&[
            ("extism:host/env", "http_request"),
            ("extism:host/env", "output_set"),
            ("wasi_snapshot_preview1", "fd_write"),
        ]);
        assert_eq!(unportable_imports(&wasm), Ok(vec![]));
    }

    #[test]
    fn http_headers_and_custom_host_functions_are_not() {
        let wasm = module_importing(&[
            ("extism:host/env", "http_headers"),
            ("extism:host/env", "alloc"),
            ("acme", "lookup"),
        ]);
        assert_eq!(
            unportable_imports(&wasm),
            Ok(vec![
                "acme::lookup".to_owned(),
                "extism:host/env::http_headers".to_owned()
            ])
        );
    }

    #[test]
    fn a_broken_module_is_an_error() {
        assert!(unportable_imports(b"\0asm\x01\0\0\0\x02\x05\x01").is_err());
        assert!(wasi_imports(b"\0asm\x01\0\0\0\x02\x05\x01").is_err());
    }

    #[test]
    fn wasi_imports_are_listed_in_the_module_order_and_nothing_else() {
        let wasm = module_importing(&[
            ("extism:host/env", "output_set"),
            ("wasi_snapshot_preview1", "fd_write"),
            ("acme", "lookup"),
            ("wasi_snapshot_preview1", "environ_get"),
        ]);
        assert_eq!(
            wasi_imports(&wasm),
            Ok(vec![
                "wasi_snapshot_preview1::fd_write".to_owned(),
                "wasi_snapshot_preview1::environ_get".to_owned()
            ])
        );
        let kernel_only = module_importing(&[("extism:host/env", "http_request")]);
        assert_eq!(wasi_imports(&kernel_only), Ok(vec![]));
        assert_eq!(wasi_imports(b"\0asm\x01\0\0\0"), Ok(vec![]));
    }
}
