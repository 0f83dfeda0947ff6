import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { hostFunctions, newCallState, requestWorker, sendSync, TransportFailure } from '../src/http.js';
import { startServer } from '../testing/processes.js';

const SERVER = fileURLToPath(new URL('../testing/server.js', import.meta.url));
const decoder = new TextDecoder();

/** Returns a stand-in for the SDK's call context: plugin memory as a list of byte blocks. */
function fakeContext() {
  const blocks = [null];
  return {
    blocks,
    put: (text) => BigInt(blocks.push(new TextEncoder().encode(text)) - 1),
    read: (offset) => ({ text: () => decoder.decode(blocks[Number(offset)]), bytes: () => blocks[Number(offset)] }),
    store: (bytes) => BigInt(blocks.push(bytes) - 1),
  };
}

/** Gives the trickle tests' bound, and how much later than it their answer may come (a loaded two-core machine). */
const TRICKLE_BOUND_MS = 1_000;
const TRICKLE_MARGIN_MS = 2_000;

/** Asserts that `tookMs` is the trickle bound, give or take the margin. */
function assertWithinBound(tookMs, what) {
  assert.ok(tookMs >= TRICKLE_BOUND_MS * 0.9 && tookMs <= TRICKLE_BOUND_MS + TRICKLE_MARGIN_MS, `${what}: ${tookMs} ms`);
}

/** Asserts that `fn` throws a TransportFailure of `kind`. */
function assertFailure(fn, kind) {
  assert.throws(fn, (error) => error instanceof TransportFailure && error.kind === kind && error.message.length > 0);
}

describe('host profile 1.0 HTTP', () => {
  let server;
  let base;
  const worker = requestWorker();
  const policy = () => ({ allowedHosts: ['127.0.0.1'], maxResponseBytes: 1000, timeoutMs: 10_000, worker });
  const get = (path, changes = {}) => sendSync({ url: `${base}${path}`, headers: {} }, undefined, { ...policy(), ...changes });

  before(async () => {
    server = await startServer(process.execPath, [SERVER]);
    base = `http://127.0.0.1:${server.ready.port}`;
  });
  after(async () => {
    await worker.close();
    await server?.stop();
  });

  it('sends the method, headers and body, and reads headers lowercase, the last repeated one winning', () => {
    const echo = sendSync(
      { url: `${base}/echo`, method: 'post', headers: { api_key: 'secret-1', accept: 'application/json' } },
      new TextEncoder().encode('payload'),
      policy(),
    );
    const seen = JSON.parse(decoder.decode(echo.body));
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers.api_key, 'secret-1');
    assert.equal(seen.body, 'payload');
    const ok = get('/ok');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-rate'], '2');
    assert.equal(ok.headers['content-type'], 'application/json');
  });

  it('refuses a host outside allowed_hosts before connecting, and a URL it cannot read', () => {
    assertFailure(() => sendSync({ url: `http://localhost:${server.ready.port}/ok`, headers: {} }, undefined, policy()), 'host_not_allowed');
    assertFailure(() => sendSync({ url: 'not a url', headers: {} }, undefined, policy()), 'bad_request');
    assertFailure(() => sendSync({ url: 'file:///etc/passwd', headers: {} }, undefined, policy()), 'bad_request');
    assertFailure(() => sendSync({ url: `${base}/ok`, headers: { 'bad header': 'x' } }, undefined, policy()), 'bad_request');
  });

  it('hands a redirect to the plugin as it is, never following it', () => {
    const before = JSON.parse(decoder.decode(get('/hits').body)).ok;
    const redirect = get('/redirect');
    assert.equal(redirect.status, 302);
    assert.match(redirect.headers.location, /^http:\/\/localhost:\d+\/ok$/);
    assert.equal(decoder.decode(redirect.body), 'moved');
    assert.equal(JSON.parse(decoder.decode(get('/hits').body)).ok, before, 'the target got no request');
  });

  it('fails a body over max_http_response_bytes as too_large and accepts one at the limit', () => {
    assert.equal(get('/big?bytes=1000').body.length, 1000);
    assertFailure(() => get('/big?bytes=1001'), 'too_large');
  });

  it('bounds a request by the time it may take', () => {
    const started = Date.now();
    assertFailure(() => get('/slow', { timeoutMs: 300 }), 'timeout');
    assert.ok(Date.now() - started < 2_500, 'the slow answer (3 s) was not waited for');
    assertFailure(() => get('/ok', { timeoutMs: 0 }), 'timeout');
  });

  it('times out a vendor trickling one byte every 200 ms at the bound, in headers or body', () => {
    for (const where of ['headers', 'body']) {
      const started = Date.now();
      assertFailure(() => get(`/trickle?in=${where}`, { timeoutMs: TRICKLE_BOUND_MS }), 'timeout');
      assertWithinBound(Date.now() - started, where);
    }
  });

  it('fails a refused connection and a body cut short as connection', () => {
    assertFailure(() => sendSync({ url: 'http://127.0.0.1:1/x', headers: {} }, undefined, policy()), 'connection');
    assertFailure(() => get('/cut'), 'connection');
  });

  it('ignores proxy variables set when its worker starts', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { HTTP_PROXY: 'http://127.0.0.1:1', http_proxy: 'http://127.0.0.1:1', NODE_USE_ENV_PROXY: '1' });
    const fresh = requestWorker();
    try {
      assert.equal(get('/ok', { worker: fresh }).status, 200);
    } finally {
      await fresh.close();
      for (const name of ['HTTP_PROXY', 'http_proxy', 'NODE_USE_ENV_PROXY']) {
        if (name in saved) process.env[name] = saved[name];
        else delete process.env[name];
      }
    }
  });

  describe('host functions', () => {
    const functionPolicy = (failuresAsValues) => ({
      allowedHosts: ['127.0.0.1'],
      maxResponseBytes: 1000,
      requestTimeoutMs: 5_000,
      callTimeoutMs: 60_000,
      failuresAsValues,
      worker,
    });

    it('answers with the body and keeps status, headers and the last 429 Retry-After for the call', () => {
      const call = newCallState();
      const fns = hostFunctions(functionPolicy(true), () => call);
      const cp = fakeContext();
      const limited = fns.http_request(cp, cp.put(JSON.stringify({ url: `${base}/429?after=9`, headers: {} })), 0n);
      assert.equal(decoder.decode(cp.blocks[Number(limited)]), '{}');
      assert.equal(fns.http_status_code(cp), 429);
      const ok = fns.http_request(cp, cp.put(JSON.stringify({ url: `${base}/ok`, headers: {} })), 0n);
      assert.equal(decoder.decode(cp.blocks[Number(ok)]), '{"ok":true}');
      assert.equal(fns.http_status_code(cp), 200);
      assert.equal(JSON.parse(decoder.decode(cp.blocks[Number(fns.http_headers(cp))]))['x-rate'], '2');
      assert.equal(call.retryAfter, '9', 'a later 200 keeps the last 429 wait');
    });

    it('hands a failure to a 1.1 plugin as status 0 and a {kind, message} body', () => {
      const call = newCallState();
      const fns = hostFunctions(functionPolicy(true), () => call);
      const cp = fakeContext();
      const answer = fns.http_request(cp, cp.put(JSON.stringify({ url: 'http://127.0.0.1:1/x', headers: {} })), 0n);
      assert.equal(fns.http_status_code(cp), 0);
      const body = JSON.parse(decoder.decode(cp.blocks[Number(answer)]));
      assert.deepEqual(Object.keys(body), ['kind', 'message']);
      assert.equal(body.kind, 'connection');
      assert.equal(call.failure, undefined);
    });

    it("traps a 1.0 plugin's call and remembers the failure", () => {
      const call = newCallState();
      const fns = hostFunctions(functionPolicy(false), () => call);
      const cp = fakeContext();
      const request = cp.put(JSON.stringify({ url: 'https://elsewhere.example/x', headers: {} }));
      assert.throws(() => fns.http_request(cp, request, 0n), TransportFailure);
      assert.equal(call.failure.kind, 'host_not_allowed');
      assert.equal(fns.http_status_code(cp), 0);
    });

    it("times out a trickling vendor at request_timeout_ms or at what is left of the call's timeout_ms", () => {
      for (const bound of [{ requestTimeoutMs: TRICKLE_BOUND_MS }, { callTimeoutMs: TRICKLE_BOUND_MS }]) {
        const call = newCallState();
        const fns = hostFunctions({ ...functionPolicy(true), ...bound }, () => call);
        const cp = fakeContext();
        const started = Date.now();
        const answer = fns.http_request(cp, cp.put(JSON.stringify({ url: `${base}/trickle?in=body`, headers: {} })), 0n);
        assert.equal(JSON.parse(decoder.decode(cp.blocks[Number(answer)])).kind, 'timeout');
        assertWithinBound(Date.now() - started, JSON.stringify(bound));
      }
    });

    it("gives no time to a request once the call's timeout_ms is spent", () => {
      const call = newCallState(Date.now() - 61_000);
      const fns = hostFunctions(functionPolicy(true), () => call);
      const cp = fakeContext();
      const answer = fns.http_request(cp, cp.put(JSON.stringify({ url: `${base}/ok`, headers: {} })), 0n);
      assert.equal(JSON.parse(decoder.decode(cp.blocks[Number(answer)])).kind, 'timeout');
    });
  });
});
