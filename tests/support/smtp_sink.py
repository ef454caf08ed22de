"""A minimal SMTP server on 127.0.0.1 (free port) that keeps the messages it receives, for provider tests."""

from __future__ import annotations

import asyncio
from email import message_from_bytes
from email.message import Message


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write((line + "\r\n").encode())
            await writer.drain()

        await reply("220 sink ready")
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    return
                cmd = raw.decode(errors="replace").strip().upper()
                if cmd.startswith(("EHLO", "HELO")):
                    await reply("250 sink")
                elif cmd.startswith("DATA"):
                    await reply("354 end with <CRLF>.<CRLF>")
                    body = bytearray()
                    while (line := await reader.readline()) not in (b".\r\n", b".\n", b""):
                        body += line[1:] if line.startswith(b"..") else line
                    self.messages.append(message_from_bytes(bytes(body)))
                    await reply("250 queued")
                elif cmd.startswith("QUIT"):
                    await reply("221 bye")
                    return
                else:
                    await reply("250 ok")
        finally:
            writer.close()
