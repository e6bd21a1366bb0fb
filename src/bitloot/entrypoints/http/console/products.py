"""`/console/products`: every product with its stock per state, creating one (owners); one product's
page: changing it, importing keys from a pasted list or a file, its units by state in keyset pages,
withdrawing units (owners). The same use cases as the `/admin` API (docs/http-api.md,
docs/stock-integrity.md), audited as the signed-in operator. No page ever shows a key."""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Final
from urllib.parse import urlencode

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.params import FromPath

from bitloot.application.errors import ConcurrencyConflict, NotFound, Unavailable
from bitloot.application.use_cases.create_product import CreateProduct
from bitloot.application.use_cases.get_product_stock import GetProductStock
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.application.use_cases.list_product_stock import ListProductStock
from bitloot.application.use_cases.list_stock_units import ListStockUnits
from bitloot.application.use_cases.update_product import ProductUpdated, UpdateProduct
from bitloot.application.use_cases.withdraw_stock import WithdrawStock, WithdrawStockRequest
from bitloot.domain.errors import BitLootError, InvalidValue, Refusal
from bitloot.domain.operators import Permission
from bitloot.domain.stock import StockState
from bitloot.entrypoints.http.admin_products_presenters import decode_cursor, encode_cursor
from bitloot.entrypoints.http.console import products_forms as f
from bitloot.entrypoints.http.console.actions import act
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.refusals import refusal_status
from bitloot.entrypoints.http.console.rendering import render

PRODUCTS: Final = "/console/products"
PRODUCT: Final = PRODUCTS + "/{product_id:str}"
PAGE: Final = 50
STATES: Final = [s.value for s in StockState]
# `?stock=low`: only the products low on stock (`ProductStock.low`, the overview's count).
LOW: Final = "low"
STOCK_FILTERS: Final = (None, LOW)
LOW_STOCK: Final = f"{PRODUCTS}?stock={LOW}"


async def _problem(
    request: Request[Any, Any, Any], console: SignedIn, back: str, *, error: str, status_code: int
) -> Response[str]:
    """A refusal as a page: what the operator reads, and the way back; a 4xx (503 for an outage)."""
    heading = "Not found" if status_code == 404 else "Not done"
    context = {"title": heading, "heading": heading, "message": error, "back": back}
    return render(
        request, "console/products_problem.html.j2", context, console=console, status_code=status_code
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
    form = await request.form()
    return await act(
        console,
        Permission.CREATE_PRODUCT,
        lambda: use_case.execute(f.create_request(form), console.actor),
        refused=partial(_list, request, console, stock, form=form),
        then=lambda product: f"{PRODUCTS}/{product.id}?done=product-created",
    )


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
        return await _problem(request, console, back, error=str(exc), status_code=refusal_status(exc))
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
    form = await request.form()

    async def refused(*, error: str, status_code: int) -> Response[str]:
        if status_code == 404:  # no such product: no page to show again
            return await _problem(request, console, PRODUCTS, error=error, status_code=status_code)
        return await _product(request, console, product_id, read, units, error=error, status_code=status_code)

    return await act(
        console,
        Permission.UPDATE_PRODUCT,
        lambda: use_case.execute(f.update_request(product_id, form), console.actor),
        refused=refused,
        then=lambda updated: f"{PRODUCTS}/{product_id}?done={_saved(updated)}",
        catching=(Refusal, ConcurrencyConflict),
    )


def _saved(updated: ProductUpdated) -> str:
    return "product-updated" if updated.changed else "product-unchanged"


def _stock_report(
    request: Request[Any, Any, Any],
    console: SignedIn,
    read: GetProductStock,
    product_id: str,
    permission: Permission,
    run: Callable[[], Awaitable[dict[str, Any]]],
    *,
    title: str,
    template: str,
    catching: tuple[type[BitLootError], ...],
) -> Awaitable[Response[Any]]:
    """A stock action on the product (import, withdraw): its report, naming the product, or why it
    was refused; both with the way back to the product."""
    back = f"{PRODUCTS}/{product_id}"

    async def report() -> dict[str, Any]:
        done = await run()
        return {"title": title, "back": back, **await _named(read, product_id), **done}

    return act(
        console,
        permission,
        report,
        refused=partial(_problem, request, console, back),
        then=lambda context: render(request, template, context, console=console),
        catching=catching,
    )


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

    async def imported() -> dict[str, Any]:
        lines = await f.import_lines(await request.form())
        return f.import_report(await use_case.execute(product_id, lines, console.actor))

    return await _stock_report(
        request,
        console,
        read,
        product_id,
        Permission.IMPORT_STOCK,
        imported,
        title="Import report",
        template="console/products_import_report.html.j2",
        catching=(Refusal, ConcurrencyConflict, Unavailable),
    )


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

    async def withdrawn() -> dict[str, Any]:
        form = await request.form()
        unit_ids = [u[:64] for u in form.getall("unit", []) if isinstance(u, str)]
        if not unit_ids:
            raise InvalidValue("Tick the units to withdraw.")
        withdraw = WithdrawStockRequest(product_id, unit_ids, f.field(form, "reason"))
        return f.withdrawal_report(await use_case.execute(withdraw, console.actor))

    return await _stock_report(
        request,
        console,
        read,
        product_id,
        Permission.WITHDRAW_STOCK,
        withdrawn,
        title="Withdrawal",
        template="console/products_withdrawal.html.j2",
        catching=(Refusal, ConcurrencyConflict),
    )
