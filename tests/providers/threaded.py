"""The running part shared by the fake provider servers: an aiohttp app on 127.0.0.1, on a free port,
served from a thread of its own so synchronous and asynchronous tests alike can call it."""

import asyncio
import threading
from typing import Any, Self

from aiohttp import web


class ThreadedAiohttpServer:
    """Mixin: the class provides the fields `port`, `_loop`, `_thread`, `_runner`, `_stopping` and
    `thread_name`, and adds its routes in `_add_routes`."""

    port: int
    thread_name: str
    _loop: asyncio.AbstractEventLoop | None
    _thread: threading.Thread | None
    _runner: web.AppRunner | None
    _stopping: asyncio.Event | None

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                loop.close()
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError(f"the {self.thread_name} server did not start")
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            if self._stopping is not None:
                self._stopping.set()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        self._add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        address: Any = self._runner.addresses[0]
        self.port = address[1]
