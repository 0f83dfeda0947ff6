// The worker that makes a plugin instance's requests (http.js, sync-worker.js): one for many
// requests, replaced when it hangs or crashes, without proxy variables, never keeping the
// process alive, stopped by close().
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { requestWorker, sendSync, TransportFailure } from '../src/http.js';
import { startServer } from '../testing/processes.js';
import { scratchDir } from '../testing/scratch.js';

const STAND_IN = new URL('../testing/stand-in-worker.js', import.meta.url);
const SERVER = fileURLToPath(new URL('../testing/server.js', import.meta.url));
const HTTP = fileURLToPath(new URL('../src/http.js', import.meta.url));
const PROXY_VARIABLES = ['HTTP_PROXY', 'https_proxy', 'ALL_PROXY', 'NO_PROXY', 'NODE_USE_ENV_PROXY', 'http_proxy'];
const decoder = new TextDecoder();

/** Sends a GET of `path` through `worker` with `timeoutMs`; returns the body read as JSON. */
function get(worker, path, timeoutMs = 5_000) {
  const response = sendSync({ url: `http://127.0.0.1:9${path}`, headers: {} }, undefined, { allowedHosts: ['127.0.0.1'], maxResponseBytes: 1000, timeoutMs, worker });
  return JSON.parse(decoder.decode(response.body));
}

/** Asserts that `fn` throws a TransportFailure of `kind`. */
function assertFailure(fn, kind) {
  assert.throws(fn, (error) => error instanceof TransportFailure && error.kind === kind && error.message.length > 0);
}

describe('the request worker', () => {
  it('makes every request in one worker thread, not one per request', async () => {
    const worker = requestWorker(STAND_IN);
    try {
      const first = get(worker, '/whoami');
      assert.ok(first > 0);
      for (let i = 0; i < 20; i += 1) assert.equal(get(worker, '/whoami'), first);
    } finally {
      await worker.close();
    }
  });

  it('answers timeout when the worker does not answer within the deadline and its grace, and the next request gets a fresh worker', async () => {
    const worker = requestWorker(STAND_IN);
    try {
      const first = get(worker, '/whoami');
      const started = Date.now();
      assertFailure(() => get(worker, '/hang', 300), 'timeout');
      const tookMs = Date.now() - started;
      assert.ok(tookMs >= 300 && tookMs < 6_000, `${tookMs} ms`);
      const second = get(worker, '/whoami');
      assert.notEqual(second, first);
      assert.equal(get(worker, '/whoami'), second);
    } finally {
      await worker.close();
    }
  });

  it('answers connection at once when the worker crashes, and the next request gets a fresh worker', async () => {
    const worker = requestWorker(STAND_IN);
    try {
      const first = get(worker, '/whoami');
      const started = Date.now();
      assertFailure(() => get(worker, '/crash', 30_000), 'connection');
      assert.ok(Date.now() - started < 5_000, 'the crash was seen before the deadline');
      assert.notEqual(get(worker, '/whoami'), first);
    } finally {
      await worker.close();
    }
  });

  it('gives the worker an environment without proxy variables', async () => {
    const saved = { ...process.env };
    for (const name of PROXY_VARIABLES) process.env[name] = 'http://127.0.0.1:1';
    process.env.NODE_HOST_TEST_KEPT = 'kept';
    const worker = requestWorker(STAND_IN);
    try {
      const names = get(worker, '/env');
      assert.ok(names.includes('NODE_HOST_TEST_KEPT'), 'the rest of the environment is kept');
      const proxies = new Set(PROXY_VARIABLES.map((name) => name.toLowerCase()));
      assert.deepEqual(names.filter((name) => proxies.has(name.toLowerCase())), []);
    } finally {
      await worker.close();
      for (const name of [...PROXY_VARIABLES, 'NODE_HOST_TEST_KEPT']) {
        if (name in saved) process.env[name] = saved[name];
        else delete process.env[name];
      }
    }
  });

  it('stops the worker on close()', async (t) => {
    const worker = requestWorker(STAND_IN);
    const file = path.join(scratchDir(t, 'tick-'), 'tick');
    get(worker, `/tick?file=${encodeURIComponent(file)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ticking = readFileSync(file, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.notEqual(readFileSync(file, 'utf8'), ticking, 'the worker ticks until closed');
    await worker.close();
    const stopped = readFileSync(file, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(readFileSync(file, 'utf8'), stopped);
  });

  describe('with the real fetch worker', () => {
    let server;
    before(async () => {
      server = await startServer(process.execPath, [SERVER]);
    });
    after(() => server?.stop());

    it('does not keep the process alive when nobody closes it', async () => {
      const script = `
        import { requestWorker, sendSync } from ${JSON.stringify(HTTP)};
        const worker = requestWorker();
        const policy = { allowedHosts: ['127.0.0.1'], maxResponseBytes: 1000, timeoutMs: 5000, worker };
        console.log(sendSync({ url: 'http://127.0.0.1:${server.ready.port}/ok', headers: {} }, undefined, policy).status);`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
      assert.equal(stdout.trim(), '200');
    });
  });
});
