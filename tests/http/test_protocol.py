"""`euryale.http.protocol`: a response leaves in one socket write (status line, headers and body), on a real
uvicorn server and real sockets; writes made in different loop iterations still go out in order."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import uvicorn

from euryale.http.protocol import FLUSH_AT, CoalescingTransport, HttpProtocol

WRITES: list[bytes] = []


class _CountingTransport:
    """The socket's transport as the coalescing one sees it: every write that reaches the socket is recorded."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        WRITES.append(bytes(data))
        self._transport.write(data)

    def writelines(self, lines: list[bytes]) -> None:  # one send of all the buffers (writev)
        WRITES.append(b"".join(lines))
        self._transport.writelines(lines)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _CountingProtocol(HttpProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CountingTransport(transport))  # type: ignore[arg-type]


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/big":  # 4 MiB in 64 chunks sent without yielding to the loop in between
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for n in range(64):
            await send({"type": "http.response.body", "body": bytes([65 + n % 26]) * 65536, "more_body": n < 63})
        return
    if scope["path"] == "/stream":  # a body in three parts, the second after a pause
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"one,", "more_body": True})
        await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b"two,", "more_body": True})
        await send({"type": "http.response.body", "body": b"three"})
        return
    body = b'{"ok":true}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def test_a_response_is_one_socket_write() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app, http=_CountingProtocol, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        WRITES.clear()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(3):  # keep-alive: one connection, three responses
                res = await client.get("/")
                assert res.status_code == 200 and res.json() == {"ok": True}
            assert len(WRITES) == 3
            assert all(w.startswith(b"HTTP/1.1 200 OK\r\n") and w.endswith(b'\r\n\r\n{"ok":true}') for w in WRITES)

            WRITES.clear()
            res = await client.get("/stream")
            assert res.text == "one,two,three"
            # the head and first part together; what came after the pause in later writes, in order
            assert len(WRITES) == 2 and WRITES[0].startswith(b"HTTP/1.1 200 OK") and b"one," in WRITES[0]
            assert b"two," in WRITES[1] and WRITES[1].endswith(b"0\r\n\r\n")

            # a large body streamed without yielding goes out as it is written, never held whole
            WRITES.clear()
            res = await client.get("/big")
            assert len(res.content) == 64 * 65536 and res.content[:1] == b"A" and res.content[-1:] == b"L"
            assert len(WRITES) >= 64 * 65536 // (FLUSH_AT + 65536) and max(len(w) for w in WRITES) < FLUSH_AT + 65536 + 100
    finally:
        server.should_exit = True
        await task


class _Recorder:
    def __init__(self) -> None:
        self.writes: list[Any] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def writelines(self, lines: list[bytes]) -> None:
        self.writes.append(list(lines))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0


async def test_close_sends_what_was_written_and_abort_drops_it() -> None:
    loop = asyncio.get_running_loop()
    inner = _Recorder()
    transport = CoalescingTransport(inner, loop)  # type: ignore[arg-type]
    transport.write(b"a")
    transport.writelines([b"b", bytearray(b"c")])
    assert inner.writes == [] and transport.get_write_buffer_size() == 3
    transport.close()  # before the loop's next iteration: flushed first, then closed
    assert inner.writes == [[b"a", b"b", b"c"]] and inner.closed
    await asyncio.sleep(0)  # the scheduled flush finds nothing left and writes nothing more
    assert inner.writes == [[b"a", b"b", b"c"]]

    inner = _Recorder()
    transport = CoalescingTransport(inner, loop)  # type: ignore[arg-type]
    transport.write(b"lost")
    transport.abort()
    await asyncio.sleep(0)
    assert inner.writes == [] and inner.aborted
