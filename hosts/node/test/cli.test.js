// The transcript command line, against a server whose API answers every request with a redirect.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { pluginManifest, SDKS } from '../testing/env.js';
import { startServer } from '../testing/processes.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const SERVER = fileURLToPath(new URL('../testing/server.js', import.meta.url));
const run = promisify(execFile);

describe('node src/cli.js transcript', () => {
  for (const sdk of SDKS) {
    it(`prints the transcript with SDK ${sdk}; a redirect is reported, not followed`, async () => {
      const server = await startServer(process.execPath, [SERVER]);
      const apiUrl = `http://127.0.0.1:${server.ready.port}`;
      try {
        const credentials = JSON.stringify({ api_key: 'cli-test-key', api_url: apiUrl });
        const args = ['transcript', '--sdk', sdk, '--manifest', pluginManifest(), '--credentials-json', credentials];
        const { stdout } = await run(process.execPath, [CLI, ...args, '--as-of', '2026-11-01T00:00:00Z', '--allow-host', '127.0.0.1']);
        const transcript = JSON.parse(stdout);
        assert.deepEqual(Object.keys(transcript), ['describe_credentials', 'authenticate', 'list_accounts', 'list_services', 'fetch_usage']);
        assert.equal(transcript.describe_credentials.ok.vendor.id, 'saas-alerts');
        assert.deepEqual(transcript.authenticate, { error: { class: 'config', http_status: 302 } });
        assert.equal(transcript.list_services.ok.services.length, 7);
        const seen = await fetch(`${apiUrl}/hits`).then((r) => r.json());
        assert.deepEqual(seen.collected_keys, [], 'the redirect target got no request');
      } finally {
        await server.stop();
      }
    });
  }

  it('exits 2 with the usage on a bad command line', async () => {
    await assert.rejects(run(process.execPath, [CLI, 'transcript', '--sdk', '1']), (error) => error.code === 2 && /usage: node src\/cli\.js transcript/.test(error.stderr));
  });
});
