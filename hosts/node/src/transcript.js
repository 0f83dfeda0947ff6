// The cross-host transcript: the five calls on one plugin, reduced to what every host must agree on.
import { loadPlugin, PluginCallError } from './adapter.js';

/** Stands for the replay server's `host:port` in a transcript (each server has its own port). */
export const SERVER_PLACEHOLDER = '{server}';

/** Returns the part of an error that hosts compare: `class`, and `http_status` / `retry_after_s` when present. */
export function comparableError(error) {
  const kept = { class: error.class };
  if (error.http_status != null) kept.http_status = error.http_status;
  if (error.retry_after_s != null) kept.retry_after_s = error.retry_after_s;
  return kept;
}

/** Returns a `fetch_usage` output without the messages of its failed accounts' errors (host texts differ). */
export function withoutFailureMessages(usage) {
  const withoutMessage = (holder) => {
    if (!holder.error) return holder;
    const { message, ...error } = holder.error;
    return { ...holder, error };
  };
  if (!Array.isArray(usage?.failed_accounts)) return usage;
  return {
    ...usage,
    failed_accounts: usage.failed_accounts.map((failed) => {
      const stripped = withoutMessage(failed);
      return failed.failures ? { ...stripped, failures: failed.failures.map(withoutMessage) } : stripped;
    }),
  };
}

/** Returns `value` with `from` replaced by `to` in every string value (not in keys). */
export function replaceInStrings(value, from, to) {
  if (typeof value === 'string') return value.replaceAll(from, to);
  if (Array.isArray(value)) return value.map((item) => replaceInStrings(item, from, to));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, replaceInStrings(member, from, to)]));
  }
  return value;
}

/**
 * Runs describe_credentials, authenticate, list_accounts, list_services (input
 * `{credentials}`) and fetch_usage (`{credentials, as_of}`) on one plugin and returns
 * `{export: {ok: output} | {error: comparable error}}`. With `serverUrl` (the replay server's
 * URL), its `host:port` reads {@link SERVER_PLACEHOLDER} in every string.
 */
export async function transcript({ manifestPath, sdk, credentials, asOf, allowHosts = [], serverUrl }) {
  const plugin = await loadPlugin(manifestPath, { sdk, allowHosts });
  const calls = [
    ['describe_credentials', { credentials }],
    ['authenticate', { credentials }],
    ['list_accounts', { credentials }],
    ['list_services', { credentials }],
    ['fetch_usage', { credentials, as_of: asOf }],
  ];
  const result = {};
  try {
    for (const [name, input] of calls) {
      try {
        const output = await plugin.call(name, input);
        result[name] = { ok: name === 'fetch_usage' ? withoutFailureMessages(output) : output };
      } catch (error) {
        if (!(error instanceof PluginCallError)) throw error;
        result[name] = { error: comparableError(error.error) };
      }
    }
  } finally {
    await plugin.close();
  }
  const authority = serverUrl?.split('://')[1];
  return authority ? replaceInStrings(result, authority, SERVER_PLACEHOLDER) : result;
}
