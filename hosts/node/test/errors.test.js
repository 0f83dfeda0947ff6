import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorOfFailure, fillRetryAfter, pluginErrorOf } from '../src/errors.js';
import { TransportFailure } from '../src/http.js';

const NOW = Date.UTC(2026, 9, 26); // 2026-10-26T00:00:00Z

describe('error text normalization', () => {
  it("strips the Node SDKs' prefix and reads the contract's error", () => {
    const text = 'Plugin-originated error: {"class":"auth","message":"bad key","http_status":401}';
    assert.deepEqual(pluginErrorOf(text), { class: 'auth', message: 'bad key', http_status: 401 });
    assert.deepEqual(pluginErrorOf('{"class":"rate_limited","message":"slow","retry_after_s":3}'), {
      class: 'rate_limited',
      message: 'slow',
      retry_after_s: 3,
    });
  });

  it('takes anything else for a trap', () => {
    for (const text of ['unreachable', 'Plugin-originated error: oops', '{"class":"nope","message":"x"}', '{"class":"auth"}', '[1]', 'null']) {
      assert.equal(pluginErrorOf(text), null, text);
    }
  });
});

describe('trap typing', () => {
  const limits = { elapsedMs: 5, timeoutMs: 1000 };

  it("types a 1.0 plugin's trap from the transport failure the HTTP recorded", () => {
    const expected = { host_not_allowed: 'config', bad_request: 'internal', timeout: 'transient', too_large: 'vendor', connection: 'transient' };
    for (const [kind, klass] of Object.entries(expected)) {
      const failure = new TransportFailure(kind, `what happened (${kind})`);
      const { error, trapped } = errorOfFailure('authenticate', failure, { ...limits, failure });
      assert.equal(trapped, true);
      assert.equal(error.class, klass, kind);
      assert.equal(error.message, `authenticate: what happened (${kind}).`);
    }
  });

  it('types a trap past timeout_ms as transient, and any other trap as internal with a message', () => {
    const trap = new WebAssembly.RuntimeError('unreachable');
    assert.equal(errorOfFailure('fetch_usage', trap, { elapsedMs: 1000, timeoutMs: 1000 }).error.class, 'transient');
    const { error } = errorOfFailure('fetch_usage', trap, limits);
    assert.equal(error.class, 'internal');
    assert.match(error.message, /fetch_usage stopped inside the plugin .*unreachable/);
  });

  it("prefers the plugin's own error, which is not a trap", () => {
    const thrown = new Error('Plugin-originated error: {"class":"vendor","message":"cut JSON"}');
    const failure = new TransportFailure('connection', 'reset');
    assert.deepEqual(errorOfFailure('list_accounts', thrown, { ...limits, failure }), {
      error: { class: 'vendor', message: 'cut JSON' },
      trapped: false,
    });
  });
});

describe('Retry-After', () => {
  it('fills only a rate_limited error without a wait', () => {
    const limited = { class: 'rate_limited', message: 'slow down' };
    assert.deepEqual(fillRetryAfter(limited, '17', NOW), { ...limited, retry_after_s: 17 });
    assert.deepEqual(fillRetryAfter({ ...limited, retry_after_s: 5 }, '17', NOW).retry_after_s, 5);
    assert.deepEqual(fillRetryAfter(limited, 'soon', NOW), limited);
    assert.deepEqual(fillRetryAfter(limited, undefined, NOW), limited);
    assert.deepEqual(fillRetryAfter({ class: 'transient', message: 'down' }, '17', NOW), { class: 'transient', message: 'down' });
  });
});
