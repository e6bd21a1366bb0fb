"""The operator's products and stock (docs/http-api.md, docs/stock-integrity.md), behind the admin
token: every product with its stock per state, changing a product, a product's units page by page,
withdrawing units, and low stock. No answer carries a key."""

from http import HTTPStatus
from typing import Annotated, Any, TypeVar

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from bitloot.application import errors as app
from bitloot.application.use_cases.get_product_stock import GetProductStock
from bitloot.application.use_cases.list_low_stock import ListLowStock
from bitloot.application.use_cases.list_product_stock import ListProductStock
from bitloot.application.use_cases.list_stock_units import MAX_PAGE, ListStockUnits
from bitloot.application.use_cases.update_product import KEEP, Keep, UpdateProduct, UpdateProductRequest
from bitloot.application.use_cases.withdraw_stock import WithdrawStock, WithdrawStockRequest
from bitloot.domain.redemption import Redemption
from bitloot.domain.stock import StockState
from bitloot.entrypoints.http import admin_products_presenters as p
from bitloot.entrypoints.http import admin_products_schemas as s
from bitloot.entrypoints.http.actor import automation_actor
from bitloot.entrypoints.http.api_docs import ADMIN_TOKEN
from bitloot.entrypoints.http.auth import admin_guard
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.error_responses import DocumentedError, problem_responses

T = TypeVar("T")
PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]

UNKNOWN_PRODUCT = DocumentedError(HTTPStatus.NOT_FOUND, "No product has this id", "No such product.")
BAD_CHANGE = DocumentedError(
    HTTPStatus.BAD_REQUEST,
    "A value the product cannot take (a negative threshold, an activation URL that is not https)",
    "An activation URL is an https:// address of at most 500 characters.",
)
BAD_CURSOR = DocumentedError(
    HTTPStatus.BAD_REQUEST,
    "`after` is not a cursor this API wrote",
    "The `after` cursor is not one this API wrote.",
)
BAD_WITHDRAWAL = DocumentedError(
    HTTPStatus.BAD_REQUEST, "A blank or overlong reason", "A withdrawal reason is 1 to 200 characters."
)
LOST_RACE = DocumentedError(
    HTTPStatus.CONFLICT,
    "The product or its stock kept changing under concurrent writes: send it again",
    app.ConcurrencyConflict.message,
)


class AdminProductsController(Controller):
    path = "/admin"
    guards = [admin_guard]
    tags = ["operator"]
    security = [{ADMIN_TOKEN: []}]

    @get("/products", summary="List products with their stock")
    async def list_products(self, use_case: FromDishka[ListProductStock]) -> list[s.AdminProductOut]:
        """Every product, listed or not, by SKU: price, whether it is on sale, the low-stock
        threshold, the redemption instructions, and its own-stock units per state (available,
        reserved, sold, withdrawn)."""
        return [p.admin_product_out(stock) for stock in await use_case.execute()]

    @get(
        "/products/{product_id:str}",
        summary="One product with its stock",
        responses=problem_responses(UNKNOWN_PRODUCT),
    )
    async def product(
        self, product_id: FromPath[str], use_case: FromDishka[GetProductStock]
    ) -> s.AdminProductOut:
        """One product as in the list, with its units per state."""
        return p.admin_product_out(await use_case.execute(product_id))

    @patch(
        "/products/{product_id:str}",
        summary="Change a product",
        responses=problem_responses(UNKNOWN_PRODUCT, BAD_CHANGE, LOST_RACE),
    )
    async def change_product(
        self,
        product_id: FromPath[str],
        data: JSONBody[s.ProductPatchIn],
        request: Request[Any, Any, Any],
        update: FromDishka[UpdateProduct],
        read: FromDishka[GetProductStock],
        addresses: FromDishka[ClientAddresses],
    ) -> s.AdminProductOut:
        """Change the fields sent (name, price and currency, `listed`, `lowStockThreshold`,
        `redemption`); the SKU and the supplier never change. An unlisted product leaves the catalog
        and new orders for it are refused (409). Audited as `product_updated`, naming the fields that
        changed; a patch that changes nothing is not."""
        await update.execute(_update_request(product_id, data), automation_actor(request, addresses))
        return p.admin_product_out(await read.execute(product_id))

    @get(
        "/products/{product_id:str}/stock",
        summary="Page through a product's stock units",
        responses=problem_responses(UNKNOWN_PRODUCT, BAD_CURSOR),
    )
    async def stock_units(
        self,
        product_id: FromPath[str],
        use_case: FromDishka[ListStockUnits],
        # `state` is a reserved parameter name in Litestar: the query's `state` arrives here.
        unit_state: Annotated[StockState | None, QueryParameter(name="state")] = None,
        after: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> s.StockPageOut:
        """The product's units, oldest import first, of one `state` when given: id, state, import
        time, the order a reserved or sold unit belongs to, when, by whom and why a unit was
        withdrawn; never the key. Pass `next` as `after` for the following page."""
        cursor = None if after is None else p.decode_cursor(after)
        return p.stock_page_out(await use_case.execute(product_id, unit_state, cursor, limit))

    @post(
        "/products/{product_id:str}/stock/withdraw",
        status_code=200,
        summary="Withdraw stock units",
        responses=problem_responses(UNKNOWN_PRODUCT, BAD_WITHDRAWAL, LOST_RACE),
    )
    async def withdraw(
        self,
        product_id: FromPath[str],
        data: JSONBody[s.WithdrawIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[WithdrawStock],
        addresses: FromDishka[ClientAddresses],
    ) -> s.WithdrawOut:
        """Take available units off sale, with a reason; each unit is answered on its own: withdrawn,
        or refused ("already sold", "reserved for order <id>", "already withdrawn", "not this
        product's"). A unit an order takes at that very moment is refused, never both. A withdrawn
        key keeps its sealed blob and is never imported again. Audited as `stock_withdrawn`."""
        result = await use_case.execute(
            WithdrawStockRequest(product_id, list(data.unit_ids), data.reason),
            automation_actor(request, addresses),
        )
        return p.withdraw_out(result)

    @get("/stock/low", summary="Products low on stock")
    async def low_stock(self, use_case: FromDishka[ListLowStock]) -> list[s.LowStockOut]:
        """Listed own-stock products whose available units are at or below their low-stock
        threshold, by SKU."""
        return [p.low_stock_out(product) for product in await use_case.execute()]


def _update_request(product_id: str, data: s.ProductPatchIn) -> UpdateProductRequest:
    redemption = data.redemption
    return UpdateProductRequest(
        product_id,
        name=_kept(data.name),
        price=_kept(data.price),
        currency=_kept(data.currency),
        listed=_kept(data.listed),
        low_stock_threshold=_kept(data.low_stock_threshold),
        redemption=KEEP
        if isinstance(redemption, msgspec.UnsetType)
        else None
        if redemption is None
        else Redemption(redemption.platform, redemption.steps, redemption.activation_url),
    )


def _kept(value: T | msgspec.UnsetType) -> T | Keep:
    """A field the patch leaves out is kept."""
    return KEEP if isinstance(value, msgspec.UnsetType) else value
