"""Counts and times every HTTP request (`bitloot_http_requests_total`, `bitloot_http_request_seconds`)
by its route's template (`/d/{token}`), never the path the client sent, so no token, order id or
made-up path becomes a label. A request no route took (404, 405) is `unmatched`.

It wraps the app's whole handler, outside Litestar's routing and error handling, so it sees the
status actually sent, for unmatched paths and failures too (`instrument`)."""

import time
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bitloot.adapters.metrics.prometheus import PrometheusMetrics

UNMATCHED = "unmatched"


def route_label(scope: Scope) -> str:
    """The template of the route that took the request (set by Litestar's router), else `unmatched`."""
    if scope.get("route_handler") is None:
        return UNMATCHED
    return scope.get("path_template") or UNMATCHED


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, recorder: Callable[[], Awaitable[PrometheusMetrics]]) -> None:
        self._app = app
        self._recorder = recorder
        self._metrics: PrometheusMetrics | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        method = scope["method"]
        started = time.perf_counter()
        # What the client gets when the app raises before answering (a server error either way).
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            if self._metrics is None:
                self._metrics = await self._recorder()
            self._metrics.http_request(route_label(scope), method, status, time.perf_counter() - started)


def instrument(app: Litestar, recorder: Callable[[], Awaitable[PrometheusMetrics]]) -> None:
    """Wrap the app's handler, the way Litestar itself adds CORS or OpenTelemetry around its router."""
    app.asgi_handler = HttpMetricsMiddleware(app.asgi_handler, recorder)
