"""One access log line per request, logged by `bitloot.access` when the response is complete:
method, route template, status, duration and client, and (as every line of the request) the request
id and the order it concerned.

The route is the template (`/d/{token}`), never the path: a path can hold a delivery link's or an
order page's token. A request no route matched says `(unmatched)`. The client is the address the
rate limits count (`ClientAddresses`: the peer, or behind a trusted proxy the client it names).
Granian's own access log is off (`serve.py`): it knows only the raw path."""

import logging
import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.request_id import headers_named, peer_of

UNMATCHED = "(unmatched)"

log = logging.getLogger("bitloot.access")


class AccessLog:
    def __init__(self, app: ASGIApp, addresses: ClientAddresses) -> None:
        self._app = app
        self._addresses = addresses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        # An exception that escapes the app's own handlers becomes the server's 500.
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_noting_status)
        finally:
            self._log(scope, status, (time.perf_counter() - started) * 1000)

    def _log(self, scope: HTTPScope, status: int, duration_ms: float) -> None:
        method = scope["method"]
        route = scope.get("path_template") or UNMATCHED
        client = self._addresses.resolve(peer_of(scope), headers_named(scope, b"x-forwarded-for"))
        # Rounded once, so the line's text and its field say the same number.
        duration_ms = round(duration_ms, 1)
        log.info(
            "%s %s %d %.1fms from %s",
            method,
            route,
            status,
            duration_ms,
            client,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "client": client,
            },
        )
