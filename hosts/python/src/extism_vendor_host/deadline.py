"""One deadline for a whole HTTP exchange: connecting, sending, the status line, headers, body.

A socket timeout bounds each read, not the exchange: a vendor that sends one byte a second
never lets a read time out, and held a 3 s request for 90 s. Here every socket operation of
the exchange first sets the socket's timeout to what is left until the deadline (a
`time.monotonic()` instant), and fails with TimeoutError once nothing is left. The handlers
plug this into urllib for the requests that are a DeadlineRequest. Name resolution is not
bounded (the system resolver has no timeout to give).
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import time
import urllib.request
from typing import Any


class DeadlineRequest(urllib.request.Request):
    """Holds a urllib request and the `time.monotonic()` instant its whole exchange must end by."""

    def __init__(self, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline


def time_left(deadline: float) -> float:
    """Returns the seconds left until `deadline`; raises TimeoutError when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the exchange's deadline passed")
    return left


class _DeadlineSocket:
    """Wraps a connected socket: each send and read gets only what is left of the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def arm(self) -> None:
        """Sets the socket's timeout to what is left, or raises TimeoutError."""
        self._sock.settimeout(time_left(self._deadline))

    def sendall(self, data: Any, *args: Any) -> None:
        """Sends all of `data` within what is left (sendall's timeout bounds the whole send)."""
        self.arm()
        self._sock.sendall(data, *args)

    def makefile(self, *_: Any, **__: Any) -> io.BufferedReader:
        """Returns the binary reader http.client reads the response from, armed before each read."""
        return io.BufferedReader(_DeadlineReader(self, self._sock.makefile("rb", buffering=0)))

    def __getattr__(self, name: str) -> Any:
        """Hands everything else (close, fileno, …) to the socket."""
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    """Reads the socket, arming it before each read."""

    def __init__(self, owner: _DeadlineSocket, raw: io.RawIOBase) -> None:
        super().__init__()
        self._owner = owner
        self._raw = raw

    def readable(self) -> bool:
        """Tells io that this stream reads."""
        return True

    def readinto(self, buffer: Any) -> int | None:
        """Reads into `buffer` within what is left of the deadline."""
        self._owner.arm()
        return self._raw.readinto(buffer)

    def fileno(self) -> int:
        """Returns the socket's descriptor."""
        return self._raw.fileno()

    def close(self) -> None:
        """Closes the socket's reader (the socket closes once nothing uses it)."""
        self._raw.close()
        super().close()


@functools.cache
def _bounded(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
    """Returns `base` (HTTPConnection or HTTPSConnection) bounded by a `deadline` argument."""

    class Bounded(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, deadline: float, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._deadline = deadline
            self._create_connection = self._connect_within_deadline

        def _connect_within_deadline(
            self, address: tuple[str, int], _timeout: float, source: Any = None
        ) -> socket.socket:
            sock = socket.create_connection(address, time_left(self._deadline), source)
            try:
                # A TLS handshake, which follows, gets only what is left too.
                sock.settimeout(time_left(self._deadline))
            except TimeoutError:
                sock.close()
                raise
            return sock

        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock, self._deadline)  # type: ignore[assignment]

    return Bounded


class _DeadlineOpening:
    """Opens a DeadlineRequest's connection bounded by its deadline."""

    def do_open(self, http_class: Any, req: Any, **http_conn_args: Any) -> Any:
        """Opens `req` on `http_class` bounded by `req.deadline`."""
        return super().do_open(  # type: ignore[misc]
            _bounded(http_class), req, deadline=req.deadline, **http_conn_args
        )


class DeadlineHTTPHandler(_DeadlineOpening, urllib.request.HTTPHandler):
    """Opens http: DeadlineRequests, the whole exchange bounded by the request's deadline."""


class DeadlineHTTPSHandler(_DeadlineOpening, urllib.request.HTTPSHandler):
    """Opens https: DeadlineRequests, the whole exchange bounded by the request's deadline."""
