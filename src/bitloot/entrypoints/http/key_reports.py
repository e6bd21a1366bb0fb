"""Customers report a key that does not work (docs/stock-integrity.md): from the keys page of a
delivery link (`POST /d/{token}/report`, a form) or with the order's access token (JSON)."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, post
from litestar.params import FromPath, JSONBody

from bitloot.application.errors import TooManyRequests
from bitloot.application.use_cases.report_key import ReportKey, ReportKeyRequest, ReportKeyResult
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, LinkCredential
from bitloot.domain.errors import BitLootError
from bitloot.entrypoints.http import key_schemas as k
from bitloot.entrypoints.http.api_docs import ORDER_TOKEN
from bitloot.entrypoints.http.auth import bearer_token
from bitloot.entrypoints.http.delivery import error_page
from bitloot.entrypoints.http.error_responses import (
    LINK_INVALID,
    NO_TOKEN,
    RATE_LIMITED,
    REFUNDED,
    UNKNOWN_ORDER,
    problem_responses,
)
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from bitloot.entrypoints.http.pages import PAGE_HEADERS, page

RECEIVED = "Thank you: we received your report and will look into it."
ALREADY = "This key is already reported; we are on it."


def _detail(result: ReportKeyResult) -> str:
    return ALREADY if result.already_reported else RECEIVED


class KeyReportPageController(Controller):
    path = "/d/{token:str}"
    tags = ["delivery"]

    @post(
        "/report",
        status_code=200,
        summary="Report a key through a delivery link",
        responses=problem_responses(LINK_INVALID, REFUNDED, RATE_LIMITED),
    )
    async def report(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[ReportKey],
        guard: FromDishka[RateGuard],
    ) -> Response[str]:
        """The keys page's form (`key_id`, `message`): an HTML answer. The link authorises it as it
        authorises a reveal (a forged or expired link gets the same 410 page); rate-limited per client.
        A key already reported answers so and changes nothing."""
        try:
            await guard.report_key(request)
            form = await request.form()
            result = await use_case.execute(
                ReportKeyRequest(
                    LinkCredential(token), str(form.get("key_id", "")), str(form.get("message", ""))
                )
            )
        except (RateLimited, TooManyRequests) as exc:
            limited = page("Please wait", "<p>Too many requests; try again in a minute.</p>", 429)
            limited.headers["Retry-After"] = str(exc.retry_after)
            return limited
        except BitLootError as exc:
            return error_page(exc)
        title = "Already reported" if result.already_reported else "Report received"
        return page(title, f"<p>{_detail(result)}</p><p class=muted>Report {result.report.id}</p>")


class KeyReportApiController(Controller):
    path = "/fulfillment/{order_id:str}"
    tags = ["fulfillment"]
    security = [{ORDER_TOKEN: []}]

    @post(
        "/reports",
        status_code=201,
        summary="Report a key",
        responses=problem_responses(NO_TOKEN, UNKNOWN_ORDER, REFUNDED, RATE_LIMITED),
    )
    async def report(
        self,
        order_id: FromPath[str],
        data: JSONBody[k.KeyReportIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[ReportKey],
        guard: FromDishka[RateGuard],
    ) -> Response[k.CustomerKeyReportOut]:
        """Report a delivered key (`keyId` as the reveal answers it) that does not work, with a message
        (1 to 1000 characters). 201 for a new report; 200 with `alreadyReported` when the key has an
        open report already (nothing changed). Rate-limited per client."""
        await guard.report_key(request)
        credential = AccessTokenCredential(order_id, bearer_token(request))
        result = await use_case.execute(ReportKeyRequest(credential, data.key_id, data.message))
        body = k.CustomerKeyReportOut(
            id=result.report.id,
            key_id=result.report.sealed_key_id,
            status=result.report.status.value,
            created_at=result.report.created_at,
            already_reported=result.already_reported,
            detail=_detail(result),
        )
        return Response(body, status_code=200 if result.already_reported else 201, headers=PAGE_HEADERS)
