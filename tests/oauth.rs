//! The OAuth example (`examples/oauth-vendor`) as its author and a host team meet it: it passes
//! conformance, `record` captures its token exchange with the token and the secret removed, and
//! the recording replays to the counts the live vendor gave.

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::PluginModule;
use host_harness::traffic::recording::Recording;
use host_harness::traffic::replay::{replay_only, ReplayServer};
use plugin_contract::{CredentialsInput, FetchUsageInput, Secrets, VendorPlugin};
use serde_json::Value;
use support::{cargo_build, root, scratch, target_dir, Run};

/// The example's folder, relative to the repository's root.
const EXAMPLE: &str = "examples/oauth-vendor";

/// The Client Secret the live vendor of these tests accepts.
const SECRET: &str = "tc-live-secret/9f8e+7d6c=5b4a";

/// The token the live vendor issues: shaped like a JWT, as real ones are.
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtc3AtYXBwLTEiLCJzY29wZSI6InBhcnRuZXIifQ.c2lnbmVkLWJ5LXRhbGx5LWNsb3Vk";

/// Builds the example once and returns the folder of its manifest and module (a copy under the
/// test target's scratch space, so that no test writes into the repository).
fn example() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        cargo_build(&[
            "-p",
            "oauth-vendor-plugin",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "plugin",
        ]);
        let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oauth-example");
        std::fs::create_dir_all(&folder).expect("the example's folder");
        let wasm = "oauth_vendor_plugin.wasm";
        let built = target_dir()
            .join("wasm32-unknown-unknown/plugin")
            .join(wasm);
        std::fs::copy(built, folder.join(wasm)).expect("the module is copied");
        std::fs::copy(
            root().join(EXAMPLE).join("manifest.json"),
            folder.join("manifest.json"),
        )
        .expect("the manifest is copied");
        folder
    })
}

/// Runs the harness on the example with `args` and the credentials of `env`.
fn harness(args: &[&str], env: &[(&str, &str)]) -> Run {
    let manifest = example().join("manifest.json");
    let manifest = manifest.to_str().expect("utf-8 path");
    support::harness(&[&["--manifest", manifest][..], args].concat(), env)
}

/// Serves the happy path as the live vendor would: a real token issued and expected back.
fn live_vendor() -> ReplayServer {
    let path = root()
        .join(EXAMPLE)
        .join("fixtures/happy-path/exchanges.json");
    let text = std::fs::read_to_string(path).expect("the happy path is read");
    let recording: Recording =
        serde_json::from_str(&text.replace("<issued-1>", TOKEN)).expect("a recording");
    ReplayServer::serve(recording, Default::default()).expect("the live vendor starts")
}

#[test]
fn the_oauth_example_passes_conformance_on_its_fixtures() {
    let fixtures = root().join(EXAMPLE).join("fixtures");
    let run = harness(
        &[
            "conformance",
            "--fixtures",
            fixtures.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn record_keeps_the_token_exchange_without_the_token_or_the_secret_and_it_replays() {
    let vendor = live_vendor();
    let token_url = format!("{}/oauth/token", vendor.base_url());
    let env = [
        ("HARNESS_CRED_CLIENT_ID", "msp-app-1"),
        ("HARNESS_CRED_CLIENT_SECRET", SECRET),
        ("HARNESS_CRED_API_URL", vendor.base_url()),
        ("HARNESS_CRED_TOKEN_URL", token_url.as_str()),
    ];
    let out = scratch("oauth-recorded");
    let as_of = ["--as-of", "2026-11-01T00:00:00Z"];
    let record = [
        "record",
        "--allow-host",
        "127.0.0.1",
        "--verbose",
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    let run = harness(&[&record[..], &as_of[..]].concat(), &env);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let exchanges = std::fs::read_to_string(out.join("exchanges.json")).expect("exchanges");
    let credentials = std::fs::read_to_string(out.join("credentials.json")).expect("credentials");
    let printed = format!("{}{}", run.stdout, run.stderr);
    let token_parts: Vec<&str> = TOKEN.split('.').collect();
    for (what, text) in [
        ("exchanges.json", &exchanges),
        ("credentials.json", &credentials),
        ("what record printed", &printed),
    ] {
        assert!(!text.contains(SECRET), "the secret is in {what}");
        for part in &token_parts {
            assert!(
                !text.contains(part),
                "a part of the token is in {what}: {text}"
            );
        }
    }
    let recorded: Recording = serde_json::from_str(&exchanges).expect("a recording");
    let token = recorded
        .exchanges
        .iter()
        .find(|e| e.request.method == "POST")
        .expect("the token request is recorded");
    assert_eq!(token.request.path, "/oauth/token");
    let form = serde_json::to_value(&token.request.body).expect("the body as JSON");
    assert_eq!(form["form"]["client_secret"], "<redacted>", "{form}");
    assert_eq!(form["form"]["grant_type"], "client_credentials", "{form}");
    assert_eq!(
        token
            .response
            .body
            .as_ref()
            .map(|b| b["access_token"].clone()),
        Some(Value::from("<issued-1>"))
    );
    let bearers: Vec<&str> = recorded
        .exchanges
        .iter()
        .filter_map(|e| e.request.headers.get("authorization").map(String::as_str))
        .collect();
    assert!(!bearers.is_empty());
    assert!(
        bearers.iter().all(|b| *b == "Bearer <issued-1>"),
        "the same placeholder, its scheme kept: {bearers:?}"
    );

    // The recording replays strictly and gives the counts the live vendor gave.
    let live = harness(
        &[&["usage", "--allow-host", "127.0.0.1"][..], &as_of[..]].concat(),
        &env,
    );
    assert_eq!(live.code, 0, "{}", live.stderr);
    let replayed = harness(
        &[
            &["usage", "--replay", out.to_str().expect("utf-8 path")][..],
            &as_of[..],
        ]
        .concat(),
        &[],
    );
    assert_eq!(replayed.code, 0, "{}{}", replayed.stdout, replayed.stderr);
    assert_eq!(live.json()["records"], replayed.json()["records"]);
    assert_eq!(
        live.json()["records"].as_array().map(Vec::len),
        Some(6),
        "three companies, two products"
    );
    std::fs::remove_dir_all(&out).expect("the recording is removed");
}

/// Returns a random token of 12 to 60 printable ASCII characters (what a header can carry),
/// quotes, backslashes, `%`, `+` and `=` among them.
fn random_token(rng: &mut fastrand::Rng) -> String {
    let length = rng.usize(12..=60);
    (0..length)
        .map(|_| char::from(rng.u8(0x21..0x7f)))
        .collect()
}

#[test]
fn random_issued_tokens_never_leave_the_plugin_even_when_the_vendor_echoes_them() {
    let manifest = PluginManifest::load(&example().join("manifest.json")).expect("manifest");
    let module = PluginModule::compile(&replay_only(&manifest), &[]).expect("compiles");
    let path = root()
        .join(EXAMPLE)
        .join("fixtures/happy-path/exchanges.json");
    let happy = std::fs::read_to_string(path).expect("the happy path is read");
    let credentials = root()
        .join(EXAMPLE)
        .join("fixtures/happy-path/credentials.json");
    let credentials: plugin_contract::Credentials =
        serde_json::from_str(&std::fs::read_to_string(credentials).expect("read"))
            .expect("credentials");
    let mut rng = fastrand::Rng::with_seed(18);
    for _ in 0..8 {
        let token = random_token(&mut rng);
        let quoted = serde_json::to_string(&token).expect("a JSON string");
        let escaped = &quoted[1..quoted.len() - 1];
        // The token is issued, then echoed by the vendor in a company's name.
        let text = happy
            .replace("<issued-1>", escaped)
            .replace("Harbor Dental Group", &format!("Harbor {escaped}"));
        let recording: Recording = serde_json::from_str(&text).expect("a recording");
        let vendor = ReplayServer::serve(recording, credentials.clone()).expect("serves");
        let mut plugin = module
            .instantiate()
            .expect("instantiates")
            .without_redaction();
        let input = CredentialsInput::new(vendor.credentials().clone());
        let outputs = [
            serde_json::to_string(&plugin.authenticate(&input)),
            serde_json::to_string(&plugin.list_accounts(&input)),
            serde_json::to_string(&plugin.list_services(&input)),
            serde_json::to_string(&plugin.fetch_usage(&FetchUsageInput {
                credentials: input.credentials.clone(),
                as_of: "2026-11-01T00:00:00Z".to_owned(),
                account_ids: None,
                service_ids: None,
            })),
        ];
        let leaked = Secrets::new([token.as_str()]);
        for output in outputs {
            let output = output.expect("encodable");
            assert!(output.contains("\"Ok\""), "the call succeeded: {output}");
            assert!(
                !leaked.found_in(&output),
                "the token left the plugin: {output}"
            );
        }
        assert!(
            vendor.report().unmatched.is_empty(),
            "{:?}",
            vendor.report()
        );
    }
}
