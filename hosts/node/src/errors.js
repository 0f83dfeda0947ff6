// Turns what an SDK throws into the contract's error `{class, message, http_status?, retry_after_s?}`.

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

const U64_MAX = 2n ** 64n - 1n;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

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

/** Reads an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as milliseconds since 1970, or null. */
function httpDateMs(value) {
  const match = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(value);
  if (!match) return null;
  const [day, year, hour, minute, second] = [match[1], match[3], match[4], match[5], match[6]].map(Number);
  const month = MONTHS.indexOf(match[2]);
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (month < 0 || year < 1970 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) return null;
  return Date.UTC(year, month, day, hour, minute, 0) + second * 1000;
}

/**
 * Reads a `Retry-After` value as the seconds to wait: non-negative integer text as is (past
 * 2^64-1 it is 2^64-1, as in the Rust harness; a JS number rounds it like JSON.parse does), an
 * HTTP-date as max(0, ceil(date - now)); anything else undefined.
 */
export function retryAfterSeconds(value, nowMs = Date.now()) {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(BigInt(text) > U64_MAX ? U64_MAX : BigInt(text));
  const dateMs = httpDateMs(text);
  return dateMs === null ? undefined : Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/** Sets a `rate_limited` error's `retry_after_s` from the vendor's `Retry-After`, when it has none. */
export function fillRetryAfter(error, retryAfter, nowMs = Date.now()) {
  if (error.class !== 'rate_limited' || error.retry_after_s != null) return error;
  const seconds = retryAfterSeconds(retryAfter, nowMs);
  return seconds === undefined ? error : { ...error, retry_after_s: seconds };
}
