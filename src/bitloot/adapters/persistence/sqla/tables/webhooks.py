"""The webhook inbox: every authenticated delivery from a provider (migration 0002)."""

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class WebhookDeliveryRow(Base):
    """Every authenticated delivery as received, with what handling it did. Not keyed to orders: a
    delivery may name an order we do not know (outcome `unmatched`)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_provider_received_at", "provider", "received_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(Text)
    raw_body: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str | None] = mapped_column(Text)
    signature_valid: Mapped[bool]
    dedupe_key: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(Text, index=True)
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
    replayed_from: Mapped[str | None] = mapped_column(Id)


WEBHOOK_DELIVERIES = table_of(WebhookDeliveryRow)
