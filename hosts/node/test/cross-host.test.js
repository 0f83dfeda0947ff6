// The cross-host tests: on every fixture scenario, this adapter's transcript (with each Node SDK)
// equals the Rust harness's, and the replay server saw the requests the Rust harness makes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { transcript } from '../src/transcript.js';
import { AS_OF, fixturesDir, hostHarness, pluginManifest, scenarios, SDKS } from '../testing/env.js';
import { runJson, startServer } from '../testing/processes.js';
import { scratchDir } from '../testing/scratch.js';

/** Runs `host` (a function of serve's first line, `{url, credentials}`) against `host-harness serve` of `scenario`; returns its result and the server's report. */
async function againstServe(scenario, host) {
  const server = await startServer(hostHarness(), ['serve', path.join(fixturesDir(), scenario)]);
  const result = await Promise.resolve(host(server.ready)).catch(async (error) => {
    await server.stop();
    throw error;
  });
  return { result, report: await server.stop() };
}

const rust = new Map();

/**
 * Returns what the Rust harness does on `scenario`, once for both SDKs: its transcript
 * (`transcript --replay`) and the report of a `serve` it made the same calls against. Its
 * credentials file is in a folder of the test `t`, the first to ask.
 */
function rustReference(scenario, t) {
  if (!rust.has(scenario)) {
    const args = ['transcript', '--manifest', pluginManifest(), '--as-of', AS_OF];
    rust.set(
      scenario,
      (async () => {
        const replayed = await runJson(hostHarness(), [...args, '--replay', path.join(fixturesDir(), scenario)]);
        const { report } = await againstServe(scenario, ({ credentials }) => {
          const file = path.join(scratchDir(t, 'credentials-'), 'credentials.json');
          writeFileSync(file, JSON.stringify(credentials));
          return runJson(hostHarness(), [...args, '--credentials', file, '--allow-host', '127.0.0.1']);
        });
        return { transcript: replayed, report };
      })(),
    );
  }
  return rust.get(scenario);
}

describe('cross-host transcripts', () => {
  const names = scenarios();
  it('finds the fixture scenarios', () => assert.ok(names.length > 0, `no scenario with an exchanges.json in ${fixturesDir()}`));

  for (const sdk of SDKS) {
    describe(`Node SDK ${sdk} against the Rust harness`, () => {
      for (const scenario of names) {
        it(scenario, async (t) => {
          const node = await againstServe(scenario, ({ url, credentials }) =>
            transcript({ manifestPath: pluginManifest(), sdk, credentials, asOf: AS_OF, allowHosts: ['127.0.0.1'], serverUrl: url }),
          );
          const reference = await rustReference(scenario, t);
          assert.deepEqual(node.result, reference.transcript);
          // Every scenario records every request the transcript makes: a request that matches
          // nothing is one a compliant host never sends (a followed redirect, say).
          assert.deepEqual(node.report.unmatched, [], 'requests no exchange matched (e.g. a followed redirect)');
          assert.deepEqual(reference.report.unmatched, [], 'the Rust harness made requests no exchange matched');
          assert.deepEqual(node.report.served, reference.report.served, 'the requests served, in order, with their statuses');
        });
      }
    });
  }
});
