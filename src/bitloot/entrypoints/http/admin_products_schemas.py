"""The JSON shapes of the operator's products-and-stock API (admin_products.py, docs/http-api.md).
None carries a key or an envelope."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from bitloot.domain.product import MAX_LOW_STOCK_THRESHOLD
from bitloot.domain.redemption import MAX_PLATFORM, MAX_STEPS, MAX_URL
from bitloot.domain.stock import MAX_UNITS_PER_WITHDRAWAL, MAX_WITHDRAW_REASON
from bitloot.entrypoints.http.schemas import Amount, Id, RequestSchema, Schema

Threshold = Annotated[int, msgspec.Meta(ge=0, le=MAX_LOW_STOCK_THRESHOLD)]


class RedemptionOut(Schema):
    platform: str
    steps: str
    activation_url: str | None


class StockCountsOut(Schema):
    """Own-stock units per state; all zero for a Kinguin product."""

    available: int
    reserved: int
    sold: int
    withdrawn: int


class AdminProductOut(Schema):
    id: str
    sku: str
    name: str
    price: Amount
    currency: str
    supplier: str
    supplier_product_id: str | None
    listed: bool
    low_stock_threshold: int
    # What the catalog shows: free own-stock units, or Kinguin's last reported quantity.
    available: int
    stock: StockCountsOut
    redemption: RedemptionOut | None


class RedemptionIn(RequestSchema, frozen=True):
    platform: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PLATFORM)]
    steps: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_STEPS)]
    # https only.
    activation_url: Annotated[str, msgspec.Meta(max_length=MAX_URL)] | None = None


class ProductPatchIn(RequestSchema, frozen=True):
    """Only the fields sent change; `redemption: null` removes the instructions. SKU and supplier
    cannot change (an unknown field is a 400). `currency` alone re-prices the same amount."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    price: Decimal | msgspec.UnsetType = msgspec.UNSET
    currency: Annotated[str, msgspec.Meta(min_length=2, max_length=12)] | msgspec.UnsetType = msgspec.UNSET
    listed: bool | msgspec.UnsetType = msgspec.UNSET
    low_stock_threshold: Threshold | msgspec.UnsetType = msgspec.UNSET
    redemption: RedemptionIn | msgspec.UnsetType | None = msgspec.UNSET


class StockUnitOut(Schema):
    """One unit of own stock, never its key. `orderId` when reserved or sold; `withdrawn*` when
    withdrawn."""

    id: str
    product_id: str
    state: Literal["available", "reserved", "sold", "withdrawn"]
    imported_at: datetime
    order_id: str | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None


class StockPageOut(Schema):
    units: list[StockUnitOut]
    # Pass as `after` for the next page; null on the last page.
    next: str | None


class WithdrawIn(RequestSchema, frozen=True):
    unit_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=MAX_UNITS_PER_WITHDRAWAL)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_WITHDRAW_REASON)]


class UnitWithdrawalOut(Schema):
    """`reason` of a refusal: "already sold", "reserved for order <id>", "already withdrawn", "not
    this product's"."""

    unit_id: str
    outcome: Literal["withdrawn", "refused"]
    reason: str | None = None


class WithdrawOut(Schema):
    withdrawn: int
    # Free units of the product afterwards.
    available: int
    units: list[UnitWithdrawalOut]


class LowStockOut(Schema):
    product_id: str
    sku: str
    name: str
    available: int
    low_stock_threshold: int
