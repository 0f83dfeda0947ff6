//! Where the time of a `fetch_usage` of `billable-users` goes, phase by phase, in wasm and
//! natively.
//!
//! The plugin has no clock, so wasm is timed from the host: an [`Observer`] notes when the call
//! starts, when its one request is answered (and how long the request took) and when the call
//! ends. Three call shapes on the same tenant split what follows the request: all accounts,
//! one account (the same body copied and parsed, one record instead of N to build and encode),
//! and the same body answered with HTTP 500 (copied into the plugin's memory, then refused
//! unparsed). Natively each phase is timed directly around the same plugin code.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use host_harness::runtime::observe::{Observer, RequestEvent};
use host_harness::runtime::plugin::{PluginInstance, PluginModule};
use host_harness::traffic::replay::Recording;
use plugin_contract::{exports, FetchUsageInput, Secrets, Usage};
use saas_alerts_plugin::accounts::Tenant;
use saas_alerts_plugin::client::Client;
use saas_alerts_plugin::credentials::Config;
use saas_alerts_plugin::usage::fetch_usage;
use vendor_kit::http::{Http, HttpRequest, HttpResponse, TransportError};

use crate::measure::{middle, thousands, NativeHttp};
use crate::tenant::{customer_id, serve, tenant, usage_input, BILLABLE, KEY};

/// Counts the runs of each phase's median, after one warm-up: phases are differences of
/// medians, so they get more runs than the tables above.
pub const RUNS: usize = 31;

/// Names the phases in the order a call goes through them.
const PHASES: [&str; 6] = [
    "before the request: the input handed in and decoded, the request built",
    "the request: HTTP exchange, body read by ureq (both)",
    "the body into the plugin's memory: the host's copy into the Extism kernel, the plugin's into its heap",
    "parse the customer list and order it by id (`Tenant::of`)",
    "count, and build the N records; in wasm also encode the output JSON and hand it to the host",
    "the host decodes the output JSON",
];

/// Names the phases in a sentence.
const SHORT: [&str; 6] = [
    "before the request",
    "the request",
    "the body copy",
    "the parse",
    "count and encode",
    "the host's decode",
];

/// The median time of each phase of one tenant size, in milliseconds.
pub struct Breakdown {
    /// The customers of the tenant.
    pub customers: usize,
    /// Each phase in wasm.
    pub wasm: [f64; 6],
    /// Each phase natively; `None` where native does no such work.
    pub native: [Option<f64>; 6],
    /// Natively, serde_json encoding the output as the guest glue does.
    pub native_encode: f64,
    /// Natively, the guest glue's search for secrets in the encoded output.
    pub native_redact: f64,
    /// Natively, serde_json decoding the output.
    pub native_decode: f64,
}

impl Breakdown {
    /// Returns the sum of the wasm phases.
    pub fn wasm_total(&self) -> f64 {
        self.wasm.iter().sum()
    }

    /// Returns the sum of the native phases.
    pub fn native_total(&self) -> f64 {
        self.native.iter().flatten().sum()
    }

    /// Returns what wasm adds to phase `i` over native.
    fn added(&self, i: usize) -> f64 {
        self.wasm[i] - self.native[i].unwrap_or(0.0)
    }
}

/// Measures the phases of a `fetch_usage` of `billable-users` for a tenant of `customers`.
pub fn measure(compiled: &PluginModule, customers: usize, runs: usize) -> Breakdown {
    let started = Instant::now();
    let recording = tenant(customers, 0);
    let wasm = wasm_phases(compiled, recording.clone(), customers, runs);
    let native = native_phases(recording, customers, runs);
    eprintln!(
        "phases: {customers} customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Breakdown {
        customers,
        wasm,
        ..native
    }
}

/// Notes when a call starts, when its request is answered and when it ends.
#[derive(Default)]
pub struct Stopwatch(Mutex<Marks>);

/// The instants of one call, as the observer saw them.
#[derive(Default, Clone, Copy)]
struct Marks {
    started: Option<Instant>,
    /// When the request was answered, and how long it took.
    answered: Option<(Instant, Duration)>,
    finished: Option<Instant>,
}

impl Stopwatch {
    /// Returns the marks, locked.
    fn marks(&self) -> MutexGuard<'_, Marks> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns how long the last call's request took.
    pub fn last_request(&self) -> Duration {
        self.marks().answered.expect("a request").1
    }
}

impl Observer for Stopwatch {
    fn request(&self, event: &RequestEvent) {
        let now = Instant::now();
        self.marks().answered = Some((now, event.elapsed));
    }

    fn call_started(&self, _: &str, _: Option<usize>) {
        *self.marks() = Marks {
            started: Some(Instant::now()),
            ..Marks::default()
        };
    }

    fn call_finished(&self, _: &str) {
        self.marks().finished = Some(Instant::now());
    }
}

/// One wasm call cut at its request, and its output.
struct Cut {
    before: Duration,
    request: Duration,
    after: Duration,
    output: Option<Vec<u8>>,
}

/// Calls `fetch_usage` on `input` and cuts it at its one request.
fn cut(plugin: &mut PluginInstance, watch: &Stopwatch, input: &FetchUsageInput) -> Cut {
    let bytes = serde_json::to_vec(input).expect("the input encodes");
    let output = plugin.call_raw(exports::FETCH_USAGE, &input.credentials, &bytes);
    let marks = *watch.marks();
    let (Some(started), Some((answered, request)), Some(finished)) =
        (marks.started, marks.answered, marks.finished)
    else {
        panic!("the observer saw a call with one request");
    };
    Cut {
        before: (answered - request).saturating_duration_since(started),
        request,
        after: finished.saturating_duration_since(answered),
        output: output.ok(),
    }
}

/// Times the wasm phases: all accounts, one account, and the body refused with HTTP 500.
///
/// The three shapes take turns, so that the machine's swings (this shared machine has slow
/// spells) fall on all three alike. One server answers them all: the refused shape's API URL
/// has a path of its own, answered 500; with a second server, the requests came slower.
fn wasm_phases(
    compiled: &PluginModule,
    mut recording: Recording,
    customers: usize,
    runs: usize,
) -> [f64; 6] {
    let mut refused = recording.exchanges[0].clone();
    refused.request.path = format!("{REFUSED}{}", refused.request.path);
    refused.response.status = 500;
    recording.exchanges.push(refused);
    let server = serve(recording, 0);
    let all = usage_input(&server, Some(vec![BILLABLE.into()]));
    let one = FetchUsageInput {
        account_ids: Some(vec![customer_id(0)]),
        ..all.clone()
    };
    let mut failing = all.clone();
    failing
        .credentials
        .insert("api_url", format!("{}{REFUSED}", server.base_url()));
    let watch = Arc::new(Stopwatch::default());
    let mut plugin = compiled.instantiate().expect("instantiates");
    plugin.set_observer(watch.clone());
    // Per run, in ms: before, request, body copy, parse, count and encode, decode.
    let mut samples: [Vec<f64>; 6] = Default::default();
    let inputs = [&all, &one, &failing];
    for run in 0..=runs {
        // Each run starts with another shape, so that no shape always follows the same one.
        let mut cuts: [Option<Cut>; 3] = [None, None, None];
        for turn in 0..3 {
            let shape = (run + turn) % 3;
            cuts[shape] = Some(cut(&mut plugin, &watch, inputs[shape]));
        }
        let [Some(whole), Some(single), Some(refused)] = cuts else {
            unreachable!("every shape ran");
        };
        assert!(refused.output.is_none(), "the HTTP 500 is refused");
        let output = whole.output.expect("counts");
        let started = Instant::now();
        let usage: Usage = serde_json::from_slice(&output).expect("the contract's JSON");
        let decode = started.elapsed();
        assert_eq!(usage.records.len(), customers);
        if run == 0 {
            continue;
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // The differences are taken within a run, between calls made one after the other.
        let times = [
            ms(whole.before),
            ms(whole.request),
            ms(refused.after),
            ms(single.after) - ms(refused.after),
            ms(whole.after) - ms(single.after),
            ms(decode),
        ];
        for (sample, time) in samples.iter_mut().zip(times) {
            sample.push(time);
        }
    }
    samples.map(|mut times| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    })
}

/// Prefixes the path of the refused shape's requests.
const REFUSED: &str = "/refused";

/// The native transport, noting when its request was sent and answered.
#[derive(Default)]
pub struct TimedHttp {
    sent: Option<Instant>,
    answered: Option<Instant>,
}

impl TimedHttp {
    /// Returns how long the last request took.
    pub fn request(&self) -> Duration {
        self.answered
            .zip(self.sent)
            .map(|(a, s)| a - s)
            .expect("a request")
    }
}

impl Http for TimedHttp {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        self.sent = Some(Instant::now());
        let response = NativeHttp.send(request);
        self.answered = Some(Instant::now());
        response
    }
}

/// A transport that hands over one response it already has.
struct Canned(Option<HttpResponse>);

impl Http for Canned {
    fn send(&mut self, _: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        Ok(self.0.take().expect("one request"))
    }
}

/// Times the native phases around the plugin's own code, and what native does not do: encode
/// the output as the guest glue does, and decode it.
fn native_phases(recording: Recording, customers: usize, runs: usize) -> Breakdown {
    let server = serve(recording, 0);
    let input = usage_input(&server, Some(vec![BILLABLE.into()]));
    let config = Config::from_credentials(&input.credentials).expect("credentials");
    let url = format!("{}/reports/customers", config.api_root);
    let response = NativeHttp
        .get(&url, &[("api_key", KEY)])
        .expect("the customers");
    let secrets = Secrets::new([KEY]);
    // before, request, after, parse, encode, redact, decode
    let mut samples: [Vec<Duration>; 7] = Default::default();
    for run in 0..=runs {
        let mut http = TimedHttp::default();
        let started = Instant::now();
        let usage = fetch_usage(&mut http, &input).expect("counts");
        let finished = Instant::now();
        let (Some(sent), Some(answered)) = (http.sent, http.answered) else {
            panic!("one request");
        };
        assert_eq!(usage.records.len(), customers);

        let mut canned = Canned(Some(response.clone()));
        let parsing = Instant::now();
        let list = Client::new(&mut canned, &config)
            .customers()
            .expect("customers");
        std::hint::black_box(Tenant::of(&list));
        let parse = parsing.elapsed();
        assert_eq!(list.customers.len(), customers);

        let encoding = Instant::now();
        let json = serde_json::to_string(&usage).expect("encodes");
        let encode = encoding.elapsed();
        let redacted = secrets.redact_json(&json);
        let redact = encoding.elapsed() - encode;
        let decoding = Instant::now();
        let decoded: Usage = serde_json::from_str(&redacted).expect("decodes");
        let decode = decoding.elapsed();
        assert_eq!(decoded.records.len(), customers);
        if run == 0 {
            continue;
        }
        let times = [
            sent - started,
            answered - sent,
            finished - answered,
            parse,
            encode,
            redact,
            decode,
        ];
        for (sample, time) in samples.iter_mut().zip(times) {
            sample.push(time);
        }
    }
    let [before, request, after, parse, encode, redact, decode] =
        samples.map(|times| middle(times).as_secs_f64() * 1000.0);
    Breakdown {
        customers,
        wasm: [0.0; 6],
        native: [
            Some(before),
            Some(request),
            None,
            Some(parse),
            Some(after - parse),
            None,
        ],
        native_encode: encode,
        native_redact: redact,
        native_decode: decode,
    }
}

/// Writes the section: the phase table for every size, then a reading of each.
pub fn write(out: &mut String, breakdowns: &[Breakdown]) {
    let _ = writeln!(out, "\n## Where the time goes\n\nOne `fetch_usage` of `billable-users` for all accounts, phase by phase; each figure is a median of {RUNS} runs after one warm-up. The plugin has no clock, so wasm is timed from the host: the harness's `Observer` notes when the call starts, when its one request is answered (and how long the request took), and when the call ends. Three call shapes on the same tenant, taking turns, split what comes after the request: all accounts; one account (the same body copied, parsed and ordered by id, one record instead of N to build and encode); and the same body answered with HTTP 500 (copied into the plugin's memory, then refused unparsed). So the body copy is the 500's time after the request, the parse is one account's minus that, and count and encode is all accounts' minus one account's. Natively each phase is timed around the same plugin code (`saas_alerts_plugin::usage::fetch_usage` over ureq, `Client::customers` and `Tenant::of` for the parse); native has no body copy, and no output to encode or decode.\n");
    let mut header = String::from("| phase |");
    let mut rule = String::from("|---|");
    for b in breakdowns {
        let n = thousands(b.customers);
        let _ = write!(header, " wasm, {n} | native, {n} | added by wasm, {n} |");
        rule.push_str("---|---|---|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    for (i, phase) in PHASES.iter().enumerate() {
        let _ = write!(out, "| {phase} |");
        for b in breakdowns {
            let native = b.native[i].map_or("—".to_owned(), figure);
            let _ = write!(
                out,
                " {} | {native} | {} |",
                figure(b.wasm[i]),
                figure(b.added(i))
            );
        }
        let _ = writeln!(out);
    }
    let _ = write!(out, "| **sum** (wasm/native) |");
    for b in breakdowns {
        let _ = write!(
            out,
            " **{}** | **{}** | **{}** ({:.2}) |",
            figure(b.wasm_total()),
            figure(b.native_total()),
            figure(b.wasm_total() - b.native_total()),
            b.wasm_total() / b.native_total()
        );
    }
    let _ = writeln!(out);
    let natively: Vec<String> = breakdowns
        .iter()
        .map(|b| {
            format!(
                "{} at {} customers (encode {}, of which the search for secrets {}; decode {})",
                figure(b.native_encode + b.native_redact + b.native_decode),
                thousands(b.customers),
                figure(b.native_encode + b.native_redact),
                figure(b.native_redact),
                figure(b.native_decode)
            )
        })
        .collect();
    let _ = writeln!(out, "\nWhat native leaves out because nothing crosses a boundary, timed natively for scale: encoding the output as the guest glue does (`serde_json::to_string`, then `Secrets::redact_json`'s search for the key) and decoding it take {}.", natively.join("; "));
    let _ = writeln!(out, "\n**Reading.**");
    for b in breakdowns {
        let _ = writeln!(out, "\n{}", reading(b));
    }
}

/// Returns a paragraph on one size: what wasm adds, phase by phase, against the 1.5 target.
fn reading(b: &Breakdown) -> String {
    let native = b.native_total();
    let allowance = native * 0.5;
    let added = b.wasm_total() - native;
    let mut order: Vec<usize> = (0..PHASES.len()).collect();
    order.sort_by(|x, y| b.added(*y).total_cmp(&b.added(*x)));
    let list: Vec<String> = order
        .iter()
        .map(|&i| match b.native[i] {
            Some(n) if n > 0.0 => format!(
                "{} {} ({:.1} × native)",
                SHORT[i],
                figure(b.added(i)),
                b.wasm[i] / n
            ),
            _ => format!("{} {}", SHORT[i], figure(b.added(i))),
        })
        .collect();
    let mut text = format!(
        "At {} customers the phases add up to {} in wasm against {} natively, {:.2} ×. The target leaves wasm {} on top of native; it adds {}: {}.",
        thousands(b.customers),
        figure(b.wasm_total()),
        figure(native),
        b.wasm_total() / native,
        figure(allowance),
        figure(added),
        list.join(", ")
    );
    let boundary = b.wasm[2] + b.wasm[5];
    let native_count = b.native[4].unwrap_or(0.0) + b.native_encode + b.native_redact;
    let _ = write!(
        text,
        " {} The boundary's own phases, the body copy and the host's decoding, add {} ({:.0} % of what wasm adds). The rest is the plugin's own code running slower in wasm: it parses at {:.1} × native, and counts and encodes at {:.1} × native even with native's encoding added.",
        summary(b),
        figure(boundary),
        boundary / added * 100.0,
        b.wasm[3] / b.native[3].unwrap_or(f64::NAN),
        b.wasm[4] / native_count
    );
    text
}

/// Returns one sentence on which phases take wasm/native above 1.5 at this size.
pub fn summary(b: &Breakdown) -> String {
    let allowance = b.native_total() * 0.5;
    let ratio = b.wasm_total() / b.native_total();
    let mut order: Vec<usize> = (0..PHASES.len()).collect();
    order.sort_by(|x, y| b.added(*y).total_cmp(&b.added(*x)));
    let alone: Vec<&str> = order
        .iter()
        .filter(|&&i| b.added(i) > allowance)
        .map(|&i| SHORT[i])
        .collect();
    let n = thousands(b.customers);
    if ratio <= 1.5 {
        return format!("At {n} customers the phases stay within 1.5 × ({ratio:.2}).");
    }
    if !alone.is_empty() {
        let verb = if alone.len() == 1 { "adds" } else { "each add" };
        return format!(
            "At {n} customers {} alone {verb} more than the {} that 1.5 × native allows.",
            alone.join(" and "),
            figure(allowance)
        );
    }
    let mut sum = 0.0;
    let mut together = Vec::new();
    for &i in &order {
        sum += b.added(i);
        together.push(SHORT[i]);
        if sum > allowance {
            break;
        }
    }
    format!(
        "At {n} customers no phase alone adds more than the {} that 1.5 × native allows; {} together do.",
        figure(allowance),
        together.join(", ")
    )
}

/// Returns one sentence on how each phase grows from `from` to `to`, in wasm and natively.
pub fn growth(from: &Breakdown, to: &Breakdown) -> String {
    let times = |a: f64, b: f64| format!("{:.1} ×", b / a);
    let phases: Vec<String> = (0..PHASES.len())
        .map(|i| match (from.native[i], to.native[i]) {
            (Some(a), Some(b)) => format!(
                "{} {} (native {})",
                SHORT[i],
                times(from.wasm[i], to.wasm[i]),
                times(a, b)
            ),
            _ => format!("{} {}", SHORT[i], times(from.wasm[i], to.wasm[i])),
        })
        .collect();
    format!(
        "Phase by phase (see *Where the time goes*), from {} to {} customers the wasm call grows {}: {}.",
        thousands(from.customers),
        thousands(to.customers),
        times(from.wasm_total(), to.wasm_total()),
        phases.join(", ")
    )
}

/// Formats milliseconds with two decimals.
fn figure(ms: f64) -> String {
    format!("{ms:.2} ms")
}
