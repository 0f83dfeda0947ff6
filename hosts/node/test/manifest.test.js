import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadPlugin, ManifestError } from '../src/adapter.js';
import { loadManifest } from '../src/manifest.js';

/** Holds the smallest valid wasm module: the magic and version 1. */
const EMPTY_MODULE = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

/** Writes a manifest (the shipped one, changed by `changes`) and an empty module; returns its path. */
function writeManifest(changes = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'node-host-manifest-'));
  writeFileSync(path.join(dir, 'plugin.wasm'), EMPTY_MODULE);
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
