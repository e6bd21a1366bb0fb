"""The fulfillment outbox: one request per order to fulfill."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

REQUEST_ID_LENGTH = 64
# A W3C traceparent of version 00 is 55 characters; room for a later version's.
TRACEPARENT_LENGTH = 128


class FulfillmentRequestRow(Base):
    """Written with the state change that makes an order fulfillable."""

    __tablename__ = "fulfillment_requests"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    # The request that opened it (`RequestContext`), carried again by a job the reconciler re-queues.
    request_id: Mapped[str | None] = mapped_column(String(REQUEST_ID_LENGTH), nullable=True)
    traceparent: Mapped[str | None] = mapped_column(String(TRACEPARENT_LENGTH), nullable=True)


FULFILLMENT_REQUESTS = table_of(FulfillmentRequestRow)
