"""The customer's order page (`OrderPageReader`) in one or two SQL statements, outside any unit of
work."""

from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bitloot.adapters.persistence.sqla.engine import read_only_engine
from bitloot.adapters.persistence.sqla.repositories.base import is_data_exception
from bitloot.adapters.persistence.sqla.tables.base import exact
from bitloot.adapters.persistence.sqla.tables.catalog import PRODUCTS
from bitloot.adapters.persistence.sqla.tables.orders import ORDER_ITEMS, ORDERS
from bitloot.adapters.persistence.sqla.tables.payments import PAYMENTS
from bitloot.application.ports.order_page import OrderPageLine, OrderPageView, PartialPayment
from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus

_ORDER: Select[Any] = (
    select(
        ORDERS.c.id,
        ORDERS.c.status,
        ORDERS.c.currency,
        ORDERS.c.payment_url,
        ORDERS.c.reveal_count,
        ORDERS.c.created_at,
        ORDERS.c.fulfilled_at,
        ORDER_ITEMS.c.id.label("item_id"),
        ORDER_ITEMS.c.product_id,
        ORDER_ITEMS.c.quantity,
        ORDER_ITEMS.c.unit_price,
        ORDER_ITEMS.c.currency.label("item_currency"),
        PRODUCTS.c.name.label("product_name"),
    )
    .select_from(
        ORDERS.outerjoin(ORDER_ITEMS, ORDER_ITEMS.c.order_id == ORDERS.c.id).outerjoin(
            PRODUCTS, PRODUCTS.c.id == ORDER_ITEMS.c.product_id
        )
    )
    .where(ORDERS.c.id == bindparam("order_id"))
    .order_by(ORDER_ITEMS.c.position)
)

_LATEST_PARTIAL: Select[Any] = (
    select(PAYMENTS.c.actually_paid, PAYMENTS.c.pay_amount, PAYMENTS.c.pay_currency)
    .where(
        PAYMENTS.c.order_id == bindparam("order_id"),
        PAYMENTS.c.status == PaymentStatus.PARTIALLY_PAID.value,
        PAYMENTS.c.outcome.in_([PaymentOutcome.APPLIED.value, PaymentOutcome.NO_CHANGE.value]),
    )
    .order_by(PAYMENTS.c.received_at.desc(), PAYMENTS.c.id.desc())
    .limit(1)
)


class SqlOrderPageReader:
    """On a read-only connection (`read_only_engine`): no transaction stays open."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = read_only_engine(engine)

    async def order_page(self, order_id: str) -> OrderPageView | None:
        try:
            async with self._engine.connect() as connection:
                return await _read(connection, order_id)
        except DBAPIError as exc:
            if is_data_exception(exc):
                return None  # an id no order can have (PostgreSQL refuses text with NUL, say)
            raise


async def _read(connection: AsyncConnection, order_id: str) -> OrderPageView | None:
    rows = (await connection.execute(_ORDER, {"order_id": order_id})).mappings().all()
    if not rows:
        return None
    first = rows[0]
    status = OrderStatus(first["status"])
    partial = None
    if status is OrderStatus.UNDERPAID:
        found = (await connection.execute(_LATEST_PARTIAL, {"order_id": order_id})).mappings().first()
        if found is not None:
            asked = found["pay_amount"]
            partial = PartialPayment(
                actually_paid=exact(found["actually_paid"]),
                pay_amount=None if asked is None else exact(asked),
                pay_currency=found["pay_currency"],
            )
    return OrderPageView(
        order_id=first["id"],
        status=status,
        currency=first["currency"],
        lines=tuple(
            OrderPageLine(
                product_id=row["product_id"],
                product_name=row["product_name"],
                quantity=row["quantity"],
                unit_price=Money(exact(row["unit_price"]), row["item_currency"]),
            )
            for row in rows
            if row["item_id"] is not None
        ),
        payment_url=first["payment_url"],
        reveal_count=first["reveal_count"],
        created_at=first["created_at"],
        fulfilled_at=first["fulfilled_at"],
        partial_payment=partial,
    )
