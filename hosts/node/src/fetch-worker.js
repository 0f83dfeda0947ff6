// Makes the plugin's HTTP requests for http.js, one at a time, in a worker thread (sync-worker.js).
//
// A job is `{url, method, headers, body?, deadline_ms, max_bytes}`; the answer is
// `{status, headers, body}`, the body an ArrayBuffer gzip decoded (`encoding.js`), or
// `{failure: {kind, message}}`. One timer, set to the deadline, bounds the whole exchange.
// `node:http` never follows redirects and reads no proxy variable, which is what host profile 1.0
// asks for; this worker's environment holds none either (http.js).
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { acceptingGzip, isGzip } from './encoding.js';
import { answerCalls } from './sync-worker.js';

/** Returns the answer of a transport failure of `kind`. */
function failure(kind, message) {
  return { failure: { kind, message } };
}

/** Collects the response's headers: lowercase names, the last of repeated headers wins. */
function headersOf(response) {
  const headers = {};
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    headers[response.rawHeaders[i].toLowerCase()] = response.rawHeaders[i + 1];
  }
  return headers;
}

/** Copies `size` bytes of `chunks` into an ArrayBuffer of their own (a Buffer may be a slice of a shared pool). */
function joined(chunks, size) {
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body.buffer;
}

/** Makes the request of `job`; resolves with its answer, never rejects. */
function fetchOnce(job) {
  return new Promise((resolve) => {
    let request;
    let settled = false;
    /** Answers with the first outcome only (a timeout, an error, or the end of the body), then drops the connection. */
    const settle = (answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request?.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () => settle(failure('timeout', "no complete response in time (the manifest's request_timeout_ms, or what was left of the call's timeout_ms)")),
      Math.max(0, job.deadline_ms - Date.now()),
    );
    try {
      const url = new URL(job.url);
      request = (url.protocol === 'https:' ? https : http).request(url, { method: job.method, headers: acceptingGzip(job.headers), agent: false });
    } catch (error) {
      return settle(failure('bad_request', `the plugin sent a request that cannot be made: ${error.message}`));
    }
    request.on('error', (error) => settle(failure('connection', error.message)));
    request.on('response', (response) => {
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
          settle(failure('too_large', `the response body is larger than max_http_response_bytes (${job.max_bytes} bytes)`));
          return;
        }
        chunks.push(chunk);
      });
      const cutShort = () => settle(failure('connection', 'the response body could not be read: the connection ended before the whole body arrived'));
      response.on('aborted', cutShort);
      response.on('error', cutShort);
      if (gzip) body.on('error', (error) => settle(failure('connection', `the response body is not the gzip its Content-Encoding says: ${error.message}`)));
      body.on('end', () => {
        if (!response.complete) return cutShort();
        settle({ status: response.statusCode, headers, body: joined(chunks, size) });
      });
    });
    request.end(job.body);
  });
}

answerCalls(async (job) => {
  const answer = await fetchOnce(job);
  return { answer, transfer: answer.body ? [answer.body] : [] };
});
