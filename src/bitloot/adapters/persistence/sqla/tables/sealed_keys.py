"""Sealed keys: the keys delivered to order items, whatever supplied them (migrations 0001, 0006, 0012)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.envelope import SealedEnvelopeColumns
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class SealedKeyRow(SealedEnvelopeColumns, Base):
    """Unique per item and source key: of two workers that raced on one item, the record written first
    decides which blob is the key."""

    __tablename__ = "sealed_keys"
    __table_args__ = (UniqueConstraint("item_id", "source_key_id", name="uq_sealed_keys_item_source"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("order_items.id"))
    product_id: Mapped[str] = mapped_column(Id)
    source_key_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    # Migration 0006: set when `bitloot keys purge` crypto-shredded the key (blob gone, wrapped key erased).
    purged_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)
    # Migration 0012: set when the operator replaced the key (docs/vault.md); never revealed again.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)
    revoke_reason: Mapped[str | None] = mapped_column(String(300))
    replaced_by: Mapped[str | None] = mapped_column(Id)


SEALED_KEYS = table_of(SealedKeyRow)
