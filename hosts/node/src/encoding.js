// Content-Encoding under host profile 1.0 (H5b): the one rule every host follows.
//
// The host asks for `Accept-Encoding: gzip` (unless the plugin's request names its own) and
// decodes a body whose Content-Encoding is gzip alone (`gzip` or `x-gzip`, any case; members
// concatenated), as ureq does in the Rust harness, `max_http_response_bytes` bounding the
// decoded bytes (fetch-worker.js). Every other coding reaches the plugin as it came. A body that
// says gzip but does not decode, an empty one included, is a `connection` failure.

/** Returns the plugin's request headers, with `Accept-Encoding: gzip` unless it names one. */
export function acceptingGzip(headers) {
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'accept-encoding')) return headers;
  return { ...headers, 'accept-encoding': 'gzip' };
}

/** Tells whether a Content-Encoding value names gzip alone (`gzip` or `x-gzip`, any case). */
export function isGzip(contentEncoding) {
  return typeof contentEncoding === 'string' && ['gzip', 'x-gzip'].includes(contentEncoding.trim().toLowerCase());
}
