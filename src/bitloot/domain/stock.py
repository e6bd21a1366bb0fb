"""Own stock seen by the operator: the state of each unit, counts per state, low stock and the rules
of withdrawing (docs/stock-integrity.md). A view of a unit never holds its key or its envelope."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from bitloot.domain.errors import InvalidValue
from bitloot.domain.product import Product, SupplierKind

MAX_WITHDRAW_REASON: Final = 200
MAX_UNITS_PER_WITHDRAWAL: Final = 500


class StockState(StrEnum):
    # Not allocated, not withdrawn: the next order may get it.
    AVAILABLE = "available"
    # Allocated to an order item whose key is not delivered yet.
    RESERVED = "reserved"
    # Allocated and delivered to the customer.
    SOLD = "sold"
    # Taken off sale by an operator; never allocated again.
    WITHDRAWN = "withdrawn"


def stock_state(*, allocated: bool, delivered: bool, withdrawn: bool) -> StockState:
    """A unit's state from its facts. Withdrawn and allocated exclude each other (the store never
    sets both); a delivered unit is an allocated one whose key the item holds."""
    if withdrawn:
        return StockState.WITHDRAWN
    if not allocated:
        return StockState.AVAILABLE
    return StockState.SOLD if delivered else StockState.RESERVED


@dataclass(frozen=True, slots=True)
class StockUnitView:
    """One unit as the operator sees it: never the key."""

    id: str
    product_id: str
    state: StockState
    imported_at: datetime
    # The order it is reserved for or sold to.
    order_id: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StockCursor:
    """Where a page of units ends: the (import time, id) of its last unit, oldest first."""

    imported_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class StockCounts:
    available: int = 0
    reserved: int = 0
    sold: int = 0
    withdrawn: int = 0

    def of(self, state: StockState) -> int:
        return int(getattr(self, state.value))


@dataclass(frozen=True, slots=True)
class ProductStock:
    """A product with its own stock counted per state (all zero for a product of another supplier)."""

    product: Product
    counts: StockCounts

    @property
    def low(self) -> bool:
        """Low as `ListLowStock` says: a listed own-stock product with at most its threshold of
        available units (an unlisted product is not on sale; a Kinguin product's stock is Kinguin's)."""
        product = self.product
        return (
            product.supplier is SupplierKind.STOCK
            and product.listed
            and self.counts.available <= product.low_stock_threshold
        )


def withdraw_reason(reason: str) -> str:
    """The operator's reason, trimmed; 1 to `MAX_WITHDRAW_REASON` characters."""
    text = reason.strip()
    if not text or len(text) > MAX_WITHDRAW_REASON:
        raise InvalidValue(f"A withdrawal reason is 1 to {MAX_WITHDRAW_REASON} characters.")
    return text


def withdraw_refusal(unit: StockUnitView | None, product_id: str) -> str | None:
    """Why a unit cannot be withdrawn from `product_id` (what the operator reads), or None when it can.
    An unknown unit is answered like another product's: the id says nothing either way."""
    if unit is None or unit.product_id != product_id:
        return "not this product's"
    if unit.state is StockState.SOLD:
        return "already sold"
    if unit.state is StockState.RESERVED:
        return f"reserved for order {unit.order_id}"
    if unit.state is StockState.WITHDRAWN:
        return "already withdrawn"
    return None
