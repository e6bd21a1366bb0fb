"""`GET /console/audit`: the operator audit log, newest first, in keyset pages (`before`), for one
operator when `operator` names one."""

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get

from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.application.use_cases.list_operators import ListOperators
from bitloot.domain.operator_audit import AuditCursor
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.presenting import audit_rows
from bitloot.entrypoints.http.console.rendering import render

PAGE = 50


def cursor_text(cursor: AuditCursor) -> str:
    return f"{cursor.at.isoformat()}_{cursor.id}"


def parse_cursor(text: str | None) -> AuditCursor | None:
    """A cursor from an "older" link; None (the first page) for anything else."""
    at, _, record_id = (text or "").rpartition("_")
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    if moment.tzinfo is None or not record_id or len(record_id) > 64:
        return None
    return AuditCursor(moment, record_id)


@get("/console/audit", summary="Console audit log", include_in_schema=False)
async def audit_page(
    request: Request[Any, Any, Any],
    console: SignedIn,
    audit: FromDishka[ListOperatorActions],
    operators: FromDishka[ListOperators],
) -> Response[str]:
    """Who did what to which record, when and from where; client addresses masked for support."""
    everyone = await operators.execute()
    chosen = request.query_params.get("operator") or None
    operator_id = chosen if any(o.id == chosen for o in everyone) else None
    before = parse_cursor(request.query_params.get("before"))
    actions = await audit.execute(PAGE + 1, before=before, operator_id=operator_id)
    older = None
    if len(actions) > PAGE:
        actions = actions[:PAGE]
        query = {"before": cursor_text(AuditCursor(actions[-1].at, actions[-1].id))}
        older = "/console/audit?" + urlencode(query | ({"operator": operator_id} if operator_id else {}))
    return render(
        request,
        "console/audit.html.j2",
        {
            "title": "Audit log",
            "rows": audit_rows(console, actions),
            "operators": everyone,
            "operator_id": operator_id,
            "older": older,
        },
        console=console,
    )
