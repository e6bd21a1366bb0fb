"""A span per HTTP request (Litestar's OpenTelemetry plugin over OpenTelemetry's ASGI middleware),
named by its route template, with no path, query or URL of the request in it.

Paths carry secrets (`/d/{token}`, `/o/{token}`), so the raw path must never reach a span. The ASGI
middleware starts the span before routing, from the raw request: its name is then only the method,
and each attribute that holds the path, query or URL is overwritten at once. Once the request is
routed, a middleware of the app renames the span `METHOD /route/{template}` and puts the template
in those attributes. A request no route takes (404, 405) keeps the bare method and `UNROUTED`."""

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.config.app import AppConfig
from litestar.enums import ScopeType
from litestar.plugins import InitPlugin, PluginProtocol
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.types import ASGIApp, Receive, Scope, Send
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE

# Where OpenTelemetry's ASGI middleware puts the request's path, query or URL, in either semantic
# conventions (old `http.*`, stable `url.*`; OTEL_SEMCONV_STABILITY_OPT_IN picks).
PATH_ATTRIBUTES = ("http.target", "http.url", "url.path", "url.query", "url.full")
UNROUTED = "UNROUTED"
# Polled every few seconds by load balancers and Prometheus: a trace each would drown the others.
UNTRACED_PATHS = ["^/health$", "^/fulfillment/health$", "^/metrics$"]


def span_details(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The name a request's span starts with: the method only (the route is not known yet)."""
    return str(scope.get("method") or "HTTP"), {}


def scrub(span: trace.Span, value: str) -> None:
    """Overwrite each path-bearing attribute the span has with `value`."""
    present = getattr(span, "attributes", None) or {}
    for key in PATH_ATTRIBUTES:
        if key in present:
            span.set_attribute(key, value)


def scrub_unrouted(span: trace.Span, _scope: dict[str, Any]) -> None:
    if span.is_recording():
        scrub(span, UNROUTED)


def name_by_route(app: ASGIApp) -> ASGIApp:
    """App middleware (it runs once the request is routed): the route template names the span."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        span = trace.get_current_span()
        template = scope.get("path_template")
        if template and span.is_recording():
            method = scope.get("method")
            span.update_name(f"{method} {template}" if method else template)
            span.set_attribute(HTTP_ROUTE, template)
            scrub(span, template)
        await app(scope, receive, send)

    return middleware


class RouteNamedSpans(InitPlugin):
    """Adds `name_by_route`, and ends tracing when the app shuts down."""

    __slots__ = ("_on_shutdown",)

    def __init__(self, on_shutdown: Callable[[], Awaitable[None]]) -> None:
        self._on_shutdown = on_shutdown

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.middleware.append(name_by_route)
        app_config.on_shutdown.append(self._on_shutdown)
        return app_config


def http_tracing_plugin(
    provider: TracerProvider, on_shutdown: Callable[[], Awaitable[None]]
) -> list[PluginProtocol]:
    config = OpenTelemetryConfig(
        tracer_provider=provider,
        scope_span_details_extractor=span_details,
        server_request_hook_handler=scrub_unrouted,
        # Only the request's span: no child span per ASGI message received or sent.
        exclude_spans=["receive", "send"],
        scopes={ScopeType.HTTP},
        exclude=UNTRACED_PATHS,
    )
    return [OpenTelemetryPlugin(config), RouteNamedSpans(on_shutdown)]
