"""A `bitloot worker`'s own metrics listener on `BITLOOT_METRICS_PORT` (docs/metrics.md): the
Prometheus text format at any path, served from a thread of the worker's process."""

import logging
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.entrypoints.config.metrics_settings import MetricsSettings

log = logging.getLogger(__name__)


class MetricsListener:
    def __init__(self, server: WSGIServer) -> None:
        self._server = server

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def listen_for_scrapes(settings: MetricsSettings, metrics: PrometheusMetrics) -> MetricsListener | None:
    """None when `BITLOOT_METRICS_PORT` is not set. A port that is taken fails the start (`OSError`)."""
    if settings.port is None:
        return None
    server, _ = start_http_server(settings.port, addr=settings.addr, registry=metrics.registry)
    log.info("metrics on http://%s:%d/metrics", settings.addr, settings.port)
    return MetricsListener(server)
