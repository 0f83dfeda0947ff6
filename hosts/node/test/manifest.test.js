import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadPlugin, ManifestError } from '../src/adapter.js';
import { loadManifest } from '../src/manifest.js';
import { PACKAGE_DIR, SDKS } from '../testing/env.js';

/** Holds the smallest valid wasm module: the magic and version 1. */
const EMPTY_MODULE = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

/** Writes a manifest (the shipped one, changed by `changes`) and an empty module; returns its path. */
function writeManifest(changes = {}, module = EMPTY_MODULE) {
  const dir = mkdtempSync(path.join(tmpdir(), 'node-host-manifest-'));
  writeFileSync(path.join(dir, 'plugin.wasm'), module);
  const manifest = {
    id: 'saas-alerts',
    name: 'SaaS Alerts',
    version: '0.1.0',
    interface_version: '1.1',
    host_profile: '1.0',
    wasm: { path: 'plugin.wasm', sha256: createHash('sha256').update(EMPTY_MODULE).digest('hex') },
    allowed_hosts: ['us-central1-the-byway-248217.cloudfunctions.net'],
    limits: { timeout_ms: 300000, memory_max_pages: 11264, max_http_response_bytes: 52428800 },
    ...changes,
  };
  const file = path.join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify(manifest));
  return file;
}

describe('manifest', () => {
  it('loads the module beside the manifest and fills the defaults', () => {
    const manifest = loadManifest(writeManifest({ host_profile: undefined }));
    assert.deepEqual(manifest.wasmBytes, EMPTY_MODULE);
    assert.equal(manifest.hostProfile, '1.0');
    assert.equal(manifest.limits.request_timeout_ms, 60000);
  });

  it('refuses a module whose sha256 differs from the pinned one', async () => {
    const file = writeManifest({ wasm: { path: 'plugin.wasm', sha256: '00'.repeat(32) } });
    assert.throws(() => loadManifest(file), (error) => error instanceof ManifestError && /SHA-256 .* pins 0{64}: refusing/.test(error.message));
    await assert.rejects(loadPlugin(file, { sdk: '1' }), ManifestError);
  });

  it('refuses a host_profile of another major version, naming it', () => {
    assert.throws(() => loadManifest(writeManifest({ host_profile: '2.0' })), /host_profile "2\.0" is not implemented by this host \(it implements 1\.0\)/);
    assert.equal(loadManifest(writeManifest({ host_profile: '1.4' })).hostProfile, '1.4');
  });

  it('refuses an interface_version of another major version', () => {
    assert.throws(() => loadManifest(writeManifest({ interface_version: '2.0' })), /interface_version "2\.0" is not spoken/);
    assert.equal(loadManifest(writeManifest({ interface_version: '1.0' })).interface_version, '1.0');
  });

  it('refuses a module path outside the manifest folder and limits that are not positive integers', () => {
    assert.throws(() => loadManifest(writeManifest({ wasm: { path: '../plugin.wasm' } })), /must be relative and stay inside/);
    assert.throws(() => loadManifest(writeManifest({ wasm: { path: '/etc/passwd' } })), /must be relative and stay inside/);
    assert.throws(
      () => loadManifest(writeManifest({ limits: { timeout_ms: 0, memory_max_pages: 1, max_http_response_bytes: 1 } })),
      /limits\.timeout_ms must be a positive integer/,
    );
  });
});

/** Returns a module with one `() -> ()` function import per `[module, name]`. */
function moduleImporting(imports) {
  const section = [imports.length];
  for (const pair of imports) {
    for (const text of pair) section.push(text.length, ...Buffer.from(text));
    section.push(0, 0);
  }
  return Buffer.concat([EMPTY_MODULE, Buffer.from([1, 4, 1, 0x60, 0, 0, 2, section.length, ...section])]);
}

/** Locates the fake vendor of tests/fake-vendor built for wasm32-wasip1 (by the Rust e2e tests). */
const WASIP1_FAKE_VENDOR = path.join(
  process.env.CARGO_TARGET_DIR ?? path.resolve(PACKAGE_DIR, '../../target'),
  'wasm32-wasip1/plugin/fake_vendor_plugin.wasm',
);

/** Writes the wasip1 fake vendor beside a copy of its manifest changed by `changes`; returns its path. */
function wasip1FakeVendor(changes) {
  if (!existsSync(WASIP1_FAKE_VENDOR)) {
    throw new Error(`${WASIP1_FAKE_VENDOR} is not built: cargo build -p fake-vendor-plugin --target wasm32-wasip1 --profile plugin (./dev hosts does)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'node-host-wasip1-'));
  copyFileSync(WASIP1_FAKE_VENDOR, path.join(dir, 'plugin.wasm'));
  const manifest = JSON.parse(readFileSync(path.resolve(PACKAGE_DIR, '../../tests/fake-vendor/manifest.json'), 'utf8'));
  const file = path.join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify({ ...manifest, wasm: { path: 'plugin.wasm' }, ...changes }));
  return file;
}


describe('WASI (host profile L5)', () => {
  it('is off when absent, on with "wasi": true, and refused when not a boolean', () => {
    assert.equal(loadManifest(writeManifest()).wasi, false);
    assert.equal(loadManifest(writeManifest({ wasi: true })).wasi, true);
    assert.throws(() => loadManifest(writeManifest({ wasi: 'yes' })), /wasi must be true or false/);
  });

  it("passes the manifest's wasi option to the SDK as useWasi", async () => {
    for (const wasi of [undefined, false, true]) {
      const seen = [];
      const sdk = {
        async createPlugin(_manifest, options) {
          seen.push(options.useWasi);
          return { async close() {} };
        },
      };
      const plugin = await loadPlugin(writeManifest({ wasi }), { sdk });
      await plugin.close();
      assert.deepEqual(seen, [wasi === true], `wasi: ${wasi}`);
    }
  });

  it('refuses a module importing WASI without the option, naming the import and the option', async () => {
    const module = moduleImporting([['extism:host/env', 'output_set'], ['wasi_snapshot_preview1', 'fd_write'], ['wasi_snapshot_preview1', 'proc_exit']]);
    const sdk = { createPlugin: () => assert.fail('the SDK is not reached') };
    for (const wasi of [undefined, false]) {
      await assert.rejects(
        loadPlugin(writeManifest({ wasm: { path: 'plugin.wasm' }, wasi }, module), { sdk }),
        (error) =>
          error instanceof ManifestError &&
          /imports wasi_snapshot_preview1::fd_write, a WASI function, .* set "wasi": true in manifest\.json/.test(error.message),
      );
    }
  });

  for (const sdk of SDKS) {
    it(`runs the wasm32-wasip1 fake vendor with the option and refuses it without, SDK ${sdk}`, async () => {
      const plugin = await loadPlugin(wasip1FakeVendor({ wasi: true }), { sdk });
      try {
        assert.equal((await plugin.call('describe_credentials', { credentials: {} })).vendor.id, 'fake-vendor');
        const accounts = await plugin.call('list_accounts', { credentials: { token: 't' } });
        assert.deepEqual(accounts.accounts.map((account) => account.id), ['f1', 'f2']);
      } finally {
        await plugin.close();
      }
      await assert.rejects(loadPlugin(wasip1FakeVendor({}), { sdk }), /imports wasi_snapshot_preview1::\w+, a WASI function/);
    });
  }
});
