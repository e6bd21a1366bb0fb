"""The reveal audit: every attempt to reveal a delivered key, with its outcome and client."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


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


REVEAL_EVENTS = table_of(RevealEventRow)
