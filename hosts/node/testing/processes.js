// Starting the servers the tests talk to: each prints one JSON line when ready and serves until
// its stdin is closed (the Rust `host-harness serve` then prints its report as a second line).
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

/**
 * Starts `command args`; resolves with `{ready, stop}` once its first line arrives: `ready` is
 * that line as JSON, `stop()` closes its stdin and resolves with the next line as JSON (or null).
 */
export async function startServer(command, args) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = once(child, 'exit');
  let ready = false;
  const first = await Promise.race([
    lines.next(),
    exited.then(([code]) => {
      if (!ready) throw new Error(`${command} ${args.join(' ')} exited (${code}) before it was ready: ${stderr}`);
    }),
  ]);
  ready = true;
  if (first.done) throw new Error(`${command} ${args.join(' ')} printed nothing: ${stderr}`);
  return {
    ready: JSON.parse(first.value),
    async stop() {
      child.stdin.end();
      const next = await lines.next();
      const [code] = child.exitCode === null ? await exited : [child.exitCode];
      if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`);
      return next.done ? null : JSON.parse(next.value);
    },
  };
}

/** Runs `command args` and resolves with its stdout parsed as JSON. */
export async function runJson(command, args, options = {}) {
  const { stdout } = await promisify(execFile)(command, args, { maxBuffer: 64 << 20, ...options });
  return JSON.parse(stdout);
}
