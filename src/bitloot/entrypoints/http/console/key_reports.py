"""`/console/key-reports`: customers' reports of keys that do not work, open ones first; replacing
the key or dismissing the report (docs/console.md, docs/stock-integrity.md). No key is ever shown."""

from functools import partial
from typing import Any, Final

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.params import FromPath

from bitloot.application.errors import Unavailable
from bitloot.application.use_cases.dismiss_key_report import DismissKeyReport
from bitloot.application.use_cases.list_key_reports import ListKeyReports
from bitloot.application.use_cases.replace_key import ReplaceKey, ReplaceKeyRequest
from bitloot.domain.errors import Refusal
from bitloot.domain.key_reports import MAX_NOTE_LENGTH, KeyReport, KeyReportStatus
from bitloot.domain.operators import Permission
from bitloot.entrypoints.http.console.actions import act
from bitloot.entrypoints.http.console.current import Console, SignedIn
from bitloot.entrypoints.http.console.presenting import when
from bitloot.entrypoints.http.console.rendering import render

KEY_REPORTS: Final = "/console/key-reports"
LIMIT: Final = 200
STATUSES: Final = ("open", "replaced", "dismissed", "all")
MAX_FIELD: Final = MAX_NOTE_LENGTH + 1  # one over, so an over-long note is refused, not cut
# What a redirect after an action says (`?done=<code>`): a fixed table, never request text.
FLASH: Final = {
    "replaced": "Key replaced: the customer gets a fresh link by email.",
    "already-replaced": "This key had been replaced already; nothing changed.",
    "dismissed": "Report dismissed; the key stays as it is.",
}


def _row(report: KeyReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "order_id": report.order_id,
        "key_id": report.sealed_key_id,
        "message": report.message,
        "reported": when(report.created_at),
        "status": report.status.value,
        "open": report.is_open,
        "resolved": when(report.resolved_at),
        "resolved_by": report.resolved_by or "",
        "note": report.resolution_note or "",
    }


async def _list(
    request: Request[Any, Any, Any],
    console: Console,
    reports: ListKeyReports,
    *,
    chosen: str = "open",
    error: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    status = None if chosen == "all" else KeyReportStatus(chosen)
    found = await reports.execute(status, LIMIT)
    found.sort(key=lambda r: not r.is_open)  # open first, each part newest first (stable)
    done = request.query_params.get("done")
    context: dict[str, Any] = {
        "title": "Key reports",
        "rows": [_row(r) for r in found],
        "statuses": STATUSES,
        "chosen": chosen,
        "error": error,
        "may_replace": console.may(Permission.REPLACE_KEY),
        "may_dismiss": console.may(Permission.DISMISS_KEY_REPORT),
        "max_note": MAX_NOTE_LENGTH,
    }
    if isinstance(done, str) and done in FLASH:
        context["flash"] = FLASH[done]
    return render(request, "console/key_reports.html.j2", context, console=console, status_code=status_code)


def _field(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:MAX_FIELD]


@get(KEY_REPORTS, summary="Console key reports", include_in_schema=False)
async def key_reports_page(
    request: Request[Any, Any, Any], console: SignedIn, reports: FromDishka[ListKeyReports]
) -> Response[str]:
    """Key reports, open ones first (`status`: open, replaced, dismissed or all; a status not in
    that list is a 400), with the replace and dismiss forms on open ones."""
    chosen = str(request.query_params.get("status") or "open")
    if chosen not in STATUSES:
        return await _list(request, console, reports, error="Choose a status from the list.", status_code=400)
    return await _list(request, console, reports, chosen=chosen)


@post(f"{KEY_REPORTS}/{{report_id:str}}/replace", summary="Replace a reported key", include_in_schema=False)
async def replace_reported_key(
    request: Request[Any, Any, Any],
    console: SignedIn,
    report_id: FromPath[str],
    use_case: FromDishka[ReplaceKey],
    reports: FromDishka[ListKeyReports],
) -> Response[Any]:
    """Replaces the reported key (`reason` optional): the old key revoked, a new unit delivered, the
    report closed, a "key replaced" email owed, audited as the operator. A refusal (no stock left,
    a Kinguin key, a resolved report) is shown with its reason and changes nothing."""
    form = await request.form()
    replace = ReplaceKeyRequest(console.actor, _field(form, "reason"), report_id=report_id[:LIMIT])
    return await act(
        console,
        Permission.REPLACE_KEY,
        lambda: use_case.execute(replace),
        refused=partial(_list, request, console, reports),
        then=lambda result: f"{KEY_REPORTS}?done={'already-replaced' if result.already_done else 'replaced'}",
        catching=(Refusal, Unavailable),
    )


@post(f"{KEY_REPORTS}/{{report_id:str}}/dismiss", summary="Dismiss a key report", include_in_schema=False)
async def dismiss_key_report(
    request: Request[Any, Any, Any],
    console: SignedIn,
    report_id: FromPath[str],
    use_case: FromDishka[DismissKeyReport],
    reports: FromDishka[ListKeyReports],
) -> Response[Any]:
    """Dismisses an open report with a `note` (1 to 300 characters), audited as the operator."""
    form = await request.form()
    return await act(
        console,
        Permission.DISMISS_KEY_REPORT,
        lambda: use_case.execute(report_id[:LIMIT], _field(form, "note"), console.actor),
        refused=partial(_list, request, console, reports),
        then=lambda _: f"{KEY_REPORTS}?done=dismissed&status=all",
    )
