import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadPlugin, ManifestError } from '../src/adapter.js';
import { HOST_PROFILE, INTERFACE_VERSION, isServed, loadManifest, MAX_WASM_BYTES, readLimits } from '../src/manifest.js';
import { PACKAGE_DIR, SDKS } from '../testing/env.js';
import { scratchDir } from '../testing/scratch.js';

/** Holds the smallest valid wasm module: the magic and version 1. */
const EMPTY_MODULE = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

/** Reads a shared test vector file of `contract/vectors/`. */
function vectors(name) {
  return JSON.parse(readFileSync(path.resolve(PACKAGE_DIR, '../../contract/vectors', name), 'utf8'));
}

/**
 * Writes, in a folder of the test `t` (or `dir`), a manifest (the shipped one, changed by
 * `changes`) and an empty module; returns its path.
 */
function writeManifest(t, changes = {}, module = EMPTY_MODULE, dir = scratchDir(t, 'manifest-')) {
  if (module !== undefined) writeFileSync(path.join(dir, 'plugin.wasm'), module);
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
  it('loads the module beside the manifest and fills the defaults', (t) => {
    const manifest = loadManifest(writeManifest(t, { host_profile: undefined }));
    assert.deepEqual(manifest.wasmBytes, EMPTY_MODULE);
    assert.equal(manifest.hostProfile, '1.0');
    assert.equal(manifest.limits.request_timeout_ms, 60000);
  });

  it('refuses a module whose sha256 differs from the pinned one', async (t) => {
    const file = writeManifest(t, { wasm: { path: 'plugin.wasm', sha256: '00'.repeat(32) } });
    assert.throws(() => loadManifest(file), (error) => error instanceof ManifestError && /SHA-256 .* pins 0{64}: refusing/.test(error.message));
    await assert.rejects(loadPlugin(file, { sdk: '1' }), ManifestError);
  });

  it('follows the version rule of the shared vectors (contract/vectors/host-profile-version.json)', () => {
    const checkCase = ({ input, expect }) => assert.equal(isServed(input.found, input.ours), expect, JSON.stringify(input));
    const { cases, wrong_case: wrongCase } = vectors('host-profile-version.json');
    for (const vector of cases) checkCase(vector);
    assert.throws(() => checkCase(wrongCase), assert.AssertionError);
  });

  it('reads limits as the shared vectors say: ranges, types and the request timeout (contract/vectors/manifest-limits.json)', () => {
    const checkCase = ({ limits, expect }) => {
      let read;
      try {
        read = readLimits(limits, (message) => {
          throw new ManifestError('manifest.json', message);
        });
      } catch (error) {
        assert.ok(error instanceof ManifestError, error.stack);
        assert.ok(error.message.includes(`limits.${expect.refused} `), `${JSON.stringify(limits)}: ${error.message}`);
        return;
      }
      assert.equal(read.request_timeout_ms, expect.request_timeout_ms, JSON.stringify(limits));
    };
    const { cases, wrong_case: wrongCase } = vectors('manifest-limits.json');
    for (const vector of cases) checkCase(vector);
    assert.throws(() => checkCase(wrongCase), assert.AssertionError);
  });

  it('refuses a host_profile of a newer minor or another major, as the Rust harness words it', (t) => {
    for (const profile of ['1.9', '1.1', '2.0', '0.9', '1', 'x']) {
      assert.throws(
        () => loadManifest(writeManifest(t, { host_profile: profile })),
        new RegExp(`: the plugin needs host profile ${profile.replace('.', '\\.')}, but this host meets ${HOST_PROFILE.replace('.', '\\.')} \\(same major, minor not newer\\)$`),
        profile,
      );
    }
    assert.throws(() => loadManifest(writeManifest(t, { host_profile: 1 })), /needs host profile 1, but this host meets/);
    assert.equal(loadManifest(writeManifest(t, { host_profile: '1.0' })).hostProfile, '1.0');
    assert.equal(loadManifest(writeManifest(t, { host_profile: null })).hostProfile, '1.0');
  });

  it('refuses an interface_version of a newer minor or another major', (t) => {
    for (const version of ['1.2', '2.0', '0.9']) {
      assert.throws(
        () => loadManifest(writeManifest(t, { interface_version: version })),
        new RegExp(`the plugin implements interface ${version.replace('.', '\\.')}, but this host speaks ${INTERFACE_VERSION.replace('.', '\\.')} \\(same major, minor not newer\\)`),
      );
    }
    assert.equal(loadManifest(writeManifest(t, { interface_version: '1.0' })).interface_version, '1.0');
  });

  it('reads a sha256 pin as the shared vectors say: either case, null unchecked, anything else refused', (t) => {
    const { module_hex: moduleHex, cases, wrong_case: wrongCase } = vectors('sha256-pin.json');
    const checkCase = ({ input, expect }) => {
      const file = writeManifest(t, { wasm: input }, Buffer.from(moduleHex, 'hex'));
      let outcome = 'loaded';
      try {
        loadManifest(file);
      } catch (error) {
        assert.ok(error instanceof ManifestError, error.stack);
        outcome = 'refused';
      }
      assert.equal(outcome, expect, JSON.stringify(input));
    };
    for (const vector of cases) checkCase(vector);
    assert.throws(() => checkCase(wrongCase), assert.AssertionError);
  });

  it('refuses a module path outside the manifest folder and limits that are not positive integers', (t) => {
    for (const wasmPath of ['../plugin.wasm', '/etc/passwd', 'sub/../plugin.wasm', 'sub\\..\\plugin.wasm']) {
      assert.throws(() => loadManifest(writeManifest(t, { wasm: { path: wasmPath } })), /must be relative to the manifest's folder and stay inside it/, wasmPath);
    }
    assert.throws(
      () => loadManifest(writeManifest(t, { limits: { timeout_ms: 0, memory_max_pages: 1, max_http_response_bytes: 1 } })),
      /limits\.timeout_ms must be an integer from 1 to 86400000, not 0/,
    );
  });
});

describe('the module file (the Rust harness rules)', () => {
  /** Asserts that loading `file` is refused with `pattern`, in well under the time reading much would take. */
  function refusedQuickly(file, pattern) {
    const started = performance.now();
    assert.throws(() => loadManifest(file), (error) => error instanceof ManifestError && pattern.test(error.message), pattern.source);
    assert.ok(performance.now() - started < 2_000, `took ${performance.now() - started} ms`);
  }

  it('refuses a symlink out of the folder, to a module or to /dev/zero, naming the path', (t) => {
    const root = scratchDir(t, 'symlink-out-');
    writeFileSync(path.join(root, 'outside.wasm'), EMPTY_MODULE);
    const bundle = path.join(root, 'bundle');
    mkdirSync(bundle);
    symlinkSync(path.join(root, 'outside.wasm'), path.join(bundle, 'file.wasm'));
    symlinkSync(root, path.join(bundle, 'lib'));
    symlinkSync('/dev/zero', path.join(bundle, 'zero.wasm'));
    for (const wasmPath of ['file.wasm', 'lib/outside.wasm', 'zero.wasm']) {
      const file = writeManifest(t, { wasm: { path: wasmPath } }, undefined, bundle);
      refusedQuickly(file, new RegExp(`the plugin module \\S*/bundle/${wasmPath.replace('.', '\\.')} resolves to \\S+, outside the manifest's folder`));
    }
  });

  it('follows symlinks that stay inside the folder, the folder itself reached by a symlink too', (t) => {
    const root = scratchDir(t, 'symlink-in-');
    mkdirSync(path.join(root, 'real/build'), { recursive: true });
    writeFileSync(path.join(root, 'real/build/plugin.wasm'), EMPTY_MODULE);
    symlinkSync('build/plugin.wasm', path.join(root, 'real/link.wasm'));
    symlinkSync(path.join(root, 'real'), path.join(root, 'linked'));
    for (const folder of ['real', 'linked']) {
      const file = writeManifest(t, { wasm: { path: 'link.wasm' } }, undefined, path.join(root, folder));
      assert.deepEqual(loadManifest(file).wasmBytes, EMPTY_MODULE, folder);
    }
  });

  it('refuses a directory and a FIFO as not regular files, without waiting on the FIFO', (t) => {
    const dir = scratchDir(t, 'special-');
    mkdirSync(path.join(dir, 'folder.wasm'));
    execFileSync('mkfifo', [path.join(dir, 'fifo.wasm')]);
    for (const wasmPath of ['folder.wasm', 'fifo.wasm', '.']) {
      refusedQuickly(writeManifest(t, { wasm: { path: wasmPath } }, undefined, dir), /is not a regular file: refusing to read it/);
    }
  });

  it('refuses a module over 64 MiB without reading it, and reads one of exactly 64 MiB', (t) => {
    const dir = scratchDir(t, 'large-');
    const file = writeManifest(t, { wasm: { path: 'plugin.wasm' } }, EMPTY_MODULE, dir);
    // Sparse: nothing is written, and nothing must be read.
    truncateSync(path.join(dir, 'plugin.wasm'), MAX_WASM_BYTES + 1);
    refusedQuickly(file, new RegExp(`is larger than ${MAX_WASM_BYTES} bytes, the most a module may have`));
    truncateSync(path.join(dir, 'plugin.wasm'), MAX_WASM_BYTES);
    assert.equal(loadManifest(file).wasmBytes.length, MAX_WASM_BYTES);
  });

  it('refuses a file that is not a version 1 wasm module without echoing its bytes', (t) => {
    const secret = 'root:x:0:0:SECRET-PASSWORD-LINE:/root:/bin/bash\n';
    for (const [bytes, pattern] of [
      [Buffer.from(secret), /is not a WebAssembly module \(its first bytes are not \\0asm\)$/],
      [Buffer.alloc(0), /is not a WebAssembly module/],
      [Buffer.from('\0as'), /is not a WebAssembly module/],
      [Buffer.from('\0asm\x0d\0\x01\0', 'latin1'), /is a WebAssembly binary but not a version 1 core module/],
    ]) {
      const file = writeManifest(t, { wasm: { path: 'plugin.wasm' } }, bytes);
      assert.throws(() => loadManifest(file), (error) => {
        assert.match(error.message, pattern);
        for (const leaked of ['SECRET', 'bash']) assert.ok(!error.message.includes(leaked), error.message);
        return true;
      });
    }
  });

  it('names a missing module by its absolute path', (t) => {
    const file = writeManifest(t, { wasm: { path: 'target/plugin.wasm' } });
    assert.throws(() => loadManifest(file), /the plugin module \/\S+\/target\/plugin\.wasm does not exist: build the plugin first/);
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
function wasip1FakeVendor(t, changes) {
  if (!existsSync(WASIP1_FAKE_VENDOR)) {
    throw new Error(`${WASIP1_FAKE_VENDOR} is not built: cargo build -p fake-vendor-plugin --target wasm32-wasip1 --profile plugin (./dev hosts does)`);
  }
  const dir = scratchDir(t, 'wasip1-');
  copyFileSync(WASIP1_FAKE_VENDOR, path.join(dir, 'plugin.wasm'));
  const manifest = JSON.parse(readFileSync(path.resolve(PACKAGE_DIR, '../../tests/fake-vendor/manifest.json'), 'utf8'));
  const file = path.join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify({ ...manifest, wasm: { path: 'plugin.wasm' }, ...changes }));
  return file;
}


describe('WASI (host profile L5)', () => {
  it('is off when absent, on with "wasi": true, and refused when not a boolean', (t) => {
    assert.equal(loadManifest(writeManifest(t)).wasi, false);
    assert.equal(loadManifest(writeManifest(t, { wasi: true })).wasi, true);
    assert.throws(() => loadManifest(writeManifest(t, { wasi: 'yes' })), /wasi must be true or false/);
  });

  it("passes the manifest's wasi option to the SDK as useWasi", async (t) => {
    for (const wasi of [undefined, false, true]) {
      const seen = [];
      const sdk = {
        async createPlugin(_manifest, options) {
          seen.push(options.useWasi);
          return { async close() {} };
        },
      };
      const plugin = await loadPlugin(writeManifest(t, { wasi }), { sdk });
      await plugin.close();
      assert.deepEqual(seen, [wasi === true], `wasi: ${wasi}`);
    }
  });

  it('refuses a module importing WASI without the option, naming the import and the option', async (t) => {
    const module = moduleImporting([['extism:host/env', 'output_set'], ['wasi_snapshot_preview1', 'fd_write'], ['wasi_snapshot_preview1', 'proc_exit']]);
    const sdk = { createPlugin: () => assert.fail('the SDK is not reached') };
    for (const wasi of [undefined, false]) {
      await assert.rejects(
        loadPlugin(writeManifest(t, { wasm: { path: 'plugin.wasm' }, wasi }, module), { sdk }),
        (error) =>
          error instanceof ManifestError &&
          /imports wasi_snapshot_preview1::fd_write, a WASI function, .* set "wasi": true in manifest\.json/.test(error.message),
      );
    }
  });

  for (const sdk of SDKS) {
    it(`runs the wasm32-wasip1 fake vendor with the option and refuses it without, SDK ${sdk}`, async (t) => {
      const plugin = await loadPlugin(wasip1FakeVendor(t, { wasi: true }), { sdk });
      try {
        assert.equal((await plugin.call('describe_credentials', { credentials: {} })).vendor.id, 'fake-vendor');
        const accounts = await plugin.call('list_accounts', { credentials: { token: 't' } });
        assert.deepEqual(accounts.accounts.map((account) => account.id), ['f1', 'f2']);
      } finally {
        await plugin.close();
      }
      await assert.rejects(loadPlugin(wasip1FakeVendor(t, {}), { sdk }), /imports wasi_snapshot_preview1::\w+, a WASI function/);
    });
  }
});
