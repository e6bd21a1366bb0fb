"""`GET /metrics`: the Prometheus text format, for every API process at once (docs/metrics.md).

A scrape reads only what the processes recorded: the figures that need the database are read by a
background loop every few seconds (`entrypoints/metrics_figures.py`), so scraping costs no query.
With `BITLOOT_METRICS_TOKEN` set, only `Authorization: Bearer <token>` is answered."""

import hmac
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get
from litestar.exceptions import NotAuthorizedException

from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.entrypoints.config import Settings


def _allowed(request: Request[Any, Any, Any], token: str | None) -> bool:
    if token is None:
        return True
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode("utf-8"), f"Bearer {token}".encode())


@get("/metrics", include_in_schema=False, summary="Prometheus metrics")
async def metrics_endpoint(
    request: Request[Any, Any, Any], recorder: FromDishka[PrometheusMetrics], settings: FromDishka[Settings]
) -> Response[bytes]:
    if not _allowed(request, settings.metrics.token):
        raise NotAuthorizedException(
            detail="Metrics need the metrics token.", headers={"WWW-Authenticate": "Bearer"}
        )
    body, content_type = recorder.scrape()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
