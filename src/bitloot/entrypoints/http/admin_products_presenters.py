"""Stock-care results to response bodies, and the stock pages' cursor (admin_products.py)."""

import base64
import binascii
from datetime import datetime

from bitloot.application.use_cases.list_stock_units import StockUnitPage
from bitloot.application.use_cases.withdraw_stock import WithdrawResult
from bitloot.domain.errors import InvalidValue
from bitloot.domain.product import Product
from bitloot.domain.stock import ProductStock, StockCursor, StockUnitView
from bitloot.entrypoints.http import admin_products_schemas as s
from bitloot.entrypoints.http.presenters import amount


def admin_product_out(stock: ProductStock) -> s.AdminProductOut:
    product, counts = stock.product, stock.counts
    redemption = product.redemption
    return s.AdminProductOut(
        id=product.id,
        sku=product.sku,
        name=product.name,
        price=amount(product.price.amount),
        currency=product.price.currency,
        supplier=product.supplier.value,
        supplier_product_id=product.supplier_product_id,
        listed=product.listed,
        low_stock_threshold=product.low_stock_threshold,
        available=product.available,
        stock=s.StockCountsOut(
            available=counts.available, reserved=counts.reserved, sold=counts.sold, withdrawn=counts.withdrawn
        ),
        redemption=None
        if redemption is None
        else s.RedemptionOut(
            platform=redemption.platform, steps=redemption.steps, activation_url=redemption.activation_url
        ),
    )


def stock_unit_out(unit: StockUnitView) -> s.StockUnitOut:
    return s.StockUnitOut(
        id=unit.id,
        product_id=unit.product_id,
        state=unit.state.value,
        imported_at=unit.imported_at,
        order_id=unit.order_id,
        withdrawn_at=unit.withdrawn_at,
        withdrawn_by=unit.withdrawn_by,
        withdrawn_reason=unit.withdrawn_reason,
    )


def stock_page_out(page: StockUnitPage) -> s.StockPageOut:
    return s.StockPageOut(
        units=[stock_unit_out(unit) for unit in page.units],
        next=None if page.next is None else encode_cursor(page.next),
    )


def withdraw_out(result: WithdrawResult) -> s.WithdrawOut:
    return s.WithdrawOut(
        withdrawn=result.withdrawn,
        available=result.available,
        units=[
            s.UnitWithdrawalOut(unit_id=u.unit_id, outcome="withdrawn")
            if u.withdrawn
            else s.UnitWithdrawalOut(unit_id=u.unit_id, outcome="refused", reason=u.refusal)
            for u in result.units
        ],
    )


def low_stock_out(product: Product) -> s.LowStockOut:
    return s.LowStockOut(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        available=product.available,
        low_stock_threshold=product.low_stock_threshold,
    )


def encode_cursor(cursor: StockCursor) -> str:
    """Opaque to the client: the last unit's import time and id, base64url."""
    raw = f"{cursor.imported_at.isoformat()}|{cursor.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> StockCursor:
    """A cursor `encode_cursor` wrote; anything else is `InvalidValue` (a 400)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        at, _, unit_id = raw.partition("|")
        imported_at = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidValue("The `after` cursor is not one this API wrote.") from exc
    if not unit_id or imported_at.utcoffset() is None:
        raise InvalidValue("The `after` cursor is not one this API wrote.")
    return StockCursor(imported_at, unit_id)
