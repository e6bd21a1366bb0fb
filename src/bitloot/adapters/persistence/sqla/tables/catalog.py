"""The catalog: products, and the units of own stock imported for them (each one a sealed envelope)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Amount, Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.envelope import SealedEnvelopeColumns
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class ProductRow(Base):
    __tablename__ = "products"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(12))
    supplier: Mapped[str] = mapped_column(String(16))
    supplier_product_id: Mapped[str | None] = mapped_column(String(64))
    supplier_available: Mapped[int] = mapped_column(default=0)
    # The supplier's time of the availability held (Kinguin's `updatedAt`); older reports are ignored.
    supplier_updated_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)
    # Migration 0011: on sale or not, the low-stock threshold, how to redeem (domain/redemption.py).
    listed: Mapped[bool] = mapped_column(default=True, server_default=true())
    low_stock_threshold: Mapped[int] = mapped_column(default=5, server_default="5")
    redemption_platform: Mapped[str | None] = mapped_column(String(40))
    redemption_steps: Mapped[str | None] = mapped_column(String(2000))
    redemption_url: Mapped[str | None] = mapped_column(String(500))


class StockKeyRow(SealedEnvelopeColumns, Base):
    """A unit of own stock; `order_id` and `item_id` are set once it is allocated, the `withdrawn_*`
    columns (migration 0011) once an operator withdrew it; never both."""

    __tablename__ = "stock_keys"
    __table_args__ = (
        Index("ix_stock_keys_free", "product_id", "item_id", "id"),
        # The operator's pages of a product's units, oldest first, and the counts per state.
        Index("ix_stock_keys_product_created", "product_id", "created_at", "id"),
        Index("ix_stock_keys_product_state", "product_id", "withdrawn_at", "item_id"),
    )
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    order_id: Mapped[str | None] = mapped_column(Id)
    item_id: Mapped[str | None] = mapped_column(Id, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)
    withdrawn_by: Mapped[str | None] = mapped_column(String(320))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(200))


PRODUCTS = table_of(ProductRow)
STOCK_KEYS = table_of(StockKeyRow)
