"""Orders placed with Kinguin on behalf of our order items (docs/suppliers.md)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bitloot.domain.errors import InvalidValue

# Kinguin's limits: at most 9 units per product line and 10 product lines per order.
MAX_QTY_PER_LINE: Final = 9
MAX_LINES_PER_ORDER: Final = 10
MAX_UNITS_PER_ORDER: Final = MAX_QTY_PER_LINE * MAX_LINES_PER_ORDER

# Kinguin order statuses after which no (more) keys will ever come.
DEAD_STATUSES: Final = frozenset({"canceled", "cancelled", "refunded"})
COMPLETED: Final = "completed"


def split_quantity(quantity: int) -> list[int]:
    """The quantities of the product lines that buy `quantity` units of one product within Kinguin's
    limits (9 per line, 10 lines). Raises `InvalidValue` when one order cannot hold them."""
    if quantity < 1:
        raise InvalidValue("A Kinguin order buys at least one unit.")
    if quantity > MAX_UNITS_PER_ORDER:
        raise InvalidValue(
            f"Kinguin sells at most {MAX_UNITS_PER_ORDER} units of a product in one order "
            f"({MAX_LINES_PER_ORDER} lines of {MAX_QTY_PER_LINE}); this item asks for {quantity}."
        )
    full, rest = divmod(quantity, MAX_QTY_PER_LINE)
    return [MAX_QTY_PER_LINE] * full + ([rest] if rest else [])


@dataclass(slots=True)
class KinguinOrder:
    """The Kinguin order that supplies one of our order items (`orderExternalId` = `item_id`).

    `status` and `updated_at` are Kinguin's, as last applied: events arrive in any order, so a status
    is applied only when it is newer than the one held (`updated_at` None: no time known yet)."""

    item_id: str
    order_id: str
    kinguin_order_id: str
    status: str
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.kinguin_order_id or len(self.kinguin_order_id) > 64:
            raise InvalidValue("A Kinguin order id is 1 to 64 characters.")
        self.status = _status(self.status)

    @property
    def dead(self) -> bool:
        """Canceled or refunded at Kinguin: its keys will never come."""
        return self.status in DEAD_STATUSES

    def apply_status(self, status: str, updated_at: datetime) -> bool:
        """Take `status` if it is newer than what is held; False (nothing changed) for an older or
        repeated one."""
        if self.updated_at is not None and updated_at <= self.updated_at:
            return False
        self.status = _status(status)
        self.updated_at = updated_at
        return True


def _status(status: str) -> str:
    cleaned = status.strip().lower()[:32]
    return cleaned or "unknown"
