"""The email outbox: the delivery emails owed to customers (migration 0004). The table keeps the
name it was created with, `notification_outbox`; since migration 0012 an order may owe several
emails, one per dedupe key."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class DeliveryEmailRow(Base):
    """Emails owed to customers: one per dedupe key (what owes it), written with the change that owes it."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


EMAIL_OUTBOX = table_of(DeliveryEmailRow)
