"""Operators and their console sessions (migration 0010). A session row holds the SHA-256 of the
cookie's secret, never the secret."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class OperatorRow(Base):
    __tablename__ = "operators"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    password_changed_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)


class ConsoleSessionRow(Base):
    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_operator", "operator_id", "revoked_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    operator_id: Mapped[str] = mapped_column(Id, ForeignKey("operators.id"))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    last_seen_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)


OPERATORS = table_of(OperatorRow)
CONSOLE_SESSIONS = table_of(ConsoleSessionRow)
