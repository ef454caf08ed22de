"""The HTTP protocol `euryale start` serves with: uvicorn's httptools protocol, one socket write per response.

uvicorn writes a response's status line and headers when the app sends `http.response.start`, then its body
when the app sends `http.response.body`: two `send()` calls and two TCP segments for every answer. A send on a
TCP socket is the most expensive call a request makes here (~50 us on these VMs: the kernel runs the whole TCP
path, for loopback the receiver's side too; it was 23% of the server's CPU on a cart write, one per PostgreSQL
statement, Redis command and response part). The transport below joins the writes made within one event-loop
iteration into one send, as aiohttp does for small responses; an app sends its start and body back to back, so
a response leaves as one segment. A write waits at most until the loop's next iteration.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_AT = 1024 * 1024
"""Bytes held at most before they go out at once: a body streamed without yielding to the loop (an async generator
that awaits nothing) reaches the socket, and uvicorn's flow control (pause/drain), as it is written."""


class CoalescingTransport:
    """A transport whose writes within one loop iteration reach the socket as one write (up to `FLUSH_AT` bytes);
    anything else is the wrapped transport's (reading, flow control, closing, peer info)."""

    __slots__ = ("_transport", "_loop", "_pending", "_size")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._pending is None:
            self._pending, self._size = [bytes(data)], len(data)
            self._loop.call_soon(self._flush)
        else:
            self._pending.append(bytes(data))
            self._size += len(data)
        if self._size >= FLUSH_AT:
            self._flush()

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def _flush(self) -> None:
        pending, self._pending, self._size = self._pending, None, 0
        if pending and not self._transport.is_closing():
            if len(pending) == 1:
                self._transport.write(pending[0])
            else:  # one writev on uvloop (and asyncio >= 3.12): no copy of a large body into one buffer
                self._transport.writelines(pending)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()  # what was written before close() still goes out, as with the transport itself
        self._transport.close()

    def abort(self) -> None:
        self._pending, self._size = None, 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a :class:`CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
