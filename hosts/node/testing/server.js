// A small HTTP server for the adapter's HTTP tests, run as its own process (the adapter's
// requests block the test process while they run). Prints its port, serves until stdin closes.
import http from 'node:http';

let okHits = 0;
const collectedKeys = [];
const server = http.createServer((request, response) => {
  const url = new URL(request.url, 'http://x');
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    switch (url.pathname) {
      case '/ok':
        okHits += 1;
        response.writeHead(200, ['Content-Type', 'application/json', 'X-Rate', '1', 'X-Rate', '2']);
        return response.end('{"ok":true}');
      case '/hits':
        return response.end(JSON.stringify({ ok: okHits, collected_keys: collectedKeys }));
      case '/reportApi/api/v1/reports/customers':
        response.writeHead(302, { Location: `http://localhost:${server.address().port}/collect-keys` });
        return response.end();
      case '/collect-keys':
        collectedKeys.push(request.headers.api_key ?? null);
        response.writeHead(501);
        return response.end();
      case '/redirect':
        response.writeHead(302, { Location: `http://localhost:${server.address().port}/ok` });
        return response.end('moved');
      case '/big':
        return response.end('x'.repeat(Number(url.searchParams.get('bytes'))));
      case '/slow':
        return setTimeout(() => response.end('late'), 3_000);
      case '/trickle': {
        // One byte every 200 ms for a minute: in a header (?in=headers), or in the body.
        const inHeaders = url.searchParams.get('in') === 'headers';
        response.socket.write(inHeaders ? 'HTTP/1.1 200 OK\r\nX-Slow: ' : 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
        let sent = 0;
        const timer = setInterval(() => {
          if (++sent > 300 || response.socket.destroyed) return clearInterval(timer);
          response.socket.write('a');
        }, 200);
        return response.socket.on('close', () => clearInterval(timer));
      }
      case '/cut':
        response.writeHead(200, { 'Content-Length': '100' });
        response.write('only ten b');
        return setTimeout(() => response.socket.destroy(), 50);
      case '/429':
        response.writeHead(429, { 'Retry-After': url.searchParams.get('after') ?? '17' });
        return response.end('{}');
      case '/echo':
        return response.end(
          JSON.stringify({ method: request.method, headers: request.headers, body: Buffer.concat(chunks).toString() }),
        );
      default:
        response.writeHead(404);
        return response.end();
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
