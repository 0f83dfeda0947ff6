// Makes ONE HTTP request for the adapter's synchronous `http_request` (see http.js).
//
// Reads `{url, method, headers, body_base64, timeout_ms, max_bytes}` as JSON on stdin and writes
// one line of JSON, `{"status", "headers"}` or `{"failure": {"kind", "message"}}`, followed (after
// a response) by the body bytes, gzip decoded (`encoding.js`). `node:http` never follows
// redirects and reads no proxy variables, which is what host profile 1.0 asks for.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { acceptingGzip, isGzip } from './encoding.js';

/** Reads all of stdin as text. */
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes the answer and ends the process once stdout is flushed. */
function answer(meta, body = Buffer.alloc(0)) {
  process.stdout.write(Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`), body]), () =>
    process.exit(0),
  );
}

/** Answers with a transport failure of `kind`. */
function fail(kind, message) {
  answer({ failure: { kind, message } });
}

/** Collects the response's headers: lowercase names, the last of repeated headers wins. */
function headersOf(response) {
  const headers = {};
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    headers[response.rawHeaders[i].toLowerCase()] = response.rawHeaders[i + 1];
  }
  return headers;
}

const job = JSON.parse(await readStdin());
let request;
let settled = false;
/** Runs `fn` for the first outcome only (a timeout, an error, or the end of the body). */
const once = (fn) => (...args) => {
  if (settled) return;
  settled = true;
  clearTimeout(timer);
  fn(...args);
};
const timer = setTimeout(
  once(() => {
    request?.destroy();
    fail('timeout', "no complete response in time (the manifest's request_timeout_ms, or what was left of the call's timeout_ms)");
  }),
  job.timeout_ms,
);

try {
  const url = new URL(job.url);
  const client = url.protocol === 'https:' ? https : http;
  request = client.request(url, {
    method: job.method,
    headers: acceptingGzip(job.headers),
    agent: false,
  });
} catch (error) {
  once(fail)('bad_request', `the plugin sent a request that cannot be made: ${error.message}`);
}

request?.on('error', once((error) => fail('connection', error.message)));
request?.on('response', (response) => {
  const headers = headersOf(response);
  const gzip = isGzip(headers['content-encoding']);
  if (gzip) {
    delete headers['content-encoding'];
    delete headers['content-length'];
  }
  const body = gzip ? response.pipe(zlib.createGunzip()) : response;
  const chunks = [];
  let size = 0;
  body.on('data', (chunk) => {
    size += chunk.length;
    if (size > job.max_bytes) {
      once(fail)('too_large', `the response body is larger than max_http_response_bytes (${job.max_bytes} bytes)`);
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });
  const cutShort = once(() => fail('connection', 'the response body could not be read: the connection ended before the whole body arrived'));
  response.on('aborted', cutShort);
  response.on('error', cutShort);
  if (gzip) body.on('error', once((error) => fail('connection', `the response body is not the gzip its Content-Encoding says: ${error.message}`)));
  body.on('end', () => {
    if (!response.complete) return cutShort();
    once(answer)({ status: response.statusCode, headers }, Buffer.concat(chunks));
  });
});
request?.end(job.body_base64 ? Buffer.from(job.body_base64, 'base64') : undefined);
