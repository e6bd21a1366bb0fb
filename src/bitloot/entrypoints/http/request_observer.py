"""What the shop notes of every HTTP request, in one ASGI wrapper around the whole app (404s, 405s,
errors and static files included; a Litestar middleware runs only for a request a route took):

- its id: `X-Request-ID` on the response, and on every line logged while it is handled
  (`bitloot.entrypoints.logs.request_ids` decides which id: a trusted proxy's, else a new one);
- one access line, logged by `bitloot.access` once the response is complete: method, route,
  status, duration and client, and (as every line of the request) the request id and the order it
  concerned. The client is the address the rate limits count (`ClientAddresses`: the peer, or behind
  a trusted proxy the client it names). Granian's own access log is off (`serve.py`): it knows only
  the raw path;
- the metrics `bitloot_http_requests_total` and `bitloot_http_request_seconds` (docs/metrics.md).

The request is timed once and its route resolved once, for the line and the metrics alike: the
template of the route that took it (`/d/{token}`), never the path, which can hold a delivery link's
or an order page's token; a request no route took (404, 405) is `unmatched` (`route_of`). The status
is the one actually sent; an exception that escapes the app's own handlers becomes the server's 500."""

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Final

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.application.log_context import bound
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.logs.request_ids import request_id_for

UNMATCHED: Final = "unmatched"
REQUEST_ID_HEADER = b"x-request-id"
FORWARDED_FOR_HEADER = b"x-forwarded-for"

log = logging.getLogger("bitloot.access")


def route_of(scope: Scope) -> str:
    """The template of the route that took the request (Litestar's router sets it), else `unmatched`."""
    return scope.get("path_template") or UNMATCHED


def peer_of(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def observed_headers(scope: Scope) -> tuple[list[str], list[str]]:
    """The request's `X-Request-ID` and `X-Forwarded-For` values, in one pass over its headers."""
    request_ids: list[str] = []
    forwarded: list[str] = []
    for key, value in scope["headers"]:
        if key == REQUEST_ID_HEADER:
            request_ids.append(value.decode("latin-1"))
        elif key == FORWARDED_FOR_HEADER:
            forwarded.append(value.decode("latin-1"))
    return request_ids, forwarded


class RequestObserver:
    def __init__(
        self,
        app: ASGIApp,
        addresses: ClientAddresses,
        recorder: Callable[[], Awaitable[PrometheusMetrics]] | None,
    ) -> None:
        self._app = app
        self._addresses = addresses
        self._recorder = recorder
        self._metrics: PrometheusMetrics | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        peer = peer_of(scope)
        offered, forwarded = observed_headers(scope)
        request_id = request_id_for(offered[0] if len(offered) == 1 else None, self._addresses.trusts(peer))
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        started = time.perf_counter()
        # What the client gets when the app raises before answering (a server error either way).
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        with bound(request_id=request_id):
            try:
                await self._app(scope, receive, sending)
            finally:
                seconds = time.perf_counter() - started
                route = route_of(scope)
                self._log(scope["method"], route, status, seconds, peer, forwarded)
                await self._record(route, scope["method"], status, seconds)

    def _log(
        self, method: str, route: str, status: int, seconds: float, peer: str, forwarded: list[str]
    ) -> None:
        client = self._addresses.resolve(peer, forwarded)
        # Rounded once, so the line's text and its field say the same number.
        duration_ms = round(seconds * 1000, 1)
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

    async def _record(self, route: str, method: str, status: int, seconds: float) -> None:
        if self._recorder is None:  # BITLOOT_METRICS=off
            return
        if self._metrics is None:
            self._metrics = await self._recorder()
        self._metrics.http_request(route, method, status, seconds)


def observe_requests(
    app: Litestar, addresses: ClientAddresses, recorder: Callable[[], Awaitable[PrometheusMetrics]] | None
) -> None:
    """Wrap what `app` runs for each request (its router inside its exception handling, and dishka's
    request container), outermost, the way Litestar itself adds CORS or OpenTelemetry. Without a
    `recorder` (metrics off) it only gives the request its id and writes the access line."""
    app.asgi_handler = RequestObserver(app.asgi_handler, addresses, recorder)
