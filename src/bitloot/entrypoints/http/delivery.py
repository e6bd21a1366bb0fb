"""The delivery link's pages (docs/vault.md, "The delivery pages").

`GET /d/{token}` shows the order, its products and their redemption steps, never a key: mail scanners
open links. Its button posts `POST /d/{token}/reveal`, which reveals nothing itself: it answers `303`
to `GET /d/{token}/keys?r={ticket}` with a one-time ticket (reveal_tickets.py), and that page reveals
(audited and counted, one reveal per press) and shows the keys with `Cache-Control: no-store`. A
reload of the keys page, or the back and forward buttons, find the ticket spent and show "press the
button again"; the delivery page the back button lands on never shows a key.

A client that asks `POST /d/{token}/reveal` for JSON gets the keys in the answer, as before."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from bitloot.application.errors import DeliveryLinkExpired, RevealAlreadyShown, TooManyRequests
from bitloot.application.use_cases.get_delivery_summary import DeliverySummary, GetDeliverySummary
from bitloot.domain.errors import BitLootError
from bitloot.domain.order_status import OrderStatus
from bitloot.entrypoints.http import presenters
from bitloot.entrypoints.http.customer_csrf import CustomerCsrf
from bitloot.entrypoints.http.delivery_views import key_groups, products_of, reveals_text, state_of
from bitloot.entrypoints.http.error_responses import (
    LINK_INVALID,
    PURGED,
    RATE_LIMITED,
    REFUNDED,
    problem_responses,
)
from bitloot.entrypoints.http.limits import RateLimited
from bitloot.entrypoints.http.page_headers import JSON_ANSWER_HEADERS
from bitloot.entrypoints.http.reveal_steps import RevealSteps
from bitloot.entrypoints.http.shop_errors import error_page, form_refused_page, limited_page
from bitloot.entrypoints.http.shop_pages import shop_page


class DeliveryController(Controller):
    path = "/d/{token:str}"
    tags = ["delivery"]

    @get("/", summary="The delivery page")
    async def show(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        summaries: FromDishka[GetDeliverySummary],
        csrf: FromDishka[CustomerCsrf],
    ) -> Response[Any]:
        """The delivery page of a signed link: the order, its products and how to redeem them, and
        the reveal button; never a key (mail scanners open links). 410 for a forged or expired link
        (an expired one offers to email a fresh link)."""
        try:
            summary = await summaries.execute(token)
        except BitLootError as exc:
            return delivery_error(request, exc, token, csrf)
        order = summary.order
        return shop_page(
            request,
            "delivery.html.j2",
            "Your order",
            token=token,
            csrf_token=csrf.for_link(token),
            order=order,
            state=state_of(order.status),
            products=products_of(summary),
            revealable=order.status is OrderStatus.FULFILLED,
            reveals=reveals_text(order.reveal_count),
        )

    @post(
        "/reveal",
        status_code=200,
        summary="Reveal keys through a delivery link",
        responses=problem_responses(LINK_INVALID, REFUNDED, PURGED, RATE_LIMITED),
    )
    async def reveal(
        self, token: FromPath[str], request: Request[Any, Any, Any], steps: FromDishka[RevealSteps]
    ) -> Response[Any]:
        """The reveal button. With `Accept: application/json`: the keys in the answer, audited like
        every reveal. From the delivery page's form (with its `csrf_token`): `303` to the keys page
        with a one-time ticket, which reveals once."""
        if "application/json" in request.headers.get("accept", ""):
            await steps.guard.reveal(request)
            result = await steps.reveal(request, token)
            return Response(presenters.reveal_out(result), headers=JSON_ANSWER_HEADERS)
        try:
            summary = await steps.summaries.execute(token)
            if not await steps.form_ok(request, token):
                return form_refused_page(request, back=f"/d/{token}")
            await steps.guard.reveal(request)
            if summary.order.status is not OrderStatus.FULFILLED:
                # Refused in the use case, which audits an attempt on a refunded order's keys.
                await steps.reveal(request, token)
        except (RateLimited, BitLootError) as exc:
            return _refused(request, exc, token, steps.csrf)
        ticket = steps.issue_ticket(token, summary)
        return Redirect(f"/d/{token}/keys", query_params={"r": ticket}, status_code=303)

    @get("/keys", include_in_schema=False)
    async def keys(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        steps: FromDishka[RevealSteps],
        r: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """The keys page, reached once per press of the reveal button: with a live ticket whose reveal
        count is still the order's, it reveals (audited and counted) and shows the keys, each with a
        copy button and a report form. Otherwise (a reload, back or forward, an old address) it shows
        no key and asks for the button again, revealing, auditing and counting nothing."""
        try:
            summary = await steps.summaries.execute(token)
            ticket = steps.ticket(token, r)
            if ticket is None or ticket.reveal_count != summary.order.reveal_count:
                return _hidden_page(request, token, steps.csrf, summary)
            summary.order.ensure_revealable()
            result = await steps.reveal(request, token, expected_reveal_count=ticket.reveal_count)
        except RevealAlreadyShown:
            return _hidden_page(request, token, steps.csrf, summary)
        except BitLootError as exc:
            return _refused(request, exc, token, steps.csrf)
        return shop_page(
            request,
            "keys.html.j2",
            "Your keys",
            script=True,
            token=token,
            csrf_token=steps.csrf.for_link(token),
            groups=key_groups(summary, result),
            reveals=reveals_text(result.reveal_count),
        )


def _refused(
    request: Request[Any, Any, Any], exc: RateLimited | BitLootError, token: str, csrf: CustomerCsrf
) -> Response[Any]:
    """The page of a refused reveal: over a limit (the client's or the order's), or the link's."""
    if isinstance(exc, RateLimited | TooManyRequests):
        return limited_page(request, exc.retry_after, back=f"/d/{token}")
    return delivery_error(request, exc, token, csrf)


def _hidden_page(
    request: Request[Any, Any, Any], token: str, csrf: CustomerCsrf, summary: DeliverySummary
) -> Response[Any]:
    return shop_page(
        request,
        "keys_hidden.html.j2",
        "Your keys are hidden again",
        token=token,
        csrf_token=csrf.for_link(token),
        revealable=summary.order.status is OrderStatus.FULFILLED,
        reveals=reveals_text(summary.order.reveal_count),
    )


def delivery_error(
    request: Request[Any, Any, Any], exc: BitLootError, token: str, csrf: CustomerCsrf
) -> Response[Any]:
    """The page of a refused delivery-link request; an expired (but genuine) link's offers to email
    a fresh one (`POST /d/{token}/fresh-link`)."""
    if isinstance(exc, DeliveryLinkExpired):
        return shop_page(
            request,
            "link_expired.html.j2",
            "This link has expired",
            status_code=410,
            token=token,
            csrf_token=csrf.for_link(token),
        )
    return error_page(request, exc)
