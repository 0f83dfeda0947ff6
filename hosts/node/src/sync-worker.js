// Waits synchronously for asynchronous work done in a worker thread, as Node's synchronous
// Extism host functions need; the way the `synckit` package does it, with what a host needs on
// top: a bound on every wait, and a fresh worker after one is lost.
//
// The main thread posts a job to the worker and blocks in `Atomics.wait` (allowed on Node's main
// thread) on one shared Int32. The worker posts its answer on a MessagePort, then sets the Int32
// and wakes the main thread, which takes the answer with `receiveMessageOnPort`. A worker that
// ends sets the Int32 too (its `exit` event runs after an uncaught error and on `process.exit`),
// so a crash wakes the main thread at once. A worker that does not answer within the wait is
// stopped and forgotten: the next job starts a fresh one.
import { MessageChannel, parentPort, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';

/** Marks a worker with a job under way, or none. */
const WORKING = 0;
/** Marks a worker whose answer is on the port. */
const ANSWERED = 1;
/** Marks a worker that has ended. */
const GONE = 2;

/** Reports a job that got no answer: `reason` is `timeout` (no answer in time) or `stopped` (the worker ended). */
export class WorkerLost extends Error {
  /** Creates the report of a job lost for `reason`. */
  constructor(reason, message) {
    super(message);
    this.name = 'WorkerLost';
    this.reason = reason;
  }
}

/** Runs jobs one at a time in a worker thread of `script`, started on the first job; the worker never keeps the process alive. */
export class SyncWorker {
  #script;
  #env;
  #current;

  /** Prepares a worker of the module `script` (a file URL), whose `process.env` will be `env`. */
  constructor(script, { env }) {
    this.#script = script;
    this.#env = env;
  }

  /**
   * Sends `job` (structured-cloneable) to the worker and returns its answer, waiting at most
   * `waitMs`; throws a {@link WorkerLost} when none came, the worker then being replaced.
   */
  call(job, waitMs) {
    if (this.#current && Atomics.load(this.#current.state, 0) === GONE) this.#forget();
    const current = (this.#current ??= this.#start());
    current.worker.postMessage(job);
    Atomics.wait(current.state, 0, WORKING, waitMs);
    const answer = receiveMessageOnPort(current.port);
    if (answer) {
      Atomics.compareExchange(current.state, 0, ANSWERED, WORKING);
      return answer.message;
    }
    const ended = Atomics.load(current.state, 0) === GONE;
    this.#forget();
    if (ended) throw new WorkerLost('stopped', 'the worker ended before it answered');
    throw new WorkerLost('timeout', `the worker did not answer within ${waitMs} ms and was stopped`);
  }

  /** Stops the worker, if one is running; resolves once it has ended. */
  async close() {
    const current = this.#current;
    this.#current = undefined;
    await current?.worker.terminate();
  }

  /** Starts a worker with its own shared Int32 and answer port. */
  #start() {
    const state = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const { port1: port, port2 } = new MessageChannel();
    const worker = new Worker(this.#script, {
      env: this.#env,
      execArgv: [], // This process's flags are not the worker's: `--input-type` (of `node -e`) stops it from starting.
      workerData: { state, port: port2 },
      transferList: [port2],
    });
    worker.on('error', () => {}); // Seen through the shared Int32 (GONE); unheard, it would end this process.
    worker.unref();
    port.unref();
    return { worker, state, port };
  }

  /** Stops the current worker without waiting for it, so that the next job starts a fresh one. */
  #forget() {
    this.#current.worker.terminate().catch(() => {});
    this.#current = undefined;
  }
}

/**
 * Answers the main thread's jobs in a worker started by {@link SyncWorker}: `handle(job)`
 * resolves to `{answer, transfer}`, the answer and the ArrayBuffers to move rather than copy.
 * A `handle` that throws ends the worker, which the waiting job sees.
 */
export function answerCalls(handle) {
  const { state, port } = workerData;
  process.on('exit', () => {
    Atomics.store(state, 0, GONE);
    Atomics.notify(state, 0);
  });
  parentPort.on('message', async (job) => {
    const { answer, transfer = [] } = await handle(job);
    port.postMessage(answer, transfer);
    Atomics.store(state, 0, ANSWERED);
    Atomics.notify(state, 0);
  });
}
