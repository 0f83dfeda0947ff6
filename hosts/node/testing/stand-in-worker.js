// A stand-in for fetch-worker.js in the request worker's tests: it connects nowhere, and what it
// does is the job URL's path. `/whoami` answers its thread id, `/env` the names in its
// environment, `/tick?file=F` writes the time to F every 10 ms from then on, `/hang` blocks its
// own thread for good (no timer of its own can fire), `/crash` ends it with an uncaught error.
import { writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { answerCalls } from '../src/sync-worker.js';

/** Returns the answer of a 200 whose body is `value` as JSON. */
function ok(value) {
  const body = new TextEncoder().encode(JSON.stringify(value)).buffer;
  return { answer: { status: 200, headers: {}, body }, transfer: [body] };
}

answerCalls(async (job) => {
  const url = new URL(job.url);
  switch (url.pathname) {
    case '/whoami':
      return ok(threadId);
    case '/env':
      return ok(Object.keys(process.env));
    case '/tick':
      setInterval(() => writeFileSync(url.searchParams.get('file'), String(process.hrtime.bigint())), 10);
      return ok('ticking');
    case '/hang':
      for (;;);
    case '/crash':
      throw new Error('the stand-in worker crashed on purpose');
    default:
      throw new Error(`the stand-in worker has no ${url.pathname}`);
  }
});
