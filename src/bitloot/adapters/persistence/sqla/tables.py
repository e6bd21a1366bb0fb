"""The schema. Repositories query these tables with SQLAlchemy Core: rows map to domain entities by hand,
so the domain stays free of the ORM and no identity map goes stale between transactions."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = String(36)


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(20, 8) on PostgreSQL; text on SQLite, whose NUMERIC is a double and keeps only about
    15 significant digits."""

    impl = Numeric(20, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, 8))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


Amount = ExactDecimal()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


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


class OrderRow(Base):
    __tablename__ = "orders"
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


class StockKeyRow(Base):
    __tablename__ = "stock_keys"
    __table_args__ = (Index("ix_stock_keys_free", "product_id", "item_id", "id"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    # Indexed by migration 0008: the orphan blob sweeper asks which paths a row names.
    blob_path: Mapped[str] = mapped_column(String(200), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int]
    blob_sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    order_id: Mapped[str | None] = mapped_column(Id)
    item_id: Mapped[str | None] = mapped_column(Id, index=True)


class SealedKeyRow(Base):
    __tablename__ = "sealed_keys"
    __table_args__ = (UniqueConstraint("item_id", "source_key_id", name="uq_sealed_keys_item_source"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("order_items.id"))
    product_id: Mapped[str] = mapped_column(Id)
    source_key_id: Mapped[str] = mapped_column(String(100))
    # Indexed by migration 0008: the orphan blob sweeper asks which paths a row names.
    blob_path: Mapped[str] = mapped_column(String(200), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int]
    blob_sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    # Migration 0006: set when `bitloot keys purge` crypto-shredded the key (blob gone, wrapped key erased).
    purged_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)


class PaymentRow(Base):
    __tablename__ = "payments"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    # As the provider sent it; not a foreign key, since unmatched notifications are kept too.
    order_id: Mapped[str] = mapped_column(String(100), index=True)
    payment_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(24))
    actually_paid: Mapped[Decimal] = mapped_column(Amount)
    pay_currency: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)


class RevealEventRow(Base):
    __tablename__ = "reveal_events"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(Id)
    key_id: Mapped[str] = mapped_column(Id)
    channel: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(24))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)


class FulfillmentRequestRow(Base):
    """The outbox: written with the state change that makes an order fulfillable."""

    __tablename__ = "fulfillment_requests"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    if not isinstance(table, Table):  # pragma: no cover - every model here maps one table
        raise TypeError(model)
    return table


PRODUCTS = _table(ProductRow)
ORDERS = _table(OrderRow)
ORDER_ITEMS = _table(OrderItemRow)
STOCK_KEYS = _table(StockKeyRow)
SEALED_KEYS = _table(SealedKeyRow)
PAYMENTS = _table(PaymentRow)
REVEAL_EVENTS = _table(RevealEventRow)
FULFILLMENT_REQUESTS = _table(FulfillmentRequestRow)

# Tables kept in modules of their own, imported here so the metadata holds every table.
from bitloot.adapters.persistence.sqla import tables_webhooks  # noqa: E402, F401, I001
from bitloot.adapters.persistence.sqla import tables_kinguin  # noqa: E402, F401
from bitloot.adapters.persistence.sqla import tables_email  # noqa: E402, F401
from bitloot.adapters.persistence.sqla import tables_fingerprints  # noqa: E402, F401
