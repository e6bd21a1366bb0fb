"""The Kinguin orders placed for our order items (migration 0005)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class KinguinOrderRow(Base):
    """The Kinguin order placed for one order item (`orderExternalId` = `item_id`), recorded as soon as
    it is known to exist, so a retry never places a second one."""

    __tablename__ = "kinguin_orders"
    item_id: Mapped[str] = mapped_column(ForeignKey("order_items.id"), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    kinguin_order_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    # Kinguin's `updatedAt` of the status held; None until Kinguin reported one.
    updated_at: Mapped[datetime | None] = mapped_column(DateTimeUTC)


KINGUIN_ORDERS = table_of(KinguinOrderRow)
