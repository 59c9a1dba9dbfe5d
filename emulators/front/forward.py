"""TCP forwarders: the public port of one endpoint, piped onto sshd's internal port for it.

A forwarder listens only while its endpoint is reachable. Closing it stops listening at once (the
port refuses connections, as a powered-off host does) and drops the connections it carries (the
sessions of a domain that died die with it).
"""

from __future__ import annotations

import asyncio
import contextlib


class Forwarder:
    """127.0.0.1:`port` -> 127.0.0.1:`target`, while open."""

    def __init__(self, port: int, target: int) -> None:
        self.port = port
        self.target = target
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()

    @property
    def is_open(self) -> bool:
        return self._server is not None

    async def open(self) -> None:
        """Listen on the public port (OSError when it is taken)."""
        if self._server is None:
            self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    def close(self) -> None:
        """Stop listening and drop every connection carried."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    async def _pipe(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self._transports.add(client_w.transport)
        try:
            try:
                up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target)
            except OSError:
                return
            self._transports.add(up_w.transport)
            try:
                if self._server is not None:  # not closed while connecting
                    # each direction half-closes when its source ends; done when both are
                    await asyncio.gather(_copy(client_r, up_w), _copy(up_r, client_w))
            finally:
                self._transports.discard(up_w.transport)
                up_w.close()
        finally:
            self._transports.discard(client_w.transport)
            client_w.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until the source ends, then half-close the destination (data in flight is delivered)."""
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()
