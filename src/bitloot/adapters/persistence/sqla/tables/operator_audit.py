"""The operator audit log (migration 0009): one row per action an operator took."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class OperatorActionRow(Base):
    __tablename__ = "operator_actions"
    __table_args__ = (
        Index("ix_operator_actions_at", "at", "id"),
        Index("ix_operator_actions_target", "target_kind", "target_id"),
        Index("ix_operator_actions_operator", "operator_id", "at"),
    )
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_label: Mapped[str] = mapped_column(String(254))
    operator_id: Mapped[str | None] = mapped_column(Id)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)


OPERATOR_ACTIONS = table_of(OperatorActionRow)
