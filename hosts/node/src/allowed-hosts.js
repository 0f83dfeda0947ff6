// `allowed_hosts` matching under host profile 1.0 (H1): the one rule every host follows.
//
// A URL's host and each pattern are normalized as the WHATWG URL parser normalizes a host (Node's
// own; the Rust harness uses the `url` crate, the Python host `ada-url`): lowercase, IDNA to
// punycode (UTS 46), IPv4 in dotted decimal (`2130706433`, `0x7f.1`, `127.1` are `127.0.0.1`),
// IPv6 compressed and without brackets; then one trailing dot is dropped. `*` is the only
// wildcard: any run of characters, none included. A pattern that is no host (it holds `?`, `[`,
// `/`, `%`, a space…) matches nothing.
import { domainToASCII } from 'node:url';

/** Holds WHATWG's forbidden host code points (the parser would stop the host there), and `%`. */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f #/:<>?@[\\\]^|%]/u;

/** Returns a host name, IP address or pattern as the rule compares it; `null` when it is no host. */
export function normalizedHost(text) {
  let host = text;
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`; // IPv6 without brackets
  if (!host.startsWith('[') && FORBIDDEN.test(host)) return null;
  host = domainToASCII(host); // the URL parser's host setter: '' when it is no host
  if (host === '') return null;
  if (host.startsWith('[')) return host.slice(1, -1);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** Tells whether `host` (a URL's `hostname`) matches an `allowed_hosts` pattern. */
export function hostMatches(pattern, host) {
  const patternForm = normalizedHost(pattern);
  const hostForm = normalizedHost(host);
  return patternForm !== null && hostForm !== null && wildcardMatches(patternForm, hostForm);
}

/** Tells whether `host` matches any of `allowedHosts`. */
export function hostAllowed(allowedHosts, host) {
  return allowedHosts.some((pattern) => hostMatches(pattern, host));
}

/** Matches `text` against `pattern`, where `*` is any run of characters. */
function wildcardMatches(pattern, text) {
  const [first, ...rest] = pattern.split('*');
  if (!text.startsWith(first)) return false;
  let left = text.slice(first.length);
  if (rest.length === 0) return left === '';
  const last = rest.pop();
  for (const part of rest) {
    const at = left.indexOf(part);
    if (at < 0) return false;
    left = left.slice(at + part.length);
  }
  return left.endsWith(last);
}
