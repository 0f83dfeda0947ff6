import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { MAX_RETRY_AFTER_S, retryAfterSeconds } from '../src/retry-after.js';

const VECTORS = JSON.parse(fs.readFileSync(new URL('../../../contract/vectors/retry-after.json', import.meta.url), 'utf8'));
const NOW_MS = VECTORS.now_unix_s * 1000;

describe('Retry-After, as the shared vectors say', () => {
  /** Asserts that this host reads a Retry-After as a case of the vectors says. */
  const checkCase = ({ value, seconds }) => assert.equal(retryAfterSeconds(value, NOW_MS) ?? null, seconds);

  for (const vector of VECTORS.cases) {
    it(`every host reads ${JSON.stringify(vector.value)} as ${vector.seconds}`, () => checkCase(vector));
  }

  it('fails the deliberately wrong case of the vectors', () => {
    assert.throws(() => checkCase(VECTORS.wrong_case), assert.AssertionError);
  });

  it('reads a wait past 2^53 as the largest integer JSON holds exactly', () => {
    assert.equal(retryAfterSeconds('18446744073709551615', NOW_MS), MAX_RETRY_AFTER_S);
    assert.equal(JSON.stringify({ s: MAX_RETRY_AFTER_S }), '{"s":9007199254740991}');
  });

  it('rounds a part of a second up, and gives nothing for no header', () => {
    assert.equal(retryAfterSeconds('Mon, 26 Oct 2026 00:01:30 GMT', NOW_MS + 500), 90);
    assert.equal(retryAfterSeconds(undefined, NOW_MS), undefined);
  });
});
