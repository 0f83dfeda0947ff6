// The plugin's module in both SDKs: stock loading, and calls through the adapter that fail in
// the transport (1.1 plugin: failures as values; 1.0 plugin: a trap the adapter types).
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as stockSdk1 from 'extism-1';
import { loadPlugin, PluginCallError } from '../src/adapter.js';
import { loadManifest } from '../src/manifest.js';
import { pluginManifest, SDKS } from '../testing/env.js';
import { scratchDir } from '../testing/scratch.js';

/** Copies the plugin's module beside a manifest of `interfaceVersion`, in a folder of the test `t`; returns the manifest's path. */
function manifestOfInterface(t, interfaceVersion) {
  const source = loadManifest(pluginManifest());
  const dir = scratchDir(t, `interface-${interfaceVersion}-`);
  copyFileSync(source.wasmPath, path.join(dir, 'plugin.wasm'));
  const { wasmBytes, wasmPath, hostProfile, ...manifest } = source;
  manifest.interface_version = interfaceVersion;
  manifest.wasm = { path: 'plugin.wasm' };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return path.join(dir, 'manifest.json');
}

/** Returns the error of `exportName` called with `credentials`. */
async function errorOf(plugin, exportName, credentials) {
  try {
    await plugin.call(exportName, { credentials });
  } catch (error) {
    assert.ok(error instanceof PluginCallError, error.stack);
    return error.error;
  }
  assert.fail(`${exportName} succeeded`);
}

describe('the plugin module', () => {
  it('loads in STOCK @extism/extism 1.0.3 without any host functions', async () => {
    const wasm = readFileSync(loadManifest(pluginManifest()).wasmPath);
    const plugin = await stockSdk1.createPlugin({ wasm: [{ data: wasm }] }, { useWasi: false });
    try {
      const description = (await plugin.call('describe_credentials', '{"credentials":{}}')).json();
      assert.equal(description.vendor.id, 'saas-alerts');
    } finally {
      await plugin.close();
    }
  });

  for (const sdk of SDKS) {
    describe(`through the adapter, SDK ${sdk}`, () => {
      it("describes itself as its manifest says", async () => {
        const plugin = await loadPlugin(pluginManifest(), { sdk });
        try {
          const description = await plugin.call('describe_credentials', { credentials: {} });
          assert.equal(description.interface_version, plugin.manifest.interface_version);
          assert.equal(description.plugin_version, plugin.manifest.version);
        } finally {
          await plugin.close();
        }
      });

      for (const interfaceVersion of ['1.0', '1.1']) {
        it(`types transport failures of an interface ${interfaceVersion} plugin, and keeps working after them`, async (t) => {
          const plugin = await loadPlugin(manifestOfInterface(t, interfaceVersion), { sdk, allowHosts: ['127.0.0.1'] });
          try {
            const key = 'node-host-test-key';
            const refused = await errorOf(plugin, 'authenticate', { api_key: key, api_url: 'http://127.0.0.1:1' });
            const notAllowed = await errorOf(plugin, 'list_accounts', { api_key: key, api_url: 'http://localhost:1' });
            assert.equal(refused.class, 'transient');
            assert.equal(notAllowed.class, 'config');
            if (interfaceVersion === '1.0') {
              // The call trapped; the adapter typed it from what its HTTP recorded.
              assert.match(refused.message, /^authenticate: connect ECONNREFUSED/);
              assert.match(notAllowed.message, /^list_accounts: the request to localhost was refused/);
            } else {
              // The plugin read the failure as a value and typed the error itself.
              assert.match(refused.message, /SaaS Alerts could not be reached/);
            }
            const description = await plugin.call('describe_credentials', { credentials: {} });
            assert.equal(description.vendor.id, 'saas-alerts');
          } finally {
            await plugin.close();
          }
        });
      }
    });
  }
});
