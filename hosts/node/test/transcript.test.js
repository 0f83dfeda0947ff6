import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparableError, replaceInStrings, withoutFailureMessages } from '../src/transcript.js';

describe('transcript reductions', () => {
  it("keeps an error's class, status and wait, not its words", () => {
    assert.deepEqual(comparableError({ class: 'rate_limited', message: 'slow down', http_status: 429, retry_after_s: 17 }), {
      class: 'rate_limited',
      http_status: 429,
      retry_after_s: 17,
    });
    assert.deepEqual(comparableError({ class: 'transient', message: 'connection refused' }), { class: 'transient' });
  });

  it("removes the messages of failed accounts' errors and keeps everything else", () => {
    const usage = {
      as_of: '2026-11-01T00:00:00Z',
      records: [],
      failed_accounts: [
        {
          account_id: 'a',
          service_ids: ['s', 't'],
          error: { class: 'transient', message: 'refused' },
          failures: [{ service_ids: ['s'], error: { class: 'transient', message: 'x' } }],
        },
      ],
    };
    assert.deepEqual(withoutFailureMessages(usage).failed_accounts, [
      { account_id: 'a', service_ids: ['s', 't'], error: { class: 'transient' }, failures: [{ service_ids: ['s'], error: { class: 'transient' } }] },
    ]);
    assert.deepEqual(withoutFailureMessages({ records: [] }), { records: [] }, 'no failed_accounts member is added');
  });

  it("replaces the server's address in string values, never in keys", () => {
    const value = { ok: { detail: 'SaaS Alerts at 127.0.0.1:39179 accepted the key', n: [1, '127.0.0.1:39179'], '127.0.0.1:39179': 2 } };
    assert.deepEqual(replaceInStrings(value, '127.0.0.1:39179', '{server}'), {
      ok: { detail: 'SaaS Alerts at {server} accepted the key', n: [1, '{server}'], '127.0.0.1:39179': 2 },
    });
  });
});
