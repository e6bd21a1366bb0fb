"""`POST /d/{token}/fresh-link`: the expired delivery page's "Email me a fresh link" button. The fresh
link goes to the order's own address by email (`RenewDeliveryLink`); the answer shows neither the
link nor the address."""

from http import HTTPStatus
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from bitloot.application.errors import DeliveryLinkExpired, TooManyRequests
from bitloot.application.use_cases.get_delivery_summary import GetDeliverySummary
from bitloot.application.use_cases.renew_delivery_link import RenewDeliveryLink
from bitloot.application.use_cases.request_delivery_link import LinkRequestOutcome
from bitloot.domain.errors import BitLootError, NotFulfilledYet, RevealsBlocked
from bitloot.entrypoints.http.customer_csrf import FIELD, CustomerCsrf
from bitloot.entrypoints.http.delivery import delivery_error
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from bitloot.entrypoints.http.shop_errors import error_page, form_refused_page, limited_page, problem_page
from bitloot.entrypoints.http.shop_pages import shop_page

SENT = "We have emailed a fresh delivery link to the address you ordered with. It works for 15 minutes."
WAITING = "An email with a fresh delivery link is already on its way to the address you ordered with."
NOT_YET = (
    "Your order is not fulfilled yet, so there is no delivery link to send. We email you one as soon as "
    "your keys are ready."
)
BLOCKED = "This order was refunded, so we cannot send a delivery link for it."


class FreshLinkController(Controller):
    path = "/d/{token:str}"
    tags = ["delivery"]
    include_in_schema = False

    @post("/fresh-link", status_code=200)
    async def fresh_link(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        summaries: FromDishka[GetDeliverySummary],
        renew: FromDishka[RenewDeliveryLink],
        guard: FromDishka[RateGuard],
        csrf: FromDishka[CustomerCsrf],
    ) -> Response[Any]:
        """A link this shop signed (expired or not) and its page's `csrf_token`: a fresh link by email,
        within the order's email limit (429 page) and the per-client link limit; a forged link is the
        410 page, a form without its token the 403 page, and neither sends anything."""
        try:
            await summaries.execute(token)
        except DeliveryLinkExpired:
            pass
        except BitLootError as exc:
            return delivery_error(request, exc, token, csrf)
        form = await request.form()
        if not csrf.link_ok(token, form.get(FIELD)):
            return form_refused_page(request, back=f"/d/{token}")
        try:
            await guard.delivery_link(request)
            outcome = await renew.execute(token)
        except (RateLimited, TooManyRequests) as exc:
            return limited_page(request, exc.retry_after)
        except NotFulfilledYet:
            return problem_page(request, HTTPStatus.CONFLICT, NOT_YET)
        except RevealsBlocked:
            return problem_page(request, HTTPStatus.GONE, BLOCKED)
        except BitLootError as exc:
            return error_page(request, exc)
        return shop_page(
            request,
            "fresh_link_sent.html.j2",
            "Check your email",
            message=SENT if outcome is LinkRequestOutcome.STAGED else WAITING,
        )
