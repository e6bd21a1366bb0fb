"""The order aggregate: orders (migrations 0001, 0003) and their items."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Amount, Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class OrderRow(Base):
    __tablename__ = "orders"
    # Migration 0013: the operator's order search pages by (created_at, id) (docs/console.md).
    __table_args__ = (Index("ix_orders_created_at_id", "created_at", "id"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    currency: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(24), index=True)
    access_token_hash: Mapped[str] = mapped_column(String(64))
    payment_url: Mapped[str | None] = mapped_column(Text)
    # The provider's invoice id (migration 0003); the payment reconciler asks about it.
    payment_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)
    reveal_count: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)


class OrderItemRow(Base):
    __tablename__ = "order_items"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(12))
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)


ORDERS = table_of(OrderRow)
# Migration 0013: the operator's order search matches an email ignoring case.
Index("ix_orders_email_lower", func.lower(ORDERS.c.email))
ORDER_ITEMS = table_of(OrderItemRow)
