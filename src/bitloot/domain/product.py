"""Catalog products and where their keys come from."""

from dataclasses import dataclass
from enum import StrEnum

from bitloot.domain.errors import InvalidValue
from bitloot.domain.money import Money
from bitloot.domain.redemption import Redemption

DEFAULT_LOW_STOCK_THRESHOLD = 5
MAX_LOW_STOCK_THRESHOLD = 100_000


class SupplierKind(StrEnum):
    STOCK = "stock"
    KINGUIN = "kinguin"


@dataclass(slots=True)
class Product:
    id: str
    sku: str
    name: str
    price: Money
    supplier: SupplierKind
    supplier_product_id: str | None = None
    # Units in stock; for a Kinguin product, the last quantity Kinguin reported.
    available: int = 0
    # On sale: an unlisted product is not in the catalog and cannot be ordered.
    listed: bool = True
    # Own stock at or below this many available units is low (docs/stock-integrity.md).
    low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD
    redemption: Redemption | None = None

    def __post_init__(self) -> None:
        if not self.sku.strip() or len(self.sku) > 64:
            raise InvalidValue("A SKU is 1 to 64 characters.")
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidValue("A product name is 1 to 200 characters.")
        if self.supplier is SupplierKind.KINGUIN and not self.supplier_product_id:
            raise InvalidValue("A Kinguin product needs its supplierProductId.")
        if not 0 <= self.low_stock_threshold <= MAX_LOW_STOCK_THRESHOLD:
            raise InvalidValue(f"A low-stock threshold is 0 to {MAX_LOW_STOCK_THRESHOLD}.")
