"""The delivery link's pages: `GET /d/{token}` shows the order, `POST /d/{token}/reveal` shows keys."""

from html import escape
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from bitloot.application.errors import TooManyRequests
from bitloot.application.use_cases.get_delivery_summary import GetDeliverySummary
from bitloot.application.use_cases.reveal_keys import LinkCredential, RevealKeys, RevealRequest
from bitloot.domain.errors import BitLootError
from bitloot.domain.keys import TEXT_KEY
from bitloot.entrypoints.http import presenters
from bitloot.entrypoints.http.client import client_info
from bitloot.entrypoints.http.error_responses import (
    LINK_INVALID,
    PURGED,
    RATE_LIMITED,
    REFUNDED,
    problem_responses,
)
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from bitloot.entrypoints.http.pages import PAGE_HEADERS, button_form, page, report_form, table
from bitloot.entrypoints.http.problems import STATUS_OF


class DeliveryController(Controller):
    path = "/d/{token:str}"
    tags = ["delivery"]

    @get("/", summary="The delivery page")
    async def show(self, token: FromPath[str], use_case: FromDishka[GetDeliverySummary]) -> Response[str]:
        """The delivery page of a signed link: the order and its products, never a key (mail scanners open
        links). 410 for a forged or expired link."""
        try:
            summary = await use_case.execute(token)
        except BitLootError as exc:
            return _error_page(exc)
        rows = [
            [
                escape(
                    summary.products[i.product_id].name if i.product_id in summary.products else i.product_id
                ),
                str(i.quantity),
            ]
            for i in summary.order.items
        ]
        body = (
            f"<p>Order <code>{escape(summary.order.id)}</code> is "
            f"<b>{escape(summary.order.status.value)}</b>.</p>"
            + table(["Product", "Keys"], rows)
            + "<p class=muted>Your keys are shown only when you press the button; "
            "each reveal is recorded.</p>" + button_form(f"/d/{token}/reveal", "Reveal my keys")
        )
        return page("Your BitLoot order", body)

    @post(
        "/reveal",
        status_code=200,
        summary="Reveal keys through a delivery link",
        responses=problem_responses(LINK_INVALID, REFUNDED, PURGED, RATE_LIMITED),
    )
    async def reveal(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[RevealKeys],
        guard: FromDishka[RateGuard],
    ) -> Response[Any]:
        """Reveal the keys through a delivery link: an HTML page, or JSON with `Accept: application/json`.
        Audited like every reveal."""
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            await guard.reveal(request)
            result = await use_case.execute(
                RevealRequest(LinkCredential(token), client_info(request, guard.addresses))
            )
        except (RateLimited, TooManyRequests) as exc:
            if wants_json:
                raise
            limited = page("Please wait", "<p>Too many requests; try again in a minute.</p>", 429)
            limited.headers["Retry-After"] = str(exc.retry_after)
            return limited
        except BitLootError as exc:
            if wants_json:
                raise
            return _error_page(exc)
        if wants_json:
            return Response(presenters.reveal_out(result), headers=PAGE_HEADERS)
        rows = [
            [
                escape(k.item_id),
                _key_html(presenters.key_text(k.key), k.key.content_type)
                + report_form(f"/d/{token}/report", k.key_id),
            ]
            for k in result.keys
        ]
        return page("Your keys", table(["Item", "Key"], rows))


def _key_html(text: str, content_type: str) -> str:
    if content_type == TEXT_KEY:
        return f"<code>{escape(text)}</code>"
    return f"<img alt='key' src='data:{escape(content_type)};base64,{escape(text)}'>"


def error_page(exc: BitLootError) -> Response[str]:
    """The page a refused request gets: its safe message, with the status of its kind."""
    return _error_page(exc)


def _error_page(exc: BitLootError) -> Response[str]:
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
    return page("Sorry", f"<p>{escape(str(exc))}</p>", status_code=int(status))
