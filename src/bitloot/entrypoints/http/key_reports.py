"""Customers report a key that does not work (docs/stock-integrity.md): from the keys page of a
delivery link (`POST /d/{token}/report`, a form) or with the order's access token (JSON)."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, post
from litestar.params import FromPath, JSONBody

from bitloot.application.errors import InvalidDeliveryLink, TooManyRequests
from bitloot.application.use_cases.get_delivery_summary import GetDeliverySummary
from bitloot.application.use_cases.report_key import ReportKey, ReportKeyRequest, ReportKeyResult
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, LinkCredential
from bitloot.domain.errors import BitLootError
from bitloot.entrypoints.http import key_schemas as k
from bitloot.entrypoints.http.api_docs import ORDER_TOKEN
from bitloot.entrypoints.http.auth import bearer_token
from bitloot.entrypoints.http.customer_csrf import FIELD, CustomerCsrf
from bitloot.entrypoints.http.delivery import delivery_error
from bitloot.entrypoints.http.error_responses import (
    LINK_INVALID,
    NO_TOKEN,
    RATE_LIMITED,
    REFUNDED,
    UNKNOWN_ORDER,
    problem_responses,
)
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from bitloot.entrypoints.http.page_headers import JSON_ANSWER_HEADERS
from bitloot.entrypoints.http.shop_errors import error_page, form_refused_page, limited_page
from bitloot.entrypoints.http.shop_pages import shop_page

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
        summaries: FromDishka[GetDeliverySummary],
        guard: FromDishka[RateGuard],
        csrf: FromDishka[CustomerCsrf],
    ) -> Response[Any]:
        """The keys page's form (`key_id`, `message`, `csrf_token`): an answer page in the shop's
        layout. The link authorises it as it authorises a reveal (a forged link gets the 410 page, an
        expired one the page that offers a fresh link); a form without its page's token gets the 403
        page; rate-limited per client. A key already reported answers so and changes nothing."""
        back = f"/d/{token}"
        try:
            await guard.report_key(request)
            await summaries.execute(token)
            form = await request.form()
            if not csrf.link_ok(token, form.get(FIELD)):
                return form_refused_page(request, back=back)
            result = await use_case.execute(
                ReportKeyRequest(
                    LinkCredential(token), str(form.get("key_id", "")), str(form.get("message", ""))
                )
            )
        except (RateLimited, TooManyRequests) as exc:
            return limited_page(request, exc.retry_after, back=back)
        except InvalidDeliveryLink as exc:
            return delivery_error(request, exc, token, csrf)
        except BitLootError as exc:
            return error_page(request, exc, back=back)
        return shop_page(
            request,
            "report_received.html.j2",
            "Already reported" if result.already_reported else "Report received",
            message=_detail(result),
            report_id=result.report.id,
            back=back,
        )


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
        return Response(
            body, status_code=200 if result.already_reported else 201, headers=JSON_ANSWER_HEADERS
        )
