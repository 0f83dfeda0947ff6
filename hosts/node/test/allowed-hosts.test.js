import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { hostMatches } from '../src/allowed-hosts.js';
import { requestWorker, sendSync, TransportFailure } from '../src/http.js';

const VECTORS = JSON.parse(fs.readFileSync(new URL('../../../contract/vectors/allowed-hosts.json', import.meta.url), 'utf8'));

describe('allowed_hosts, as the shared vectors say', () => {
  const worker = requestWorker();
  after(() => worker.close());

  /** Asserts that this host matches a URL's host as a case of the vectors says. */
  const checkCase = ({ pattern, url, allowed }) => assert.equal(hostMatches(pattern, new URL(url).hostname), allowed);

  for (const vector of VECTORS.cases) {
    const { pattern, url, allowed } = vector;
    it(`every host ${allowed ? 'lets' : 'keeps'} ${url} ${allowed ? 'through' : 'out'} with ${JSON.stringify(pattern)}`, () => checkCase(vector));
  }

  it('fails the deliberately wrong case of the vectors', () => {
    assert.throws(() => checkCase(VECTORS.wrong_case), assert.AssertionError);
  });

  it('takes no ? or [ ] for a wildcard', () => {
    assert.ok(!hostMatches('exampl?.com', 'example.com'));
    assert.ok(!hostMatches('[ab]pi.example.com', 'api.example.com'));
  });

  it('checks a legacy IPv4 URL as the address it reaches', () => {
    // Port 1 refuses: the request was let through, to 127.0.0.1.
    const policy = { allowedHosts: ['127.0.0.1'], maxResponseBytes: 64, timeoutMs: 5_000, worker };
    assert.throws(
      () => sendSync({ url: 'http://2130706433:1/x', headers: {} }, undefined, policy),
      (error) => error instanceof TransportFailure && error.kind === 'connection',
    );
  });
});
