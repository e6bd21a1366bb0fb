"""Customer endpoints (docs/http-api.md): catalog, orders, fulfilment status, delivery link, reveal."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from bitloot.application.use_cases.get_fulfillment_status import GetFulfillmentStatus
from bitloot.application.use_cases.issue_delivery_link import IssueDeliveryLink
from bitloot.application.use_cases.list_products import ListProducts
from bitloot.application.use_cases.place_order import OrderLine, PlaceOrder, PlaceOrderRequest
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealKeys, RevealRequest
from bitloot.entrypoints.http import presenters
from bitloot.entrypoints.http import schemas as s
from bitloot.entrypoints.http.api_docs import ORDER_TOKEN
from bitloot.entrypoints.http.auth import bearer_token
from bitloot.entrypoints.http.client import client_info
from bitloot.entrypoints.http.error_responses import (
    NO_TOKEN,
    NOT_FULFILLED,
    NOT_ON_SALE,
    OUT_OF_STOCK,
    PURGED,
    RATE_LIMITED,
    REFUNDED,
    UNKNOWN_ITEM,
    UNKNOWN_ORDER,
    problem_responses,
)
from bitloot.entrypoints.http.limits import RateGuard

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class CatalogController(Controller):
    tags = ["catalog"]

    @get("/products", summary="The catalog")
    async def list_products(self, use_case: FromDishka[ListProducts]) -> list[s.ProductOut]:
        """The public catalog: each product with its price and the units available now."""
        return [presenters.product_out(p) for p in await use_case.execute()]


class OrdersController(Controller):
    tags = ["orders"]

    @post(
        "/orders",
        status_code=201,
        summary="Place an order",
        responses=problem_responses(OUT_OF_STOCK, NOT_ON_SALE, RATE_LIMITED),
    )
    async def place_order(
        self,
        data: JSONBody[s.PlaceOrderIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[PlaceOrder],
        guard: FromDishka[RateGuard],
    ) -> Response[s.PlacedOrderOut]:
        """Place an order. The answer carries the order's access token, shown only this once (it is stored
        as a hash), the URL where the customer pays, and its order page's (30 days). A product the
        shop took off sale is refused (409). Rate-limited per client."""
        await guard.place_order(request)
        placed = await use_case.execute(
            PlaceOrderRequest(data.email, [OrderLine(line.product_id, line.quantity) for line in data.items])
        )
        return Response(
            presenters.placed_order_out(placed.order, placed.access_token, placed.order_page.url),
            headers=NO_STORE,
            status_code=201,
        )


class FulfillmentController(Controller):
    path = "/fulfillment/{order_id:str}"
    tags = ["fulfillment"]
    security = [{ORDER_TOKEN: []}]

    @get("/status", summary="Fulfillment status", responses=problem_responses(NO_TOKEN, UNKNOWN_ORDER))
    async def status(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[GetFulfillmentStatus],
    ) -> s.FulfillmentStatusOut:
        """The fulfilment status of an order (`pending`, `processing`, `fulfilled`, `failed`) and of each
        item. A wrong token and an unknown order answer the same 404."""
        return presenters.status_out(await use_case.execute(order_id, bearer_token(request)))

    @get(
        "/download-link",
        summary="A delivery link",
        responses=problem_responses(NO_TOKEN, UNKNOWN_ORDER, NOT_FULFILLED, REFUNDED, RATE_LIMITED),
    )
    async def download_link(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[IssueDeliveryLink],
        guard: FromDishka[RateGuard],
    ) -> Response[s.DownloadLinkOut]:
        """A 15-minute signed delivery link to the order's keys; 409 until the order is fulfilled, 410
        after a refund. Rate-limited per order and per client."""
        await guard.delivery_link(request)
        issued = await use_case.execute(order_id, bearer_token(request))
        body = s.DownloadLinkOut(
            order_id=issued.order_id,
            signed_url=issued.link.url,
            expires_at=issued.link.expires_at,
            item_count=issued.item_count,
        )
        return Response(body, headers=NO_STORE)

    @post(
        "/reveal",
        status_code=200,
        summary="Reveal keys",
        responses=problem_responses(
            NO_TOKEN, UNKNOWN_ORDER, UNKNOWN_ITEM, NOT_FULFILLED, REFUNDED, PURGED, RATE_LIMITED
        ),
    )
    async def reveal(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[RevealKeys],
        guard: FromDishka[RateGuard],
        data: JSONBody[s.RevealIn | None] = None,
    ) -> Response[s.RevealOut]:
        """Reveal the order's keys (or one item's with `itemId`). Every reveal is audited with the client's
        address, user agent and channel; answers are never cached. Rate-limited per order and
        per client."""
        await guard.reveal(request)
        credential = AccessTokenCredential(order_id, bearer_token(request))
        result = await use_case.execute(
            RevealRequest(credential, client_info(request, guard.addresses), data.item_id if data else None)
        )
        return Response(presenters.reveal_out(result), headers=NO_STORE)
