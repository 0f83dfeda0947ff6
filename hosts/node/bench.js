#!/usr/bin/env node
// Times this adapter against a replay server, for `cargo bench --bench sync`'s table of hosts:
//   node bench.js --sdk 1|2 --manifest M --replay-url http://127.0.0.1:PORT \
//     --credentials-json '{"api_key":"k","api_url":"{replay_url}"}' --runs 11 [--overhead-calls 201]
//     [--probe-url URL --probe-headers JSON] [--service-ids '["billable-users"]']
// prints one line of JSON: `fetch_usage_ms`, the median `fetch_usage` for all accounts of the
// services of `--service-ids` (default billable-users; a per-platform service such as
// billable-users.microsoft-365 makes one request per customer), output decoded;
// `call_overhead_us`, the median `describe_credentials`, each after one warm-up; `request_ms`, the
// median GET of the probe URL through the adapter's HTTP alone (`sendSync`, in a worker of its
// own), null without it; `records`, the records counted; `runtime` and `sdk`, what it ran on.
// `{replay_url}` in a credential or the probe's URL stands for `--replay-url`, as in a scenario's
// credentials.json.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPlugin } from './src/adapter.js';
import { requestWorker, sendSync } from './src/http.js';

const AS_OF = '2026-11-01T00:00:00Z';
const SDK_PACKAGES = { 1: 'extism-1', 2: 'extism-2' };

/** Returns the median time of `runs` awaited calls of `call` in milliseconds, after one warm-up. */
async function medianMs(runs, call) {
  await call();
  const times = [];
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    await call();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

/** Returns the installed version of SDK `sdk` ("1" or "2"). */
function sdkVersion(sdk) {
  const file = new URL(`./node_modules/${SDK_PACKAGES[sdk]}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

const { values } = parseArgs({
  options: {
    sdk: { type: 'string', default: '2' },
    manifest: { type: 'string' },
    'replay-url': { type: 'string' },
    'credentials-json': { type: 'string' },
    runs: { type: 'string', default: '11' },
    'overhead-calls': { type: 'string', default: '201' },
    'probe-url': { type: 'string' },
    'probe-headers': { type: 'string', default: '{}' },
    'service-ids': { type: 'string', default: '["billable-users"]' },
  },
});
if (!values.manifest || !values['replay-url'] || !values['credentials-json']) {
  console.error(
    "usage: node bench.js --sdk 1|2 --manifest M --replay-url URL --credentials-json JSON [--runs N] [--overhead-calls N] [--probe-url URL --probe-headers JSON] [--service-ids '[\"ID\",...]']",
  );
  process.exit(2);
}
const replayUrl = values['replay-url'];
const credentials = Object.fromEntries(
  Object.entries(JSON.parse(values['credentials-json'])).map(([name, value]) => [name, value.replaceAll('{replay_url}', replayUrl)]),
);
const usageInput = { credentials, as_of: AS_OF, service_ids: JSON.parse(values['service-ids']) };
const plugin = await loadPlugin(values.manifest, { sdk: values.sdk, allowHosts: [new URL(replayUrl).hostname] });
let usage;
try {
  const fetchUsageMs = await medianMs(Number(values.runs), async () => {
    usage = await plugin.call('fetch_usage', usageInput);
  });
  const overheadMs = await medianMs(Number(values['overhead-calls']), () => plugin.call('describe_credentials', { credentials: {} }));
  let requestMs = null;
  if (values['probe-url']) {
    const probe = { url: values['probe-url'].replaceAll('{replay_url}', replayUrl), method: 'GET', headers: JSON.parse(values['probe-headers']) };
    const worker = requestWorker();
    const policy = { allowedHosts: plugin.allowedHosts, maxResponseBytes: plugin.manifest.limits.max_http_response_bytes, timeoutMs: plugin.manifest.limits.request_timeout_ms, worker };
    try {
      requestMs = await medianMs(Number(values.runs), () => sendSync(probe, null, policy));
    } finally {
      await worker.close();
    }
  }
  console.log(
    JSON.stringify({
      fetch_usage_ms: fetchUsageMs,
      call_overhead_us: overheadMs * 1e3,
      request_ms: requestMs,
      records: usage.records.length,
      runtime: `Node ${process.version}`,
      sdk: `\`@extism/extism\` ${sdkVersion(values.sdk)}`,
    }),
  );
} finally {
  await plugin.close();
}
