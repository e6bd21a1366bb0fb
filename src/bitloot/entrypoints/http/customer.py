"""Customer endpoints (SPEC §5): catalog, orders, fulfilment status, delivery link, reveal."""

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
from bitloot.entrypoints.http.auth import bearer_token
from bitloot.entrypoints.http.client import client_info
from bitloot.entrypoints.http.limits import RATE_LIMITED_RESPONSES, RateGuard

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class CatalogController(Controller):
    tags = ["catalog"]

    @get("/products")
    async def list_products(self, use_case: FromDishka[ListProducts]) -> list[s.ProductOut]:
        return [presenters.product_out(p) for p in await use_case.execute()]


class OrdersController(Controller):
    tags = ["orders"]

    @post("/orders", status_code=201, responses=RATE_LIMITED_RESPONSES)
    async def place_order(
        self,
        data: JSONBody[s.PlaceOrderIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[PlaceOrder],
        guard: FromDishka[RateGuard],
    ) -> Response[s.PlacedOrderOut]:
        await guard.place_order(request)
        placed = await use_case.execute(
            PlaceOrderRequest(data.email, [OrderLine(line.product_id, line.quantity) for line in data.items])
        )
        return Response(
            presenters.placed_order_out(placed.order, placed.access_token), headers=NO_STORE, status_code=201
        )


class FulfillmentController(Controller):
    path = "/fulfillment/{order_id:str}"
    tags = ["fulfillment"]

    @get("/status")
    async def status(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[GetFulfillmentStatus],
    ) -> s.FulfillmentStatusOut:
        return presenters.status_out(await use_case.execute(order_id, bearer_token(request)))

    @get("/download-link", responses=RATE_LIMITED_RESPONSES)
    async def download_link(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[IssueDeliveryLink],
        guard: FromDishka[RateGuard],
    ) -> Response[s.DownloadLinkOut]:
        await guard.delivery_link(request)
        issued = await use_case.execute(order_id, bearer_token(request))
        body = s.DownloadLinkOut(
            order_id=issued.order_id,
            signed_url=issued.link.url,
            expires_at=issued.link.expires_at,
            item_count=issued.item_count,
        )
        return Response(body, headers=NO_STORE)

    @post("/reveal", status_code=200, responses=RATE_LIMITED_RESPONSES)
    async def reveal(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[RevealKeys],
        guard: FromDishka[RateGuard],
        data: JSONBody[s.RevealIn | None] = None,
    ) -> Response[s.RevealOut]:
        await guard.reveal(request)
        credential = AccessTokenCredential(order_id, bearer_token(request))
        result = await use_case.execute(
            RevealRequest(credential, client_info(request, guard.addresses), data.item_id if data else None)
        )
        return Response(presenters.reveal_out(result), headers=NO_STORE)
