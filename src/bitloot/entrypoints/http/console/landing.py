"""`GET /console`: the landing page, with the latest audit records."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get

from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.paths import CONSOLE
from bitloot.entrypoints.http.console.presenting import audit_rows
from bitloot.entrypoints.http.console.rendering import render

LATEST = 10


@get(CONSOLE, summary="Console landing page", include_in_schema=False)
async def landing(
    request: Request[Any, Any, Any], console: SignedIn, audit: FromDishka[ListOperatorActions]
) -> Response[str]:
    """The menu and the latest operator actions."""
    rows = audit_rows(console, await audit.execute(LATEST))
    return render(request, "console/landing.html.j2", {"title": "Console", "rows": rows}, console=console)
