//! Timing, the native baseline's HTTP, and how figures are printed.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use host_harness::runtime::manifest::PluginManifest;
use host_harness::runtime::plugin::PluginModule;
use vendor_kit::http::{Http, HttpRequest, HttpResponse, TransportError};

// ---- the native baseline's HTTP ----

/// The plugin's transport, natively: ureq, no wasm.
pub struct NativeHttp;

impl Http for NativeHttp {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(request.url);
        for (name, value) in request.headers {
            builder = builder.header(*name, *value);
        }
        let built = builder
            .body(request.body.to_vec())
            .map_err(|e| TransportError::connection(e.to_string()))?;
        let mut response =
            ureq::run(built).map_err(|e| TransportError::connection(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| TransportError::connection(e.to_string()))?;
        Ok(HttpResponse { status, body })
    }
}

// ---- measuring and printing ----

/// Returns how long `f` takes to make a module (and drop it).
pub fn time(f: impl FnOnce() -> PluginModule) -> Duration {
    let started = Instant::now();
    drop(f());
    started.elapsed()
}

/// Returns the mean time of `runs` calls of `f`.
pub fn average(runs: u32, mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..runs {
        f();
    }
    started.elapsed() / runs
}

/// Returns the median time of `runs` calls of `f`.
pub fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    middle(times)
}

/// Returns the median of `times`.
pub fn middle(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Returns the size of `bytes` gzipped at the best compression.
pub fn gzip_size(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip").len()
}

/// Writes a row of a measure, its figure, its target and whether it is met.
pub fn row(out: &mut String, measure: &str, figure: &str, target: &str, met: bool) {
    let met = if target.is_empty() { "" } else { yes(met) };
    let _ = writeln!(out, "| {measure} | {figure} | {target} | {met} |");
}

/// Returns "met", or "**not met**" in bold.
pub fn yes(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**not met**"
    }
}

/// Formats `d` in milliseconds, one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Formats `d` in whole microseconds.
pub fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Formats `n` with commas between thousands.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats 64 KiB pages in MiB.
pub fn mib(pages: u32) -> String {
    format!("{:.1} MiB", f64::from(pages) * 64.0 / 1024.0)
}

/// Returns the number of cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Returns the CPU's model name.
pub fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// Returns the machine's load average over the last minute.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Writes `folder/manifest.json`, the `shipped` manifest naming the module at `wasm` (relative
/// to `folder`) without a pin, and loads it: how the benchmark runs a module built elsewhere.
pub fn manifest_beside(
    shipped: &PluginManifest,
    folder: &std::path::Path,
    wasm: &str,
) -> Result<PluginManifest, String> {
    let mut manifest = shipped.clone();
    manifest.wasm.path = wasm.into();
    manifest.wasm.sha256 = None;
    let path = folder.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    PluginManifest::load(&path).map_err(|e| e.to_string())
}
