"""A loopback TCP proxy in front of a real server, for outages the processes under test see as a
network would show them: `refuse()` closes the port (connections refused, open ones cut), `hang()`
accepts connections and never answers (a server that froze), `trickle()` forwards the answers a byte
at a time (a server too slow for any call, never silent long enough for a read timeout), and
`resume()` forwards again, on the same port."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

CHUNK_BYTES = 64 * 1024


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._hanging = False
        self._pace: float | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def resume(self) -> None:
        """Listen (again, on the same port once it was chosen) and forward every new connection."""
        self._hanging = False
        self._pace = None
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

    async def hang(self) -> None:
        """Cut every open connection; accept new ones and never send a byte back."""
        await self.resume()
        self._hanging = True
        self._cut_all()

    async def trickle(self, seconds_per_byte: float) -> None:
        """Cut every open connection; forward new ones, the server's answer one byte at a time."""
        await self.resume()
        self._pace = seconds_per_byte
        self._cut_all()

    async def refuse(self) -> None:
        """Stop listening and cut every open connection, as a server that went away."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._cut_all()

    def _cut_all(self) -> None:
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._hanging:
            await self._swallow(client_reader, client_writer)
        else:
            await self._forward(client_reader, client_writer)

    async def _swallow(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        self._open.add(client_writer)
        with contextlib.suppress(ConnectionError, OSError):
            await client_reader.read()  # everything the client sends, until it gives up
        self._open.discard(client_writer)
        client_writer.transport.abort()

    async def _forward(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            client_writer.transport.abort()
            return
        self._open |= {client_writer, server_writer}
        try:
            await asyncio.gather(
                self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer, self._pace)
            )
        finally:
            for writer in (client_writer, server_writer):
                self._open.discard(writer)
                writer.transport.abort()

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pace: float | None = None
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(1 if pace else CHUNK_BYTES):
                if pace:
                    await asyncio.sleep(pace)
                writer.write(chunk)
                await writer.drain()
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            writer.write_eof()


@contextlib.asynccontextmanager
async def tcp_proxy(target_host: str, target_port: int) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port)
    await proxy.resume()
    try:
        yield proxy
    finally:
        await proxy.refuse()
