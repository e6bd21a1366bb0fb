"""The fulfillment outbox: one request per order to fulfill."""

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, table_of


class FulfillmentRequestRow(Base):
    """Written with the state change that makes an order fulfillable."""

    __tablename__ = "fulfillment_requests"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


FULFILLMENT_REQUESTS = table_of(FulfillmentRequestRow)
