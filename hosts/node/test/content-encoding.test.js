import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { requestWorker, sendSync, TransportFailure } from '../src/http.js';
import { bodyNamed } from '../testing/encoding-server.js';
import { startServer } from '../testing/processes.js';

const SERVER = fileURLToPath(new URL('../testing/encoding-server.js', import.meta.url));
const VECTORS = JSON.parse(fs.readFileSync(new URL('../../../contract/vectors/content-encoding.json', import.meta.url), 'utf8'));

describe('Content-Encoding, as the shared vectors say', () => {
  let server;
  let base;
  const worker = requestWorker();
  const policy = { allowedHosts: ['127.0.0.1'], maxResponseBytes: VECTORS.max_http_response_bytes, timeoutMs: 10_000, worker };

  before(async () => {
    server = await startServer(process.execPath, [SERVER]);
    base = `http://127.0.0.1:${server.ready.port}`;
  });
  after(async () => {
    await worker.close();
    await server?.stop();
  });

  /** Asserts that this host hands over the body served at `route` as `vector` says. */
  function checkCase(route, vector) {
    const send = () => sendSync({ url: `${base}/${route}`, headers: {} }, undefined, policy);
    if (vector.expect === 'json') {
      const response = send();
      assert.equal(Buffer.from(response.body).toString(), VECTORS.json);
      assert.equal(response.headers['content-encoding'], undefined);
      assert.equal(response.headers['content-length'], undefined);
    } else if (vector.expect === 'as_sent') {
      const response = send();
      assert.deepEqual(Buffer.from(response.body), bodyNamed(vector.body));
      assert.equal(response.headers['content-encoding'], vector.content_encoding ?? undefined);
    } else {
      assert.throws(send, (error) => error instanceof TransportFailure && error.kind === vector.expect);
    }
  }

  VECTORS.cases.forEach((vector, index) => {
    it(`every host decodes ${vector.body} under Content-Encoding ${vector.content_encoding} as ${vector.expect}`, () => {
      checkCase(`case/${index}`, vector);
    });
  });

  it('fails the deliberately wrong case of the vectors', () => {
    assert.throws(() => checkCase('wrong', VECTORS.wrong_case), assert.AssertionError);
  });

  it('asks for gzip in every case', () => {
    const asked = JSON.parse(Buffer.from(sendSync({ url: `${base}/asked`, headers: {} }, undefined, policy).body).toString());
    assert.deepEqual(Object.values(asked), VECTORS.cases.map(() => VECTORS.accept_encoding));
  });
});
