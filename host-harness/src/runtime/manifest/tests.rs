//! The manifest's checks: versions, limits, the wasm path, the module file, WASI, the pinned
//! hash, and the shared vectors every host reads.

use super::*;
use serde_json::{json, Value};

/// The smallest valid module: the magic and version 1, no sections.
const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

/// A fresh folder under the system's temp folder, removed when dropped.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let prefix = format!("host-harness-manifest-{name}-");
        Scratch(
            tempfile::Builder::new()
                .prefix(&prefix)
                .tempdir()
                .expect("scratch folder"),
        )
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.0.path().join(relative)
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(&path, bytes).expect("file written");
        path
    }

    /// Writes `relative` as a manifest whose module is `wasm_path`, with `change` applied.
    fn manifest(
        &self,
        relative: &str,
        wasm_path: &str,
        change: impl FnOnce(&mut Value),
    ) -> PathBuf {
        let mut manifest = json!({
            "id": "test",
            "name": "Test",
            "version": "0.1.0",
            "interface_version": plugin_contract::INTERFACE_VERSION,
            "wasm": { "path": wasm_path },
            "allowed_hosts": [],
            "limits": { "timeout_ms": 2000, "memory_max_pages": 16, "max_http_response_bytes": 1024 }
        });
        change(&mut manifest);
        self.write(relative, manifest.to_string().as_bytes())
    }
}

fn limits(timeout_ms: u64, memory_max_pages: u32, max_http_response_bytes: u64) -> Limits {
    Limits {
        timeout_ms,
        memory_max_pages,
        max_http_response_bytes,
        request_timeout_ms: None,
    }
}

/// Asserts that `limits` is refused for `limit`, with `value` and the range in the message.
fn assert_refused(limits: &Limits, limit: Limit, value: u64, max: u64) {
    let error = limits.check().expect_err("refused");
    let message = error.to_string();
    match error {
        ManifestError::LimitOutOfRange {
            limit: l,
            value: v,
            min: 1,
            max: m,
        } if l == limit && v == value && m == max => {}
        other => panic!("expected {limit} = {value} out of 1 ..= {max}, got {other:?}"),
    }
    for part in [
        format!("limits.{}", limit.field()),
        format!("is {value}"),
        format!("1 ..= {max}"),
    ] {
        assert!(message.contains(&part), "{part:?} not in {message}");
    }
}

#[test]
fn interface_versions_of_the_same_major_and_no_newer_minor_are_spoken() {
    let supported = plugin_contract::INTERFACE_VERSION;
    let (major, minor) = supported.split_once('.').expect("major.minor");
    let major: u32 = major.parse().expect("major");
    let minor: u32 = minor.parse().expect("minor");
    for spoken in [format!("{major}.0"), supported.to_owned()] {
        assert!(check_interface_version(&spoken).is_ok(), "{spoken}");
    }
    let newer_minor = format!("{major}.{}", minor + 1);
    let next_major = format!("{}.0", major + 1);
    for unsupported in [&next_major, &newer_minor, "0.9", "1", "one", ""] {
        assert!(
            check_interface_version(unsupported).is_err(),
            "{unsupported}"
        );
    }
}

#[test]
fn plugin_versions_must_be_semver() {
    for good in ["0.1.0", "1.2.3-beta.1", "10.0.0+build.5"] {
        assert!(is_semver(good), "{good}");
    }
    for bad in ["1.0", "v1.0.0", "1.0.x", "", "1..0"] {
        assert!(!is_semver(bad), "{bad}");
    }
}

#[test]
fn sha256_is_lowercase_hex() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

// ---- limits ----

#[test]
fn a_timeout_of_zero_is_refused() {
    let scratch = Scratch::new("timeout-zero");
    let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
        m["limits"]["timeout_ms"] = json!(0)
    });
    let error = PluginManifest::load(&path).expect_err("refused");
    assert!(
        matches!(
            error,
            ManifestError::LimitOutOfRange {
                limit: Limit::TimeoutMs,
                value: 0,
                ..
            }
        ),
        "{error:?}"
    );
    assert_refused(&limits(0, 16, 1024), Limit::TimeoutMs, 0, MAX_TIMEOUT_MS);
}

#[test]
fn timeout_ms_is_accepted_from_1_ms_to_one_day_only() {
    for accepted in [1, 300_000, MAX_TIMEOUT_MS] {
        assert!(limits(accepted, 16, 1024).check().is_ok(), "{accepted}");
    }
    assert_refused(
        &limits(MAX_TIMEOUT_MS + 1, 16, 1024),
        Limit::TimeoutMs,
        MAX_TIMEOUT_MS + 1,
        MAX_TIMEOUT_MS,
    );
    assert_refused(
        &limits(u64::MAX, 16, 1024),
        Limit::TimeoutMs,
        u64::MAX,
        MAX_TIMEOUT_MS,
    );
}

#[test]
fn memory_max_pages_is_accepted_from_1_to_65536_only() {
    for accepted in [1, 1024, MAX_MEMORY_PAGES] {
        assert!(limits(2000, accepted, 1).check().is_ok(), "{accepted}");
    }
    assert_refused(&limits(2000, 0, 1), Limit::MemoryMaxPages, 0, 65_536);
    assert_refused(
        &limits(2000, 65_537, 1),
        Limit::MemoryMaxPages,
        65_537,
        65_536,
    );
    assert_refused(
        &limits(2000, u32::MAX, 1),
        Limit::MemoryMaxPages,
        u32::MAX.into(),
        65_536,
    );
}

#[test]
fn a_max_http_response_bytes_of_zero_is_refused() {
    assert_refused(
        &limits(2000, 16, 0),
        Limit::MaxHttpResponseBytes,
        0,
        16 * 65_536,
    );
}

#[test]
fn max_http_response_bytes_is_accepted_up_to_the_plugin_memory_only() {
    for accepted in [1, 16 * 65_536] {
        assert!(limits(2000, 16, accepted).check().is_ok(), "{accepted}");
    }
    assert_refused(
        &limits(2000, 16, 16 * 65_536 + 1),
        Limit::MaxHttpResponseBytes,
        16 * 65_536 + 1,
        16 * 65_536,
    );
    let four_gib = 65_536 * 65_536;
    assert!(limits(2000, MAX_MEMORY_PAGES, four_gib).check().is_ok());
    assert_refused(
        &limits(2000, MAX_MEMORY_PAGES, four_gib + 1),
        Limit::MaxHttpResponseBytes,
        four_gib + 1,
        four_gib,
    );
}

#[test]
fn request_timeout_defaults_to_60_s_or_timeout_ms_when_smaller() {
    assert_eq!(
        limits(300_000, 16, 1024).request_timeout(),
        Duration::from_secs(60)
    );
    assert_eq!(limits(60_000, 16, 1024).request_timeout_ms(), 60_000);
    assert_eq!(limits(2000, 16, 1024).request_timeout_ms(), 2000);
    let set = Limits {
        request_timeout_ms: Some(5000),
        ..limits(300_000, 16, 1024)
    };
    assert_eq!(set.request_timeout(), Duration::from_secs(5));
}

#[test]
fn request_timeout_ms_is_accepted_from_1_to_timeout_ms_only() {
    let with = |ms| Limits {
        request_timeout_ms: Some(ms),
        ..limits(2000, 16, 1024)
    };
    for accepted in [1, 2000] {
        assert!(with(accepted).check().is_ok(), "{accepted}");
    }
    assert_refused(&with(0), Limit::RequestTimeoutMs, 0, 2000);
    assert_refused(&with(2001), Limit::RequestTimeoutMs, 2001, 2000);
}

#[test]
fn request_timeout_ms_is_optional_and_read_when_present() {
    let scratch = Scratch::new("request-timeout");
    let absent = scratch.manifest("absent.json", "plugin.wasm", |_| {});
    let absent = PluginManifest::load(&absent).expect("loads");
    assert_eq!(absent.limits.request_timeout_ms, None);
    let written = serde_json::to_value(&absent.limits).expect("serializes");
    assert!(written.get("request_timeout_ms").is_none(), "{written}");

    let present = scratch.manifest("present.json", "plugin.wasm", |m| {
        m["limits"]["request_timeout_ms"] = json!(1500)
    });
    let present = PluginManifest::load(&present).expect("loads");
    assert_eq!(present.limits.request_timeout_ms(), 1500);

    let too_long = scratch.manifest("too-long.json", "plugin.wasm", |m| {
        m["limits"]["request_timeout_ms"] = json!(2001)
    });
    assert!(matches!(
        PluginManifest::load(&too_long),
        Err(ManifestError::LimitOutOfRange {
            limit: Limit::RequestTimeoutMs,
            ..
        })
    ));
}

#[test]
fn the_repository_manifest_passes_the_checks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifest.json");
    let manifest = PluginManifest::load(&path).expect("the repository's manifest.json loads");
    assert!(manifest.limits.check().is_ok());
}

// ---- the wasm path ----

#[test]
fn an_absolute_wasm_path_is_refused() {
    let scratch = Scratch::new("absolute");
    let wasm = scratch.write("plugin.wasm", EMPTY_MODULE);
    let path = scratch.manifest("manifest.json", wasm.to_str().expect("utf-8"), |_| {});
    let error = PluginManifest::load(&path).expect_err("refused");
    assert!(
        matches!(error, ManifestError::WasmPathNotRelative { .. }),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .contains("must be relative to the manifest's folder"));
}

#[test]
fn a_wasm_path_outside_the_manifest_folder_is_refused() {
    let scratch = Scratch::new("parent");
    scratch.write("plugin.wasm", EMPTY_MODULE);
    scratch.write("inner/sub/plugin.wasm", EMPTY_MODULE);
    // `sub/../plugin.wasm` would stay inside, but any `..` is refused.
    for wasm_path in [
        "../plugin.wasm",
        "sub/../../plugin.wasm",
        "sub/../sub/plugin.wasm",
    ] {
        let path = scratch.manifest("inner/manifest.json", wasm_path, |_| {});
        let error = PluginManifest::load(&path).expect_err(wasm_path);
        assert!(
            matches!(error, ManifestError::WasmPathHasParent { .. }),
            "{wasm_path}: {error:?}"
        );
    }
    let path = scratch.manifest("inner/manifest.json", "sub/./plugin.wasm", |_| {});
    let manifest = PluginManifest::load(&path).expect("loads");
    assert_eq!(manifest.read_wasm().expect("read"), EMPTY_MODULE);
}

#[test]
fn a_wasm_path_changed_after_load_is_checked_when_read() {
    let scratch = Scratch::new("changed");
    let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
    let mut manifest = PluginManifest::load(&path).expect("loads");
    manifest.wasm.path = PathBuf::from("/etc/passwd");
    let error = manifest.read_wasm().expect_err("refused");
    assert!(
        matches!(error, ManifestError::WasmPathNotRelative { .. }),
        "{error:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_escaping_the_manifest_folder_is_refused() {
    use std::os::unix::fs::symlink;
    let scratch = Scratch::new("symlink-out");
    let outside = scratch.write("outside/plugin.wasm", EMPTY_MODULE);
    std::fs::create_dir_all(scratch.path("inner")).expect("folder");
    symlink(&outside, scratch.path("inner/plugin.wasm")).expect("file symlink");
    symlink(scratch.path("outside"), scratch.path("inner/lib")).expect("folder symlink");
    for wasm_path in ["plugin.wasm", "lib/plugin.wasm"] {
        let path = scratch.manifest("inner/manifest.json", wasm_path, |_| {});
        let manifest = PluginManifest::load(&path).expect("the path itself is fine");
        let error = manifest.read_wasm().expect_err(wasm_path);
        assert!(
            matches!(error, ManifestError::WasmOutsideFolder { .. }),
            "{wasm_path}: {error:?}"
        );
        assert!(error.to_string().contains("outside the manifest's folder"));
    }
}

#[cfg(unix)]
#[test]
fn symlinks_that_stay_inside_the_manifest_folder_are_followed() {
    use std::os::unix::fs::symlink;
    let scratch = Scratch::new("symlink-in");
    scratch.write("real/build/plugin.wasm", EMPTY_MODULE);
    symlink("build/plugin.wasm", scratch.path("real/plugin.wasm")).expect("file symlink");
    // The manifest reached through a symlinked folder, too.
    symlink(scratch.path("real"), scratch.path("link")).expect("folder symlink");
    for manifest in ["real/manifest.json", "link/manifest.json"] {
        let path = scratch.manifest(manifest, "plugin.wasm", |_| {});
        let loaded = PluginManifest::load(&path).expect("loads");
        assert_eq!(loaded.read_wasm().expect(manifest), EMPTY_MODULE);
    }
}

// ---- the module file ----

#[cfg(unix)]
#[test]
fn dev_zero_as_the_wasm_is_refused_without_reading_it() {
    // Read directly, it is not a regular file.
    let error = read_module(Path::new("/dev/zero"), MAX_WASM_BYTES).expect_err("refused");
    assert!(
        matches!(error, ManifestError::WasmNotAFile { .. }),
        "{error:?}"
    );
    // Named by a manifest, it is outside the folder.
    let scratch = Scratch::new("dev-zero");
    std::os::unix::fs::symlink("/dev/zero", scratch.path("plugin.wasm")).expect("symlink");
    let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
    let error = PluginManifest::load(&path)
        .expect("loads")
        .read_wasm()
        .expect_err("refused");
    assert!(
        matches!(error, ManifestError::WasmOutsideFolder { .. }),
        "{error:?}"
    );
}

#[test]
fn a_directory_as_the_wasm_is_refused() {
    let scratch = Scratch::new("directory");
    std::fs::create_dir_all(scratch.path("plugin.wasm")).expect("folder");
    for wasm_path in ["plugin.wasm", ".", ""] {
        let path = scratch.manifest("manifest.json", wasm_path, |_| {});
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err(wasm_path);
        assert!(
            matches!(error, ManifestError::WasmNotAFile { .. }),
            "{wasm_path:?}: {error:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_as_the_wasm_is_refused_without_opening_it() {
    let scratch = Scratch::new("fifo");
    let fifo = scratch.path("plugin.wasm");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
    // Opening a FIFO with no writer would block this test forever.
    let error = PluginManifest::load(&path)
        .expect("loads")
        .read_wasm()
        .expect_err("refused");
    assert!(
        matches!(error, ManifestError::WasmNotAFile { .. }),
        "{error:?}"
    );
}

#[test]
fn a_wasm_larger_than_the_bound_is_refused_without_reading_it() {
    let scratch = Scratch::new("large");
    let wasm = scratch.write("plugin.wasm", EMPTY_MODULE);
    // Sparse: nothing is written, and nothing must be read.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&wasm)
        .expect("opens");
    file.set_len(MAX_WASM_BYTES + 1).expect("grows");
    drop(file);
    let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
    let error = PluginManifest::load(&path)
        .expect("loads")
        .read_wasm()
        .expect_err("refused");
    assert!(
        matches!(
            error,
            ManifestError::WasmTooLarge {
                max: MAX_WASM_BYTES,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains(&MAX_WASM_BYTES.to_string()));
}

#[test]
fn a_wasm_of_exactly_the_bound_is_read() {
    let scratch = Scratch::new("bound");
    let mut module = EMPTY_MODULE.to_vec();
    module.extend_from_slice(&[0; 8]);
    let wasm = scratch.write("plugin.wasm", &module);
    assert_eq!(read_module(&wasm, 16).expect("read"), module);
    assert!(matches!(
        read_module(&wasm, 15),
        Err(ManifestError::WasmTooLarge { max: 15, .. })
    ));
}

#[test]
fn a_non_wasm_file_is_refused_without_echoing_its_bytes() {
    let scratch = Scratch::new("not-wasm");
    let secret = "root:x:0:0:SECRET-PASSWORD-LINE:/root:/bin/bash\n";
    for (name, content) in [
        ("passwd.wasm", secret.as_bytes()),
        ("empty.wasm", b"".as_slice()),
        ("short.wasm", b"\0as".as_slice()),
    ] {
        scratch.write(name, content);
        let path = scratch.manifest("manifest.json", name, |_| {});
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err(name);
        assert!(matches!(error, ManifestError::NotWasm { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains("is not a WebAssembly module (its first bytes are not \\0asm)"),
            "{message}"
        );
        for leaked in ["root", "SECRET", "bash"] {
            assert!(!message.contains(leaked), "{leaked} in {message}");
            assert!(
                !format!("{error:?}").contains(leaked),
                "{leaked} in {error:?}"
            );
        }
    }
}

#[test]
fn a_wasm_binary_of_another_version_is_refused() {
    let scratch = Scratch::new("component");
    // The preamble of a component.
    scratch.write("plugin.wasm", b"\0asm\x0d\0\x01\0");
    let path = scratch.manifest("manifest.json", "plugin.wasm", |_| {});
    let error = PluginManifest::load(&path)
        .expect("loads")
        .read_wasm()
        .expect_err("refused");
    assert!(
        matches!(error, ManifestError::UnsupportedWasmVersion { .. }),
        "{error:?}"
    );
}

#[test]
fn a_missing_wasm_names_its_resolved_path_and_how_to_build_it() {
    let scratch = Scratch::new("missing");
    let path = scratch.manifest("manifest.json", "target/plugin.wasm", |_| {});
    let error = PluginManifest::load(&path)
        .expect("loads")
        .read_wasm()
        .expect_err("refused");
    let resolved = scratch
        .0
        .path()
        .canonicalize()
        .expect("folder")
        .join("target/plugin.wasm");
    match &error {
        ManifestError::WasmMissing { path } => assert_eq!(path, &resolved),
        other => panic!("{other:?}"),
    }
    let message = error.to_string();
    assert!(resolved.is_absolute(), "{resolved:?}");
    assert!(
        message.contains(&resolved.display().to_string()),
        "{message}"
    );
    for part in [
        "build the plugin first",
        "cargo build -p <crate> --target wasm32-unknown-unknown --release",
        "--target wasm32-wasip1 with \"wasi\": true in manifest.json",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    assert!(!message.contains("./dev"), "{message}");
}

// ---- WASI ----

#[test]
fn wasi_is_off_when_absent_and_written_only_when_on() {
    let scratch = Scratch::new("wasi-option");
    let absent = scratch.manifest("absent.json", "plugin.wasm", |_| {});
    let absent = PluginManifest::load(&absent).expect("loads");
    assert!(!absent.wasi);
    let written = serde_json::to_value(&absent).expect("serializes");
    assert!(written.get("wasi").is_none(), "{written}");

    let on = scratch.manifest("on.json", "plugin.wasm", |m| m["wasi"] = json!(true));
    let on = PluginManifest::load(&on).expect("loads");
    assert!(on.wasi);
    assert_eq!(serde_json::to_value(&on).expect("serializes")["wasi"], true);

    let not_a_bool = scratch.manifest("string.json", "plugin.wasm", |m| m["wasi"] = json!("yes"));
    assert!(matches!(
        PluginManifest::load(&not_a_bool),
        Err(ManifestError::Parse { .. })
    ));
}

#[test]
fn a_module_importing_wasi_is_refused_without_the_option_naming_the_import_and_the_option() {
    let scratch = Scratch::new("wasi-refused");
    let module = crate::runtime::imports::module_importing(&[
        ("extism:host/env", "output_set"),
        ("wasi_snapshot_preview1", "fd_write"),
        ("wasi_snapshot_preview1", "proc_exit"),
    ]);
    scratch.write("plugin.wasm", &module);
    for (name, wasi) in [("absent.json", None), ("off.json", Some(false))] {
        let path = scratch.manifest(name, "plugin.wasm", |m| {
            if let Some(wasi) = wasi {
                m["wasi"] = json!(wasi);
            }
        });
        let error = PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect_err(name);
        match &error {
            ManifestError::WasiNotEnabled { import, .. } => {
                assert_eq!(import, "wasi_snapshot_preview1::fd_write")
            }
            other => panic!("{name}: {other:?}"),
        }
        let message = error.to_string();
        for part in [
            "imports wasi_snapshot_preview1::fd_write, a WASI function",
            "set \"wasi\": true in manifest.json",
        ] {
            assert!(message.contains(part), "{part:?} not in {message}");
        }
    }
}

#[test]
fn a_module_importing_wasi_is_read_with_the_option() {
    let scratch = Scratch::new("wasi-on");
    let module =
        crate::runtime::imports::module_importing(&[("wasi_snapshot_preview1", "fd_write")]);
    scratch.write("plugin.wasm", &module);
    let path = scratch.manifest("manifest.json", "plugin.wasm", |m| m["wasi"] = json!(true));
    let manifest = PluginManifest::load(&path).expect("loads");
    assert_eq!(manifest.read_wasm().expect("read"), module);
}

#[test]
fn sha256_pins_follow_the_vectors_every_host_reads() {
    let vectors: Value =
        serde_json::from_str(include_str!("../../../../contract/vectors/sha256-pin.json"))
            .expect("vector JSON");
    let module = hex_bytes(vectors["module_hex"].as_str().expect("module_hex"));
    let scratch = Scratch::new("sha256-vectors");
    scratch.write("plugin.wasm", &module);
    let mismatch = |case: &Value| {
        let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
            m["wasm"] = case["input"].clone()
        });
        let read = PluginManifest::load(&path).and_then(|m| m.read_wasm());
        let outcome = if read.is_ok() { "loaded" } else { "refused" };
        (Some(outcome) != case["expect"].as_str()).then(|| format!("{case}: {read:?}"))
    };
    let cases = vectors["cases"].as_array().expect("cases");
    plugin_contract::host::assert_follows_vectors(cases, &vectors["wrong_case"], mismatch);
}

#[test]
fn limits_follow_the_vectors_every_host_reads() {
    let vectors: Value = serde_json::from_str(include_str!(
        "../../../../contract/vectors/manifest-limits.json"
    ))
    .expect("vector JSON");
    /// Returns what this harness makes of a case's limits, when that is not the expectation.
    fn mismatch(case: &Value) -> Option<String> {
        let checked = serde_json::from_value::<Limits>(case["limits"].clone())
            .map_err(|e| (None, e.to_string()))
            .and_then(|limits| match limits.check() {
                Ok(()) => Ok(limits.request_timeout_ms()),
                Err(ManifestError::LimitOutOfRange { limit, .. }) => {
                    Err((Some(limit.field()), format!("{limit} out of range")))
                }
                Err(other) => Err((None, other.to_string())),
            });
        let expect = &case["expect"];
        let agrees = match (&checked, expect["refused"].as_str()) {
            (Ok(ms), None) => expect["request_timeout_ms"].as_u64() == Some(*ms),
            // serde names no field in a type error: refused is what counts.
            (Err((None, _)), Some(_)) => true,
            (Err((Some(field), _)), Some(expected)) => *field == expected,
            _ => false,
        };
        (!agrees).then(|| format!("{case}: {checked:?}"))
    }
    let cases = vectors["cases"].as_array().expect("cases");
    assert!(cases.len() > 20);
    plugin_contract::host::assert_follows_vectors(cases, &vectors["wrong_case"], mismatch);
}

#[test]
fn a_malformed_sha256_pin_is_refused_at_load_naming_it() {
    let scratch = Scratch::new("sha256-malformed");
    let padded = format!(" {}", sha256_hex(EMPTY_MODULE));
    let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
        m["wasm"]["sha256"] = json!(padded)
    });
    let error = PluginManifest::load(&path).expect_err("refused");
    assert!(
        matches!(&error, ManifestError::InvalidSha256 { found } if *found == padded),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .contains("must be 64 hex digits (either case), or null"));
}

/// Decodes a hex string of the vectors.
fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn a_wasm_with_the_pinned_hash_is_read_and_another_is_refused() {
    let scratch = Scratch::new("hash");
    scratch.write("plugin.wasm", EMPTY_MODULE);
    let pinned = sha256_hex(EMPTY_MODULE).to_uppercase();
    let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
        m["wasm"]["sha256"] = json!(pinned)
    });
    assert_eq!(
        PluginManifest::load(&path)
            .expect("loads")
            .read_wasm()
            .expect("read"),
        EMPTY_MODULE
    );
    let wrong = "0".repeat(64);
    let path = scratch.manifest("manifest.json", "plugin.wasm", |m| {
        m["wasm"]["sha256"] = json!(wrong)
    });
    let error = PluginManifest::load(&path)
        .expect("loads")
        .read_wasm()
        .expect_err("refused");
    assert!(
        matches!(error, ManifestError::WasmHashMismatch { .. }),
        "{error:?}"
    );
}
