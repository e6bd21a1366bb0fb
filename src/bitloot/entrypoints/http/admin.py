"""Operator endpoints (docs/http-api.md), behind the admin token."""

from datetime import datetime
from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.get_order_details import GetOrderDetails
from bitloot.application.use_cases.get_webhook_delivery import GetWebhookDelivery
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.application.use_cases.list_orders import ListOrders
from bitloot.application.use_cases.list_webhook_deliveries import ListWebhookDeliveries
from bitloot.application.use_cases.replay_webhook import ReplayWebhook
from bitloot.application.use_cases.retry_fulfillment import RetryFulfillment
from bitloot.domain.errors import InvalidValue
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import SupplierKind
from bitloot.domain.webhook import WebhookProvider
from bitloot.entrypoints.http import presenters
from bitloot.entrypoints.http import schemas as s
from bitloot.entrypoints.http.actor import automation_actor
from bitloot.entrypoints.http.api_docs import ADMIN_TOKEN
from bitloot.entrypoints.http.auth import admin_guard
from bitloot.entrypoints.http.client_address import ClientAddresses

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
# The webhook inbox's next page (its body stays a list, as it always was).
NEXT_CURSOR = "X-Next-Cursor"


class AdminController(Controller):
    path = "/admin"
    guards = [admin_guard]
    tags = ["operator"]
    security = [{ADMIN_TOKEN: []}]

    @post("/products", status_code=201, summary="Create a product")
    async def create_product(
        self,
        data: JSONBody[s.ProductIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[CreateProduct],
        addresses: FromDishka[ClientAddresses],
    ) -> s.ProductOut:
        """Create a catalog product: own stock (`supplier: stock`, keys imported afterwards) or Kinguin
        (`supplierProductId` is Kinguin's product id). 409 when the SKU is taken."""
        product = await use_case.execute(
            CreateProductRequest(
                sku=data.sku,
                name=data.name,
                price=data.price,
                currency=data.currency,
                supplier=SupplierKind(data.supplier),
                supplier_product_id=data.supplier_product_id,
            ),
            automation_actor(request, addresses),
        )
        return presenters.product_out(product, for_operator=True)

    @post("/products/{product_id:str}/keys", status_code=201, summary="Import keys into stock")
    async def import_keys(
        self,
        product_id: FromPath[str],
        data: JSONBody[s.KeysIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[ImportStock],
        addresses: FromDishka[ClientAddresses],
    ) -> s.ImportOut:
        """Imports the keys it can; answers which lines it refused and why (never the key): a key the
        shop already holds or delivered, for any product, a repeat within the request, a blank or an
        overlong line. Sending the same keys again imports nothing."""
        result = await use_case.execute(product_id, list(data.keys), automation_actor(request, addresses))
        return s.ImportOut(
            imported=result.imported,
            available=result.available,
            refused=[s.RefusedLineOut(line=r.line, reason=r.reason.value) for r in result.refused],
        )

    @get("/orders", summary="List orders")
    async def list_orders(
        self,
        use_case: FromDishka[ListOrders],
        status: FromQuery[OrderStatus | None] = None,
        limit: Limit = 50,
    ) -> list[s.AdminOrderOut]:
        """The newest orders, optionally of one status."""
        return [presenters.admin_order_out(o) for o in await use_case.execute(status, limit)]

    @get("/orders/{order_id:str}", summary="One order in full")
    async def order_details(
        self, order_id: FromPath[str], use_case: FromDishka[GetOrderDetails]
    ) -> s.AdminOrderDetailOut:
        """One order with its items, payments, webhook deliveries, key metadata (never a key), delivery
        email and reveal audit trail."""
        return presenters.order_detail_out(await use_case.execute(order_id))

    @post("/orders/{order_id:str}/retry", status_code=202, summary="Retry fulfillment")
    async def retry(
        self,
        request: Request[Any, Any, Any],
        order_id: FromPath[str],
        use_case: FromDishka[RetryFulfillment],
        addresses: FromDishka[ClientAddresses],
    ) -> Response[dict[str, str]]:
        """Queue a failed order (or one held for the operator) for fulfilment again, audited. 409 with
        the reason when the retry would fail again: the order is not failed or held, an own-stock
        product has too few keys ("2 keys of GAME-1 needed, 0 in stock: import keys first"), or the
        product's supplier is not configured."""
        await use_case.execute(order_id, automation_actor(request, addresses))
        return Response({"orderId": order_id, "status": "queued"}, status_code=202)

    @get("/webhooks", summary="List webhook deliveries")
    async def webhooks(
        self,
        use_case: FromDishka[ListWebhookDeliveries],
        provider: FromQuery[WebhookProvider | None] = None,
        limit: Limit = 50,
        outcome: FromQuery[str | None] = None,
        received_from: Annotated[datetime | None, QueryParameter(name="receivedFrom")] = None,
        received_to: Annotated[datetime | None, QueryParameter(name="receivedTo")] = None,
        cursor: FromQuery[str | None] = None,
    ) -> Response[list[s.WebhookDeliveryOut]]:
        """The webhook inbox, newest first; of one `provider`, one `outcome`, received in
        [`receivedFrom`, `receivedTo`) when given. When more deliveries follow, the `X-Next-Cursor`
        header holds the cursor of the next page (pass it as `cursor`); a cursor this API did not
        give is a 400."""
        for moment in (received_from, received_to):
            if moment is not None and moment.tzinfo is None:
                raise InvalidValue("A date needs its time zone (such as Z).")
        page = await use_case.page(
            provider,
            limit,
            outcome=outcome,
            received_from=received_from,
            received_to=received_to,
            cursor=cursor,
        )
        headers = {NEXT_CURSOR: page.next} if page.next else {}
        return Response([presenters.webhook_delivery_out(d) for d in page.deliveries], headers=headers)

    @get("/webhooks/{delivery_id:str}", summary="One webhook delivery")
    async def webhook_delivery(
        self, delivery_id: FromPath[str], use_case: FromDishka[GetWebhookDelivery]
    ) -> s.WebhookDeliveryDetailOut:
        """One stored delivery with its body as text; never its signature header."""
        return presenters.webhook_delivery_detail_out(await use_case.execute(delivery_id))

    @post("/webhooks/{delivery_id:str}/replay", status_code=200, summary="Replay a webhook delivery")
    async def replay_webhook(
        self,
        request: Request[Any, Any, Any],
        delivery_id: FromPath[str],
        use_case: FromDishka[ReplayWebhook],
        addresses: FromDishka[ClientAddresses],
    ) -> s.WebhookDeliveryOut:
        """Run a stored delivery again through the same use case; answers the delivery recorded for
        the replay, with its outcome (`duplicate` when the payload was already handled). Audited
        (`webhook_replayed`) in the replay's transaction."""
        replayed = await use_case.execute(delivery_id, automation_actor(request, addresses))
        return presenters.webhook_delivery_out(replayed)
