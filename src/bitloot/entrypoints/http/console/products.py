"""`/console/products`: every product with its stock per state, creating one (owners); one product's
page: changing it, importing keys from a pasted list or a file, its units by state in keyset pages,
withdrawing units (owners). The same use cases as the `/admin` API (docs/http-api.md,
docs/stock-integrity.md), audited as the signed-in operator. No page ever shows a key."""

from typing import Any, Final
from urllib.parse import urlencode

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from bitloot.application.errors import ConcurrencyConflict, Conflict, NotFound, Unavailable
from bitloot.application.use_cases.create_product import CreateProduct
from bitloot.application.use_cases.get_product_stock import GetProductStock
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.application.use_cases.list_product_stock import ListProductStock
from bitloot.application.use_cases.list_stock_units import ListStockUnits
from bitloot.application.use_cases.update_product import UpdateProduct
from bitloot.application.use_cases.withdraw_stock import WithdrawStock, WithdrawStockRequest
from bitloot.domain.errors import BitLootError, InvalidValue, Refusal
from bitloot.domain.operators import Permission
from bitloot.domain.stock import StockState
from bitloot.entrypoints.http.admin_products_presenters import decode_cursor, encode_cursor
from bitloot.entrypoints.http.console import products_forms as f
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.rendering import render

PRODUCTS: Final = "/console/products"
PRODUCT: Final = PRODUCTS + "/{product_id:str}"
PAGE: Final = 50
STATES: Final = [s.value for s in StockState]
# `?stock=low`: only the products low on stock (`ProductStock.low`, the overview's count).
LOW: Final = "low"
STOCK_FILTERS: Final = (None, LOW)
LOW_STOCK: Final = f"{PRODUCTS}?stock={LOW}"


def _status(error: BitLootError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | ConcurrencyConflict):
        return 409
    return 503 if isinstance(error, Unavailable) else 400


def _problem(
    request: Request[Any, Any, Any], console: SignedIn, error: BitLootError, back: str
) -> Response[str]:
    """A refusal as a page: what the operator reads, and the way back; a 4xx (503 for an outage)."""
    heading = "Not found" if isinstance(error, NotFound) else "Not done"
    context = {"title": heading, "heading": heading, "message": str(error), "back": back}
    return render(
        request, "console/products_problem.html.j2", context, console=console, status_code=_status(error)
    )


async def _list(
    request: Request[Any, Any, Any],
    console: SignedIn,
    stock: ListProductStock,
    *,
    error: str | None = None,
    form: Any = None,
    status_code: int = 200,
) -> Response[str]:
    every = [f.product_row(s) for s in await stock.execute()]
    shown = request.query_params.get("stock") or None
    if shown not in STOCK_FILTERS:
        shown = None
        error = error or "Show all products, or those low on stock (stock=low)."
        status_code = 400
    values = {k: f.field(form, k) for k in ("sku", "name", "price", "currency", "supplier_product_id")}
    context = {
        "title": "Products low on stock" if shown == LOW else "Products",
        "rows": [row for row in every if row.low] if shown == LOW else every,
        "stock": shown,
        "total": len(every),
        "low_count": sum(1 for row in every if row.low),
        "all_href": PRODUCTS,
        "low_href": LOW_STOCK,
        "error": error,
        "may_create": console.may(Permission.CREATE_PRODUCT),
        "form": values | {"currency": values["currency"] or "EUR", "supplier": f.field(form, "supplier")},
    }
    return render(request, "console/products.html.j2", context, console=console, status_code=status_code)


@get(PRODUCTS, summary="Console products page", include_in_schema=False)
async def products_page(
    request: Request[Any, Any, Any], console: SignedIn, stock: FromDishka[ListProductStock]
) -> Response[str]:
    """Every product, listed or not, by SKU: price, supplier, units per state, the low-stock
    threshold and a "low" marker; `stock=low` lists only those low on stock. Owners get the form to
    create one."""
    return await _list(request, console, stock)


@post(PRODUCTS, summary="Create a product", include_in_schema=False)
async def create_product(
    request: Request[Any, Any, Any],
    console: SignedIn,
    use_case: FromDishka[CreateProduct],
    stock: FromDishka[ListProductStock],
) -> Response[Any]:
    """Creates a product (`sku`, `name`, `price`, `currency`, `supplier`, `supplier_product_id`) and
    opens its page; a taken SKU or a bad value shows the form again with the reason."""
    console.require(Permission.CREATE_PRODUCT)
    form = await request.form()
    try:
        product = await use_case.execute(f.create_request(form), console.actor)
    except Refusal as exc:
        return await _list(request, console, stock, error=str(exc), form=form, status_code=_status(exc))
    return Redirect(f"{PRODUCTS}/{product.id}?done=product-created", status_code=303)


async def _named(read: GetProductStock, product_id: str) -> dict[str, str]:
    """The product an import or a withdrawal was for, named on its report."""
    product = (await read.execute(product_id)).product
    return {"sku": product.sku, "name": product.name}


def _units_link(product_id: str, state: str | None, after: str | None = None) -> str:
    query = {k: v for k, v in (("state", state), ("after", after)) if v}
    return f"{PRODUCTS}/{product_id}" + (f"?{urlencode(query)}" if query else "")


async def _product(
    request: Request[Any, Any, Any],
    console: SignedIn,
    product_id: FromPath[str],
    read: GetProductStock,
    units: ListStockUnits,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    chosen = request.query_params.get("state") or None
    after = request.query_params.get("after") or None
    try:
        state = None if chosen is None else StockState(chosen)
    except ValueError:
        state = None
        chosen = None
        error = error or f"Show units of one state: {', '.join(STATES)}."
        status_code = 400
    try:
        stock = await read.execute(product_id)
        cursor = None if after is None else decode_cursor(after)
        page = await units.execute(product_id, state, cursor, PAGE)
    except Refusal as exc:
        back = PRODUCTS if isinstance(exc, NotFound) else _units_link(product_id, chosen)
        return _problem(request, console, exc, back)
    row = f.product_row(stock)
    context = {
        "title": f"{row.sku}: {row.name}",
        "product": row,
        "units": [f.unit_row(u) for u in page.units],
        "state": chosen,
        "states": [{"name": s, "href": _units_link(product_id, s), "count": getattr(row, s)} for s in STATES],
        "all_href": _units_link(product_id, None),
        "first_href": _units_link(product_id, chosen) if after else None,
        "next_href": None if page.next is None else _units_link(product_id, chosen, encode_cursor(page.next)),
        "may_update": console.may(Permission.UPDATE_PRODUCT),
        "may_import": console.may(Permission.IMPORT_STOCK) and row.own_stock,
        "may_withdraw": console.may(Permission.WITHDRAW_STOCK),
        "max_upload_kib": f.MAX_UPLOAD_BYTES // 1024,
        "error": error,
    }
    return render(request, "console/product.html.j2", context, console=console, status_code=status_code)


@get(PRODUCT, summary="Console product page", include_in_schema=False)
async def product_page(
    request: Request[Any, Any, Any],
    console: SignedIn,
    product_id: FromPath[str],
    read: FromDishka[GetProductStock],
    units: FromDishka[ListStockUnits],
) -> Response[str]:
    """One product: its details and stock per state, its units (of one `state`, 50 a page, `after`
    the cursor of the "Next page" link); owners get the edit, import and withdraw forms."""
    return await _product(request, console, product_id, read, units)


@post(PRODUCT, summary="Change a product", include_in_schema=False)
async def update_product(
    request: Request[Any, Any, Any],
    console: SignedIn,
    product_id: FromPath[str],
    use_case: FromDishka[UpdateProduct],
    read: FromDishka[GetProductStock],
    units: FromDishka[ListStockUnits],
) -> Response[Any]:
    """Changes name, price, currency, listed, the low-stock threshold and the redemption
    instructions; audited naming the fields that changed. A bad value shows the page again with the
    reason, nothing changed."""
    console.require(Permission.UPDATE_PRODUCT)
    form = await request.form()
    try:
        updated = await use_case.execute(f.update_request(product_id, form), console.actor)
    except NotFound as exc:
        return _problem(request, console, exc, PRODUCTS)
    except (Refusal, ConcurrencyConflict) as exc:
        return await _product(
            request, console, product_id, read, units, error=str(exc), status_code=_status(exc)
        )
    done = "product-updated" if updated.changed else "product-unchanged"
    return Redirect(f"{PRODUCTS}/{product_id}?done={done}", status_code=303)


@post(PRODUCT + "/import", summary="Import keys into stock", include_in_schema=False)
async def import_stock(
    request: Request[Any, Any, Any],
    console: SignedIn,
    product_id: FromPath[str],
    use_case: FromDishka[ImportStock],
    read: FromDishka[GetProductStock],
) -> Response[str]:
    """Imports the keys pasted into `keys` (one a line) or sent as the file `file`, and shows the
    report: how many were imported, which lines were refused and why; never a key."""
    console.require(Permission.IMPORT_STOCK)
    back = f"{PRODUCTS}/{product_id}"
    try:
        lines = await f.import_lines(await request.form())
        result = await use_case.execute(product_id, lines, console.actor)
    except (Refusal, ConcurrencyConflict, Unavailable) as exc:
        return _problem(request, console, exc, back)
    context = {
        "title": "Import report",
        "back": back,
        **await _named(read, product_id),
        **f.import_report(result),
    }
    return render(request, "console/products_import_report.html.j2", context, console=console)


@post(PRODUCT + "/withdraw", summary="Withdraw stock units", include_in_schema=False)
async def withdraw_stock(
    request: Request[Any, Any, Any],
    console: SignedIn,
    product_id: FromPath[str],
    use_case: FromDishka[WithdrawStock],
    read: FromDishka[GetProductStock],
) -> Response[str]:
    """Withdraws the units ticked (`unit`, repeated) with the `reason` given, and shows each unit's
    outcome: withdrawn, or why not."""
    console.require(Permission.WITHDRAW_STOCK)
    back = f"{PRODUCTS}/{product_id}"
    form = await request.form()
    unit_ids = [u[:64] for u in form.getall("unit", []) if isinstance(u, str)]
    try:
        if not unit_ids:
            raise InvalidValue("Tick the units to withdraw.")
        result = await use_case.execute(
            WithdrawStockRequest(product_id, unit_ids, f.field(form, "reason")), console.actor
        )
    except (Refusal, ConcurrencyConflict) as exc:
        return _problem(request, console, exc, back)
    context = {
        "title": "Withdrawal",
        "back": back,
        **await _named(read, product_id),
        **f.withdrawal_report(result),
    }
    return render(request, "console/products_withdrawal.html.j2", context, console=console)
