"""Key reports and key replacements (migration 0012, docs/stock-integrity.md).

`open_key_id` holds the reported key while a report is open and is NULL once it is resolved; its
unique index makes "at most one open report per key" a database fact. `live_key_id` does the same for
replacements: the old key while its replacement is requested or done, NULL once it failed."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class KeyReportRow(Base):
    __tablename__ = "key_reports"
    __table_args__ = (Index("ix_key_reports_status", "status", "created_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(Id)
    sealed_key_id: Mapped[str] = mapped_column(ForeignKey("sealed_keys.id"))
    open_key_id: Mapped[str | None] = mapped_column(Id, unique=True)
    message: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolution_note: Mapped[str | None] = mapped_column(String(300))


class KeyReplacementRow(Base):
    __tablename__ = "key_replacements"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(Id)
    product_id: Mapped[str] = mapped_column(Id)
    old_key_id: Mapped[str] = mapped_column(ForeignKey("sealed_keys.id"), index=True)
    live_key_id: Mapped[str | None] = mapped_column(Id, unique=True)
    reason: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(16), index=True)
    report_id: Mapped[str | None] = mapped_column(Id)
    new_key_id: Mapped[str | None] = mapped_column(Id)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


KEY_REPORTS = table_of(KeyReportRow)
KEY_REPLACEMENTS = table_of(KeyReplacementRow)
