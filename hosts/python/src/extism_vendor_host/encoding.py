"""Content-Encoding under host profile 1.0 (H5b): the one rule every host follows.

The host asks for `Accept-Encoding: gzip` (unless the plugin's request names its own) and
decodes a body whose Content-Encoding is gzip alone (`gzip` or `x-gzip`, any case; members
concatenated), as ureq does in the Rust harness; `max_http_response_bytes` bounds the decoded
bytes, since the reader hands them out a bounded piece at a time. Every other coding reaches the
plugin as it came. A body that says gzip but does not decode raises NotGzipError, which the
transport reports as a `connection` failure.
"""

from __future__ import annotations

import http.client
import zlib

_CHUNK_BYTES = 64 * 1024
_GZIP = 16 + zlib.MAX_WBITS


class NotGzipError(Exception):
    """Raised when a body whose Content-Encoding says gzip does not decode."""


def accepting_gzip(headers: dict[str, str]) -> dict[str, str]:
    """Returns the plugin's request headers, with `Accept-Encoding: gzip` unless it names one."""
    if any(name.lower() == "accept-encoding" for name in headers):
        return headers
    return {**headers, "Accept-Encoding": "gzip"}


def is_gzip(content_encoding: str | None) -> bool:
    """Tells whether a Content-Encoding value names gzip alone (`gzip` or `x-gzip`, any case)."""
    return content_encoding is not None and content_encoding.strip().lower() in ("gzip", "x-gzip")


class GzipBody:
    """Reads a gzip response body decoded, at most the asked number of bytes per read."""

    def __init__(self, raw: http.client.HTTPResponse) -> None:
        self._raw = raw
        self._decoder = zlib.decompressobj(_GZIP)

    @property
    def length(self) -> int | None:
        """Returns what the raw body still lacks of its Content-Length (None when unknown)."""
        return self._raw.length

    def read(self, size: int) -> bytes:
        """Returns up to `size` decoded bytes; b"" at the end of the body."""
        while True:
            if self._decoder.unconsumed_tail:
                data = self._decoder.unconsumed_tail
            elif self._decoder.eof and self._decoder.unused_data:
                data = self._decoder.unused_data  # the next member
                self._decoder = zlib.decompressobj(_GZIP)
            else:
                data = self._raw.read(_CHUNK_BYTES)
                if not data:
                    if not self._decoder.eof:  # an empty body, or a member cut short
                        raise _not_gzip("the gzip stream ends early")
                    return b""
                if self._decoder.eof:
                    self._decoder = zlib.decompressobj(_GZIP)
            try:
                decoded = self._decoder.decompress(data, size)
            except zlib.error as error:
                raise _not_gzip(str(error)) from error
            if decoded:
                return decoded


def _not_gzip(reason: str) -> NotGzipError:
    return NotGzipError(f"the response body is not the gzip its Content-Encoding says: {reason}")
