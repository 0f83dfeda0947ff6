// Serves the shared Content-Encoding vectors (contract/vectors/content-encoding.json) for the
// adapter's tests, as its own process: `/case/N` answers with case N's body and Content-Encoding,
// `/wrong` with the deliberately wrong case's, `/asked` with the Accept-Encoding each case was asked with. Prints its port, serves until stdin
// closes.
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';

const VECTORS = JSON.parse(fs.readFileSync(new URL('../../../contract/vectors/content-encoding.json', import.meta.url), 'utf8'));
const JSON_BYTES = Buffer.from(VECTORS.json);

/** Returns the bytes a vector's `body` names. */
export function bodyNamed(name) {
  const half = Math.floor(JSON_BYTES.length / 2);
  const gzip = zlib.gzipSync(JSON_BYTES);
  const bodies = {
    json: () => JSON_BYTES,
    gzip: () => gzip,
    'gzip-members': () => Buffer.concat([zlib.gzipSync(JSON_BYTES.subarray(0, half)), zlib.gzipSync(JSON_BYTES.subarray(half))]),
    'gzip-cut': () => gzip.subarray(0, Math.floor(gzip.length / 2)),
    'gzip-bomb': () => zlib.gzipSync(Buffer.alloc(1 << 20)),
    deflate: () => zlib.deflateSync(JSON_BYTES),
    empty: () => Buffer.alloc(0),
  };
  return bodies[name]();
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const asked = {};
  const server = http.createServer((request, response) => {
    const [, route, index] = request.url.split('/');
    if (route === 'asked') return response.end(JSON.stringify(asked));
    const vector = route === 'wrong' ? VECTORS.wrong_case : VECTORS.cases[Number(index)];
    if (route !== 'wrong') asked[index] = request.headers['accept-encoding'] ?? null;
    const body = bodyNamed(vector.body);
    const headers = { 'Content-Length': String(body.length) };
    if (vector.content_encoding !== null) headers['Content-Encoding'] = vector.content_encoding;
    response.writeHead(200, headers);
    response.end(body);
  });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}
