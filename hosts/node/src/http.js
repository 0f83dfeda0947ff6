// The plugin's HTTP under host profile 1.0, in place of the SDK's built-in `http_request`.
//
// Node host functions are synchronous, so each request runs in a long-lived worker thread
// (`fetch-worker.js`) that this thread waits for (`sync-worker.js`). The worker never follows a
// redirect and has no proxy variable in its environment; this side checks the URL and its host
// before anything is sent, and stops the worker if it outlives the request's time.
import { hostAllowed } from './allowed-hosts.js';
import { SyncWorker, WorkerLost } from './sync-worker.js';

const FETCH_WORKER = new URL('./fetch-worker.js', import.meta.url);
/** Gives the worker this long beyond the request's own bound to report its timeout itself. */
const WORKER_GRACE_MS = 2_000;
/** Lists the statuses whose `Retry-After` the host remembers for the call's error. */
export const RETRY_AFTER_STATUSES = [429, 503];
const PROXY_VARIABLE = /^(https?_proxy|all_proxy|no_proxy|node_use_env_proxy)$/i;
const encoder = new TextEncoder();

/** Reports a request that got no response; `kind` is one of the contract's transport failure kinds. */
export class TransportFailure extends Error {
  /** Creates a failure of `kind` (host_not_allowed, bad_request, timeout, too_large, connection). */
  constructor(kind, message) {
    super(message);
    this.name = 'TransportFailure';
    this.kind = kind;
  }

  /** Returns the status-0 body handed to a plugin of interface 1.1. */
  toJSON() {
    return { kind: this.kind, message: this.message };
  }
}

/** Copies bytes into an ArrayBuffer of their own, exactly their size. */
function ownBytes(bytes) {
  // SDK 1.0.3's `store` hands the plugin the whole ArrayBuffer under a Uint8Array, ignoring the
  // view's offset and length (2.x copies the view); a structured clone of a view (the request
  // body posted to the worker) copies its whole buffer too.
  return Uint8Array.prototype.slice.call(bytes);
}

/** Creates the worker that makes one plugin instance's requests, its environment without proxy variables; `script` is for tests. */
export function requestWorker(script = FETCH_WORKER) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !PROXY_VARIABLE.test(name)));
  return new SyncWorker(script, { env });
}

/**
 * Sends one request and waits for it; returns `{status, headers, body}` or throws a
 * {@link TransportFailure}. `policy` holds `allowedHosts`, `maxResponseBytes`, `timeoutMs`
 * (what this request may take) and `worker` (a {@link requestWorker}).
 */
export function sendSync(request, body, policy) {
  let url;
  try {
    url = new URL(request.url);
  } catch {
    throw new TransportFailure('bad_request', `the plugin sent a request that cannot be made: invalid URL ${JSON.stringify(String(request.url))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TransportFailure('bad_request', `the plugin sent a request that cannot be made: unsupported scheme ${url.protocol}`);
  }
  if (!hostAllowed(policy.allowedHosts, url.hostname)) {
    throw new TransportFailure('host_not_allowed', `the request to ${url.hostname} was refused: the host is not in the manifest's allowed_hosts`);
  }
  if (!(policy.timeoutMs > 0)) {
    throw new TransportFailure('timeout', "no time was left for the request (the call's timeout_ms)");
  }
  const job = {
    url: url.href,
    method: (request.method ?? 'GET').toUpperCase(),
    headers: request.headers ?? {},
    body: body?.length ? ownBytes(body) : undefined,
    deadline_ms: Date.now() + policy.timeoutMs,
    max_bytes: policy.maxResponseBytes,
  };
  let answer;
  try {
    answer = policy.worker.call(job, policy.timeoutMs + WORKER_GRACE_MS);
  } catch (error) {
    if (!(error instanceof WorkerLost)) throw error;
    if (error.reason === 'timeout') throw new TransportFailure('timeout', `no complete response in time (${error.message})`);
    throw new TransportFailure('connection', `the request could not be made: the request worker failed (${error.message})`);
  }
  if (answer.failure) throw new TransportFailure(answer.failure.kind, answer.failure.message);
  return { status: answer.status, headers: answer.headers, body: new Uint8Array(answer.body) };
}

/**
 * Returns the call's HTTP state as the host functions keep it: the last status and headers, the
 * transport failure that ended a 1.0 plugin's call, and the last 429/503 `Retry-After`.
 */
export function newCallState(startedMs = Date.now()) {
  return { startedMs, status: 0, headers: {}, failure: undefined, retryAfter: undefined };
}

/**
 * Returns the `extism:host/env` functions of host profile 1.0. `policy` holds `allowedHosts`,
 * `maxResponseBytes`, `requestTimeoutMs`, `callTimeoutMs`, `failuresAsValues` and `worker`;
 * `currentCall()` returns the state of the call under way (see {@link newCallState}).
 */
export function hostFunctions(policy, currentCall) {
  return {
    http_request(cp, requestOffset, bodyOffset) {
      const call = currentCall();
      call.status = 0;
      call.headers = {};
      let response;
      try {
        let request;
        try {
          request = JSON.parse(cp.read(requestOffset)?.text() ?? '');
        } catch (error) {
          throw new TransportFailure('bad_request', `the plugin sent a request that cannot be made: ${error.message}`);
        }
        const body = bodyOffset ? cp.read(bodyOffset)?.bytes() : undefined;
        const leftMs = policy.callTimeoutMs - (Date.now() - call.startedMs);
        response = sendSync(request, body, { ...policy, timeoutMs: Math.min(policy.requestTimeoutMs, leftMs) });
      } catch (failure) {
        if (!(failure instanceof TransportFailure)) throw failure;
        if (!policy.failuresAsValues) {
          call.failure = failure;
          throw failure; // A 1.0 plugin's call traps; the adapter types it from call.failure.
        }
        return cp.store(encoder.encode(JSON.stringify(failure)));
      }
      call.status = response.status;
      call.headers = response.headers;
      if (RETRY_AFTER_STATUSES.includes(response.status)) call.retryAfter = response.headers['retry-after'];
      return cp.store(ownBytes(response.body));
    },
    http_status_code() {
      return currentCall().status;
    },
    http_headers(cp) {
      return cp.store(encoder.encode(JSON.stringify(currentCall().headers)));
    },
  };
}
