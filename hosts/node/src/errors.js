// Turns what an SDK throws into the contract's error `{class, message, http_status?, retry_after_s?}`.
import { retryAfterSeconds } from './retry-after.js';

/** Lists the contract's error classes. */
export const ERROR_CLASSES = ['config', 'auth', 'permission', 'not_found', 'rate_limited', 'transient', 'vendor', 'internal'];

/** Lists what the Node SDKs put before an error the plugin set (1.0.3 and 2.x alike). */
export const SDK_ERROR_PREFIXES = ['Plugin-originated error: '];

/** Maps a transport failure kind to the class of a 1.0 plugin's trapped call (host profile 1.0). */
export const CLASS_OF_TRANSPORT_KIND = {
  host_not_allowed: 'config',
  bad_request: 'internal',
  timeout: 'transient',
  too_large: 'vendor',
  connection: 'transient',
};

/** Reports a failed call: `error` is the contract's error object. */
export class PluginCallError extends Error {
  /** Creates the error of a call to `exportName`. */
  constructor(exportName, error) {
    super(`${exportName} failed (${error.class}): ${error.message}`);
    this.name = 'PluginCallError';
    this.export = exportName;
    this.error = error;
  }
}

/** Returns the contract's error in an SDK's error text, or null when the text is not one (a trap). */
export function pluginErrorOf(text) {
  let json = String(text);
  for (const prefix of SDK_ERROR_PREFIXES) {
    if (json.startsWith(prefix)) json = json.slice(prefix.length);
  }
  let value;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || !ERROR_CLASSES.includes(value.class) || typeof value.message !== 'string') {
    return null;
  }
  const error = { class: value.class, message: value.message };
  if (value.http_status != null) error.http_status = value.http_status;
  if (value.retry_after_s != null) error.retry_after_s = value.retry_after_s;
  return error;
}

/**
 * Types a call to `exportName` that threw `thrown`: the plugin's own error when it set one;
 * else the transport failure the adapter's HTTP recorded (1.0 plugin); else the call's
 * timeout; else `internal`. `trapped` tells whether the instance should be replaced.
 */
export function errorOfFailure(exportName, thrown, { failure, elapsedMs, timeoutMs }) {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  const own = pluginErrorOf(text);
  if (own) return { error: own, trapped: false };
  let error;
  if (failure) {
    error = { class: CLASS_OF_TRANSPORT_KIND[failure.kind] ?? 'transient', message: `${exportName}: ${failure.message}.` };
  } else if (elapsedMs >= timeoutMs) {
    error = { class: 'transient', message: `${exportName} did not finish within the manifest's timeout_ms (${timeoutMs} ms).` };
  } else {
    error = { class: 'internal', message: `${exportName} stopped inside the plugin (a trap: a bug, not a vendor problem): ${text || thrown?.name || 'no message'}.` };
  }
  return { error, trapped: true };
}

/** Sets a `rate_limited` error's `retry_after_s` from the vendor's `Retry-After`, when it has none. */
export function fillRetryAfter(error, retryAfter, nowMs = Date.now()) {
  if (error.class !== 'rate_limited' || error.retry_after_s != null) return error;
  const seconds = retryAfterSeconds(retryAfter, nowMs);
  return seconds === undefined ? error : { ...error, retry_after_s: seconds };
}
