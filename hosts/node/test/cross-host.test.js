// The cross-host tests: on every fixture scenario of every plugin compared (the SaaS Alerts
// plugin, the OAuth example), this adapter's transcript (with each Node SDK) equals the Rust
// harness's, and the replay server saw the requests the Rust harness makes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { transcript } from '../src/transcript.js';
import { AS_OF, crossHostPlugins, hostHarness, scenarios, SDKS } from '../testing/env.js';
import { runJson, startServer } from '../testing/processes.js';
import { scratchDir } from '../testing/scratch.js';

/** Runs `host` (a function of serve's first line, `{url, credentials}`) against `host-harness serve` of the scenario folder `folder`; returns its result and the server's report. */
async function againstServe(folder, host) {
  const server = await startServer(hostHarness(), ['serve', folder]);
  const result = await Promise.resolve(host(server.ready)).catch(async (error) => {
    await server.stop();
    throw error;
  });
  return { result, report: await server.stop() };
}

const rust = new Map();

/**
 * Returns what the Rust harness does with the plugin of `manifest` on the scenario folder
 * `folder`, once for both SDKs: its transcript (`transcript --replay`) and the report of a
 * `serve` it made the same calls against. Its credentials file is in a folder of the test `t`,
 * the first to ask.
 */
function rustReference(manifest, folder, t) {
  if (!rust.has(folder)) {
    const args = ['transcript', '--manifest', manifest, '--as-of', AS_OF];
    rust.set(
      folder,
      (async () => {
        const replayed = await runJson(hostHarness(), [...args, '--replay', folder]);
        const { report } = await againstServe(folder, ({ credentials }) => {
          const file = path.join(scratchDir(t, 'credentials-'), 'credentials.json');
          writeFileSync(file, JSON.stringify(credentials));
          return runJson(hostHarness(), [...args, '--credentials', file, '--allow-host', '127.0.0.1']);
        });
        return { transcript: replayed, report };
      })(),
    );
  }
  return rust.get(folder);
}

describe('cross-host transcripts', () => {
  const plugins = crossHostPlugins().map(({ manifest, fixtures }) => ({ manifest, fixtures, names: scenarios(fixtures) }));
  it('finds the fixture scenarios of every plugin', () => {
    for (const { fixtures, names } of plugins) assert.ok(names.length > 0, `no scenario with an exchanges.json in ${fixtures}`);
  });

  for (const sdk of SDKS) {
    describe(`Node SDK ${sdk} against the Rust harness`, () => {
      for (const { manifest, fixtures, names } of plugins) {
        for (const scenario of names) {
          const folder = path.join(fixtures, scenario);
          it(`${path.basename(path.dirname(manifest))}/${scenario}`, async (t) => {
            const node = await againstServe(folder, ({ url, credentials }) =>
              transcript({ manifestPath: manifest, sdk, credentials, asOf: AS_OF, allowHosts: ['127.0.0.1'], serverUrl: url }),
            );
            const reference = await rustReference(manifest, folder, t);
            assert.deepEqual(node.result, reference.transcript);
            // Every scenario records every request the transcript makes: a request that matches
            // nothing is one a compliant host never sends (a followed redirect, say).
            assert.deepEqual(node.report.unmatched, [], 'requests no exchange matched (e.g. a followed redirect)');
            assert.deepEqual(reference.report.unmatched, [], 'the Rust harness made requests no exchange matched');
            assert.deepEqual(node.report.served, reference.report.served, 'the requests served, in order, with their statuses');
          });
        }
      }
    });
  }
});
