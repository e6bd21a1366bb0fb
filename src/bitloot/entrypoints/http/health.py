"""The health endpoint."""

from dishka.integrations.litestar import FromDishka
from litestar import Response, get

from bitloot.application.use_cases.check_health import CheckHealth
from bitloot.entrypoints.http.schemas import HealthOut

SERVICE = "bitloot-fulfillment"


@get(["/fulfillment/health", "/health"], tags=["health"], summary="Health")
async def health(use_case: FromDishka[CheckHealth]) -> Response[HealthOut]:
    """200 when database, storage and queue all answer; 503 naming the one that did not."""
    report = await use_case.execute()
    body = HealthOut(ok=report.ok, service=SERVICE, timestamp=report.timestamp, checks=report.checks)
    return Response(body, status_code=200 if report.ok else 503, headers={"Cache-Control": "no-store"})
