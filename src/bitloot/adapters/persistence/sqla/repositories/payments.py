"""Payments (the `PaymentRepository` port): the payment notifications recorded, and how a row maps to
a `PaymentRecord`."""

from collections.abc import Sequence

from sqlalchemy import RowMapping, bindparam, insert, select

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.base import exact
from bitloot.adapters.persistence.sqla.tables.payments import PAYMENTS
from bitloot.domain.payment import PaymentOutcome, PaymentRecord, PaymentStatus


class SqlaPaymentRepository(SqlRepository):
    async def has(self, dedupe_key: str) -> bool:
        return (await self._execute(_HAS, {"dedupe_key": dedupe_key})).first() is not None

    async def add(self, record: PaymentRecord) -> None:
        values = {name: getattr(record, name) for name in PAYMENTS.c.keys()}  # noqa: SIM118
        values.update(status=record.status.value, outcome=record.outcome.value)
        await self._execute(_ADD, values)

    async def list_for_order(self, order_id: str) -> list[PaymentRecord]:
        query = (
            select(PAYMENTS)
            .where(PAYMENTS.c.order_id == order_id)
            .order_by(PAYMENTS.c.received_at, PAYMENTS.c.id)
        )
        return [_from_row(row) for row in (await self._execute(query)).mappings()]

    async def list_for_orders(self, order_ids: Sequence[str]) -> dict[str, list[PaymentRecord]]:
        if not order_ids:
            return {}
        query = (
            select(PAYMENTS)
            .where(PAYMENTS.c.order_id.in_(list(order_ids)))
            .order_by(PAYMENTS.c.received_at, PAYMENTS.c.id)
        )
        found: dict[str, list[PaymentRecord]] = {}
        for row in (await self._execute(query)).mappings():
            found.setdefault(row["order_id"], []).append(_from_row(row))
        return found

    async def list_recent(self, limit: int) -> list[PaymentRecord]:
        query = select(PAYMENTS).order_by(PAYMENTS.c.received_at.desc(), PAYMENTS.c.id.desc()).limit(limit)
        return [_from_row(row) for row in (await self._execute(query)).mappings()]


# Built once (the IPN's statements): see orders.py.
_HAS = select(PAYMENTS.c.id).where(PAYMENTS.c.dedupe_key == bindparam("dedupe_key"))
_ADD = insert(PAYMENTS)


def _from_row(row: RowMapping) -> PaymentRecord:
    return PaymentRecord(
        id=row["id"],
        provider=row["provider"],
        dedupe_key=row["dedupe_key"],
        order_id=row["order_id"],
        payment_id=row["payment_id"],
        status=PaymentStatus(row["status"]),
        outcome=PaymentOutcome(row["outcome"]),
        actually_paid=exact(row["actually_paid"]),
        pay_currency=row["pay_currency"],
        received_at=row["received_at"],
        pay_amount=None if row["pay_amount"] is None else exact(row["pay_amount"]),
    )
