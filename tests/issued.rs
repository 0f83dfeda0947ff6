//! Tokens a vendor issues (access, refresh and id tokens, JWTs, session cookies) are secrets
//! from the moment the plugin receives them: the harness keeps them out of what it reports of
//! the plugin's requests (`--verbose`), its log lines, its errors and the fixtures `record`
//! writes, in every form.
//!
//! The SaaS Alerts plugin receives no token of its own, so the vendor here issues them inside
//! its customer list: an `access_token` and a `refresh_token` member in each customer, a JWT as
//! one customer's id (which the plugin then sends back in a later request's query) and a session
//! cookie. The plugin's own outputs are not checked in the library runs: it does not know these
//! are secrets (the id is an account id to it; a plugin that receives tokens registers them
//! itself); the CLI removes them from what it prints all the same.

mod support;

use std::sync::{Arc, Mutex};

use host_harness::flow::run_seed;
use host_harness::runtime::observe::{LogLevel, LogLine, Observer, RequestEvent};
use host_harness::traffic::recorder::fixtures_of;
use host_harness::traffic::replay::{Recording, ReplayServer};
use plugin_contract::{Credentials, FetchUsageInput, Secrets, VendorPlugin};
use serde_json::Value;
use support::{compiled_plugin, root};

/// Everything the harness reported of a run: request lines and log lines.
#[derive(Default)]
struct Reported {
    lines: Mutex<Vec<String>>,
}

impl Observer for Reported {
    fn request(&self, event: &RequestEvent) {
        self.lines.lock().unwrap().push(event.to_string());
    }

    fn log_level(&self) -> Option<LogLevel> {
        Some(LogLevel::Trace)
    }

    fn log(&self, line: &LogLine) {
        self.lines.lock().unwrap().push(line.message.clone());
    }
}

/// A small deterministic generator (xorshift), so that the property test needs no crate.
struct Generator(u64);

impl Generator {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// A token of printable ASCII with the characters JSON, URLs and forms escape, and some
    /// beyond ASCII.
    fn token(&mut self) -> String {
        let alphabet: Vec<char> = (0x21u8..0x7f)
            .map(char::from)
            .chain(['é', '鍵', ' '])
            .collect();
        let length = 12 + self.below(40);
        let mut token: String = (0..length)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect();
        token.insert_str(self.below(token.len()), r#"\"/+=%&"#);
        token.trim().to_owned()
    }

    /// A string shaped like a JWT: three base64url segments, the first starting `eyJ`.
    fn jwt(&mut self) -> String {
        let alphabet: Vec<char> = ('A'..='Z')
            .chain('a'..='z')
            .chain('0'..='9')
            .chain(['-', '_'])
            .collect();
        let mut segment = |n: usize| -> String {
            (0..n)
                .map(|_| alphabet[self.below(alphabet.len())])
                .collect()
        };
        let (header, payload, signature) = (segment(16), segment(24), segment(30));
        format!("eyJ{header}.{payload}.{signature}")
    }

    /// A cookie value: no `;`, `,`, space or quote.
    fn cookie(&mut self) -> String {
        let alphabet: Vec<char> = ('A'..='Z')
            .chain('0'..='9')
            .chain(['-', '.', '~'])
            .collect();
        (0..24)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

/// The happy path with `access` and `refresh` in every customer, `jwt` as the first
/// customer's id (also in the queries that ask for it) and `cookie` set by the first answer.
fn issuing_happy_path(access: &str, refresh: &str, jwt: &str, cookie: &str) -> Recording {
    let path = root().join("fixtures/happy-path/exchanges.json");
    let text = std::fs::read_to_string(path).expect("the happy path reads");
    let mut recording: Recording = serde_json::from_str(&text).expect("the happy path parses");
    let first = &mut recording.exchanges[0];
    first.response.headers.insert(
        "set-cookie".into(),
        format!("sid={cookie}; Path=/; HttpOnly"),
    );
    let customers = first.response.body.as_mut().expect("a customer list");
    let mut old_id = String::new();
    for (i, customer) in customers
        .as_array_mut()
        .expect("a list")
        .iter_mut()
        .enumerate()
    {
        let fields = customer.as_object_mut().expect("a customer");
        fields.insert("access_token".into(), Value::from(access));
        fields.insert("refresh_token".into(), Value::from(refresh));
        if i == 0 {
            old_id = fields["id"].as_str().expect("an id").to_owned();
            fields.insert("id".into(), Value::from(jwt));
        }
    }
    for exchange in &mut recording.exchanges[1..] {
        for value in exchange.request.query.values_mut() {
            if *value == old_id {
                *value = jwt.to_owned();
            }
        }
    }
    recording
}

/// Runs the calls and the seed on `recording`, recording them; returns what the harness
/// reported, the errors it returned and the fixture files `record` would write.
fn run_and_record(recording: Recording) -> (Vec<String>, Vec<String>, Recording, Credentials) {
    let credentials: Credentials = [("api_key", "replay-api-key"), ("api_url", "{replay_url}")]
        .into_iter()
        .collect();
    let replay = ReplayServer::serve(recording, credentials).expect("replay starts");
    let credentials = replay.credentials().clone();
    let reported = Arc::new(Reported::default());
    let mut plugin = compiled_plugin().instantiate().expect("instantiates");
    plugin.set_observer(reported.clone());
    plugin.start_recording();
    let input = support::credentials_input(&credentials);
    let mut errors = Vec::new();
    errors.extend(plugin.authenticate(&input).err());
    errors.extend(plugin.list_accounts(&input).err());
    let usage = plugin.fetch_usage(&FetchUsageInput {
        credentials: credentials.clone(),
        as_of: support::AS_OF.into(),
        account_ids: None,
        service_ids: None,
    });
    let mut errors: Vec<String> = errors.iter().map(|e| format!("{e:?}")).collect();
    if let Ok(usage) = &usage {
        errors.extend(
            usage
                .failed_accounts
                .iter()
                .map(|f| format!("{:?}", f.error)),
        );
    }
    errors.extend(usage.err().map(|e| format!("{e:?}")));
    let seed = run_seed(&mut plugin, &credentials, support::AS_OF, None);
    errors.extend(seed.failure.map(|(_, e)| format!("{e:?}")));
    let raw = plugin.take_recording();
    let secrets = compiled_plugin().secrets(&credentials);
    let (fixture, fixture_credentials) = fixtures_of(
        &raw,
        &credentials,
        &secrets,
        &compiled_plugin().url_fields(),
        "test".into(),
    );
    replay.finish().expect("every request was recorded");
    let lines = reported.lines.lock().unwrap().clone();
    (lines, errors, fixture, fixture_credentials)
}

#[test]
fn random_issued_tokens_never_leave_the_harness_in_any_form_and_their_recording_replays() {
    let mut generator = Generator(0x2545_f491_4f6c_dd1d);
    for _ in 0..6 {
        let (access, refresh) = (generator.token(), generator.token());
        let (jwt, cookie) = (generator.jwt(), generator.cookie());
        let tokens = Secrets::new([
            access.as_str(),
            refresh.as_str(),
            jwt.as_str(),
            cookie.as_str(),
        ]);
        let recording = issuing_happy_path(&access, &refresh, &jwt, &cookie);
        let (lines, errors, fixture, fixture_credentials) = run_and_record(recording);
        assert!(
            lines
                .iter()
                .any(|line| line.contains("customerId=<redacted>")),
            "the JWT id is sent back and reported redacted: {lines:?}"
        );
        for line in lines.iter().chain(&errors) {
            assert!(!tokens.found_in(line), "a token in a line: {line}");
        }
        let written = serde_json::to_string_pretty(&fixture).expect("serializes")
            + &serde_json::to_string_pretty(&fixture_credentials).expect("serializes");
        assert!(
            !tokens.found_in(&written),
            "a token in the fixture: {written}"
        );
        assert!(written.contains("<issued-1>"), "{written}");
        // The fixture replays: the plugin gets the placeholders and sends them back, and the
        // same requests are recorded again.
        let recorded = fixture.exchanges.len();
        let (_, errors, replayed, _) = run_and_record(fixture);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(replayed.exchanges.len(), recorded);
    }
}

#[test]
fn the_cli_prints_no_issued_token_in_its_output_or_its_verbose_lines() {
    let mut generator = Generator(0x9e37_79b9_7f4a_7c15);
    let (access, jwt) = (generator.token(), generator.jwt());
    let mut recording = issuing_happy_path(&access, &generator.token(), &jwt, &generator.cookie());
    // The plugin returns the name as it is: the harness must remove the token from it.
    let customers = recording.exchanges[0]
        .response
        .body
        .as_mut()
        .expect("customers");
    customers[1]["name"] = Value::from(jwt.as_str());
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("issued-cli");
    std::fs::create_dir_all(&folder).expect("scenario folder");
    std::fs::write(
        folder.join("exchanges.json"),
        serde_json::to_string(&recording).expect("serializes"),
    )
    .expect("written");
    std::fs::copy(
        root().join("fixtures/happy-path/credentials.json"),
        folder.join("credentials.json"),
    )
    .expect("copied");
    let tokens = Secrets::new([access.as_str(), jwt.as_str()]);
    for command in [["accounts"], ["seed"]] {
        let output = std::process::Command::new(support::harness_binary())
            .args(["--replay", folder.to_str().expect("utf-8"), "--verbose"])
            .args(command)
            .current_dir(root())
            .output()
            .expect("host-harness runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(output.status.success(), "{stdout}{stderr}");
        assert!(stdout.contains("<redacted>"), "{stdout}");
        if command == ["seed"] {
            assert!(stderr.contains("customerId=<redacted>"), "{stderr}");
        }
        assert!(!tokens.found_in(&stdout), "{command:?}: {stdout}");
        assert!(!tokens.found_in(&stderr), "{command:?}: {stderr}");
    }
}
