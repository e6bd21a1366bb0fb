"""Payments: every payment notification recorded, matched to an order or not."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Amount, Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class PaymentRow(Base):
    __tablename__ = "payments"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    # As the provider sent it; not a foreign key, since unmatched notifications are kept too.
    order_id: Mapped[str] = mapped_column(String(100), index=True)
    # Indexed (migration 0013): the operator searches orders by the provider's payment id.
    payment_id: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(24))
    actually_paid: Mapped[Decimal] = mapped_column(Amount)
    pay_currency: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
    # What the provider asked for, in `pay_currency` (migration 0014; null in older rows): with
    # `actually_paid`, how much an underpaid order still misses.
    pay_amount: Mapped[Decimal | None] = mapped_column(Amount)


PAYMENTS = table_of(PaymentRow)
