// What the STOCK Node SDKs do with this plugin without the adapter, for the record: they make
// HTTP requests only in a worker (`runInWorker: true`, `allowedHosts`), share no response
// header, and follow redirects. Compare with the cross-host tests, where the adapter gives
// `retry_after_s: 17` and a `config` error for the redirect, and nothing leaves for localhost.
// Last, what the adapter works around outside a worker: both SDKs' error prefix, 2.x refusing a
// call timeout, and 1.0.3 storing a Uint8Array view's whole buffer.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import * as extism1 from 'extism-1';
import * as extism2 from 'extism-2';
import { loadPlugin } from '../src/adapter.js';
import { pluginErrorOf } from '../src/errors.js';
import { loadManifest } from '../src/manifest.js';
import { fixturesDir, hostHarness, pluginManifest } from '../testing/env.js';
import { startServer } from '../testing/processes.js';

const SUPPORT_SERVER = fileURLToPath(new URL('../testing/server.js', import.meta.url));

/** Calls `exportName` in a stock SDK with `credentials`; returns `{ output }` or `{ error }`. */
async function stockCall(extism, exportName, credentials, options = { runInWorker: true, allowedHosts: ['127.0.0.1'] }) {
  const plugin = await extism.createPlugin(
    { wasm: [{ data: loadManifest(pluginManifest()).wasmBytes }] },
    { useWasi: false, ...options },
  );
  try {
    const output = await plugin.call(exportName, JSON.stringify({ credentials }));
    return { output: JSON.parse(output.text()) };
  } catch (thrown) {
    return { error: pluginErrorOf(thrown.message) ?? { trap: thrown.message } };
  } finally {
    await plugin.close();
  }
}

/** Calls authenticate in a stock SDK with `credentials`; returns the call's error, or null. */
async function stockAuthenticate(extism, credentials) {
  return (await stockCall(extism, 'authenticate', credentials)).error ?? null;
}

/** Calls authenticate in a stock SDK against `serve` of `scenario`; returns the call's error and the server's report. */
async function againstServe(extism, scenario) {
  const server = await startServer(hostHarness(), ['serve', path.join(fixturesDir(), scenario)]);
  const error = await stockAuthenticate(extism, server.ready.credentials).catch(async (thrown) => {
    await server.stop();
    throw thrown;
  });
  return { error, report: await server.stop() };
}

for (const [name, extism, sdk] of [['1.0.3', extism1, '1'], ['2.x', extism2, '2']]) {
  describe(`stock @extism/extism ${name} (worker, allowedHosts 127.0.0.1, no adapter)`, () => {
    it('happy-path: list_accounts gives what the adapter gives', async () => {
      const scenario = path.join(fixturesDir(), 'happy-path');
      const stock = await startServer(hostHarness(), ['serve', scenario]);
      const ours = await startServer(hostHarness(), ['serve', scenario]);
      try {
        const { output } = await stockCall(extism, 'list_accounts', stock.ready.credentials);
        const plugin = await loadPlugin(pluginManifest(), { sdk, allowHosts: ['127.0.0.1'] });
        try {
          assert.deepEqual(output, await plugin.call('list_accounts', { credentials: ours.ready.credentials }));
        } finally {
          await plugin.close();
        }
      } finally {
        await stock.stop();
        await ours.stop();
      }
    });

    it('rate-limited-429: rate_limited without retry_after_s, since the plugin cannot see Retry-After: 17', async () => {
      const { error } = await againstServe(extism, 'rate-limited-429');
      assert.equal(error.class, 'rate_limited');
      assert.equal(error.http_status, 429);
      assert.equal(error.retry_after_s, undefined);
    });

    it('redirect-off-host: the 302 to localhost, a host not allowed, is followed', async () => {
      const { error, report } = await againstServe(extism, 'redirect-off-host');
      // The off-host request reached the server (named localhost there) and matched nothing.
      assert.deepEqual(report.unmatched, ['GET /collect-keys']);
      assert.deepEqual(report.served.map((s) => s.request), ['GET /reportApi/api/v1/reports/customers', 'GET /collect-keys']);
      // The plugin never saw the redirect: it got the off-host answer instead of a config error.
      assert.notEqual(error.class, 'config');
    });

    it('a followed redirect carries the api_key header to the other host', async () => {
      const server = await startServer(process.execPath, [SUPPORT_SERVER]);
      const key = 'stock-sdk-test-key';
      try {
        await stockAuthenticate(extism, { api_key: key, api_url: `http://127.0.0.1:${server.ready.port}` });
        const seen = await fetch(`http://127.0.0.1:${server.ready.port}/hits`).then((r) => r.json());
        assert.deepEqual(seen.collected_keys, [key], 'localhost received the key');
      } finally {
        await server.stop();
      }
    });
  });
}

describe('stock @extism/extism 1.0.3 outside a worker, no adapter', () => {
  it('has no HTTP: every request answers status 0, and the plugin says so as internal', async () => {
    const { error } = await stockCall(extism1, 'authenticate', { api_key: 'k', api_url: 'http://127.0.0.1:9' }, {});
    assert.equal(error.class, 'internal');
    assert.match(error.message, /the host made no HTTP request/);
  });
});

describe('what the adapter works around in the stock SDKs, outside a worker', () => {
  const wasm = () => loadManifest(pluginManifest()).wasmBytes;

  for (const [name, extism] of [['1.0.3', extism1], ['2.0.0-rc13', extism2]]) {
    it(`${name} puts "Plugin-originated error: " before the error the plugin set`, async () => {
      const plugin = await extism.createPlugin({ wasm: [{ data: wasm() }] }, { useWasi: false });
      try {
        await assert.rejects(plugin.call('authenticate', '{"credentials":{}}'), (thrown) => {
          const prefix = 'Plugin-originated error: ';
          assert.ok(thrown.message.startsWith(prefix), thrown.message);
          assert.equal(JSON.parse(thrown.message.slice(prefix.length)).class, 'config');
          return true;
        });
      } finally {
        await plugin.close();
      }
    });
  }

  it('2.0.0-rc13 refuses timeoutMs (a call timeout) outside a worker', async () => {
    await assert.rejects(
      extism2.createPlugin({ wasm: [{ data: wasm() }] }, { useWasi: false, timeoutMs: 1_000 }),
      (error) => error instanceof TypeError && /"timeout" requires "runInWorker: true"/.test(error.message),
    );
  });

  /** Returns what list_accounts gives when a host function answers every request with the bytes `stored`. */
  async function accountsWithBody(extism, stored) {
    const functions = {
      http_request: (cp) => cp.store(stored),
      http_status_code: () => 200,
      http_headers: (cp) => cp.store('{}'),
    };
    const plugin = await extism.createPlugin({ wasm: [{ data: wasm() }] }, { useWasi: false, functions: { 'extism:host/env': functions } });
    try {
      const output = await plugin.call('list_accounts', JSON.stringify({ credentials: { api_key: 'k', api_url: 'http://127.0.0.1:9' } }));
      return { output: JSON.parse(output.text()) };
    } catch (thrown) {
      return { error: pluginErrorOf(thrown.message) };
    } finally {
      await plugin.close();
    }
  }

  it("1.0.3's store of a Uint8Array view hands the plugin the view's whole buffer (so the adapter stores exact-size copies); 2.x's the view", async () => {
    const whole = new TextEncoder().encode('xx[]yy');
    assert.equal((await accountsWithBody(extism1, whole.subarray(2, 4))).error.class, 'vendor', 'the plugin read xx[]yy');
    assert.deepEqual((await accountsWithBody(extism1, whole.slice(2, 4))).output.accounts, []);
    assert.deepEqual((await accountsWithBody(extism2, whole.subarray(2, 4))).output.accounts, []);
  });
});
