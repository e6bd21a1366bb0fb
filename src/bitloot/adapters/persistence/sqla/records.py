"""Append-mostly records: sealed keys, payments, reveal audit events and the fulfilment outbox."""

from datetime import datetime
from typing import Any

from sqlalchemy import Insert, and_, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bitloot.adapters.persistence.sqla.base import SqlRepository
from bitloot.adapters.persistence.sqla.mapping import (
    payment_from_row,
    reveal_from_row,
    reveal_values,
    sealed_key_from_row,
)
from bitloot.adapters.persistence.sqla.tables import (
    FULFILLMENT_REQUESTS,
    ORDERS,
    PAYMENTS,
    REVEAL_EVENTS,
    SEALED_KEYS,
)
from bitloot.domain.audit import RevealEvent
from bitloot.domain.keys import SealedKey
from bitloot.domain.payment import PaymentRecord

_KEY = SEALED_KEYS
_PAYMENT = PAYMENTS
_REVEAL = REVEAL_EVENTS
_REQUEST = FULFILLMENT_REQUESTS

PENDING, DISPATCHED, DONE = "pending", "dispatched", "done"
REVEALED = "revealed"  # `RevealOutcome.REVEALED` as stored


class _Upserting(SqlRepository):
    def _insert(self, table: Any) -> Insert:
        """An INSERT that can take ON CONFLICT, in the dialect of this session."""
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)


class SqlaSealedKeyRepository(_Upserting):
    async def add(self, key: SealedKey) -> bool:
        values = {name: getattr(key, name) for name in _KEY.c.keys()}  # noqa: SIM118
        statement = self._insert(_KEY).values(values).on_conflict_do_nothing()  # type: ignore[attr-defined]
        result = await self._execute(statement)
        return bool(result.rowcount == 1)

    async def list_for_order(self, order_id: str) -> list[SealedKey]:
        query = select(_KEY).where(_KEY.c.order_id == order_id).order_by(_KEY.c.id)
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[SealedKey]:
        query = (
            select(_KEY)
            .where(_KEY.c.purged_at.is_(None), _KEY.c.key_version != active_version, _KEY.c.id > after_id)
            .order_by(_KEY.c.id)
            .limit(limit)
        )
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        result = await self._execute(
            update(_KEY)
            .where(_KEY.c.id == key_id, _KEY.c.key_version == old_version, _KEY.c.purged_at.is_(None))
            .values(wrapped_key=wrapped_key, key_version=key_version)
        )
        return bool(result.rowcount == 1)

    async def purgeable(self, cutoff: datetime, limit: int) -> list[SealedKey]:
        revealed = (
            select(_REVEAL.c.id)
            .where(_REVEAL.c.key_id == _KEY.c.id, _REVEAL.c.outcome == REVEALED, _REVEAL.c.at < cutoff)
            .exists()
        )
        query = (
            select(_KEY)
            .join(ORDERS, ORDERS.c.id == _KEY.c.order_id)
            .where(_KEY.c.purged_at.is_(None), ORDERS.c.fulfilled_at < cutoff, revealed)
            .order_by(_KEY.c.id)
            .limit(limit)
        )
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def mark_purged(self, key_id: str, now: datetime) -> bool:
        result = await self._execute(
            update(_KEY)
            .where(_KEY.c.id == key_id, _KEY.c.purged_at.is_(None))
            .values(wrapped_key=b"", purged_at=now)
        )
        return bool(result.rowcount == 1)


class SqlaPaymentRepository(SqlRepository):
    async def has(self, dedupe_key: str) -> bool:
        query = select(_PAYMENT.c.id).where(_PAYMENT.c.dedupe_key == dedupe_key)
        return (await self._execute(query)).first() is not None

    async def add(self, record: PaymentRecord) -> None:
        values = {name: getattr(record, name) for name in _PAYMENT.c.keys()}  # noqa: SIM118
        values.update(status=record.status.value, outcome=record.outcome.value)
        await self._execute(insert(_PAYMENT).values(values))

    async def list_for_order(self, order_id: str) -> list[PaymentRecord]:
        query = (
            select(_PAYMENT)
            .where(_PAYMENT.c.order_id == order_id)
            .order_by(_PAYMENT.c.received_at, _PAYMENT.c.id)
        )
        return [payment_from_row(row) for row in (await self._execute(query)).mappings()]

    async def list_recent(self, limit: int) -> list[PaymentRecord]:
        query = select(_PAYMENT).order_by(_PAYMENT.c.received_at.desc(), _PAYMENT.c.id.desc()).limit(limit)
        return [payment_from_row(row) for row in (await self._execute(query)).mappings()]


class SqlaRevealAuditRepository(SqlRepository):
    async def add(self, event: RevealEvent) -> None:
        await self._execute(insert(_REVEAL).values(reveal_values(event)))

    async def list_for_order(self, order_id: str) -> list[RevealEvent]:
        query = select(_REVEAL).where(_REVEAL.c.order_id == order_id).order_by(_REVEAL.c.at, _REVEAL.c.id)
        return [reveal_from_row(row) for row in (await self._execute(query)).mappings()]


class SqlaFulfillmentRequestRepository(_Upserting):
    async def add(self, order_id: str, now: datetime) -> None:
        statement = self._insert(_REQUEST).values(order_id=order_id, state=PENDING, updated_at=now)
        await self._execute(
            statement.on_conflict_do_update(  # type: ignore[attr-defined]
                index_elements=["order_id"], set_={"state": PENDING, "updated_at": now}
            )
        )

    async def mark_dispatched(self, order_id: str, now: datetime) -> None:
        await self._set_state(order_id, DISPATCHED, now, unless=DONE)

    async def mark_done(self, order_id: str, now: datetime) -> None:
        await self._set_state(order_id, DONE, now)

    async def pending(self, limit: int) -> list[str]:
        query = (
            select(_REQUEST.c.order_id)
            .where(_REQUEST.c.state == PENDING)
            .order_by(_REQUEST.c.updated_at, _REQUEST.c.order_id)
            .limit(limit)
        )
        return list((await self._execute(query)).scalars())

    async def due(self, touched_before: datetime, now: datetime, limit: int) -> list[str]:
        """One query: the open requests (by the index on `state`), each joined to its order by
        primary key for the lease."""
        lease_expires_at = ORDERS.c.lease_expires_at
        query = (
            select(_REQUEST.c.order_id)
            .join(ORDERS, ORDERS.c.id == _REQUEST.c.order_id)
            .where(
                _REQUEST.c.state.in_([PENDING, DISPATCHED]),
                or_(
                    _REQUEST.c.updated_at < touched_before,
                    and_(lease_expires_at <= now, _REQUEST.c.updated_at < lease_expires_at),
                ),
            )
            .order_by(_REQUEST.c.updated_at, _REQUEST.c.order_id)
            .limit(limit)
        )
        return list((await self._execute(query)).scalars())

    async def _set_state(self, order_id: str, state: str, now: datetime, unless: str | None = None) -> None:
        statement = update(_REQUEST).where(_REQUEST.c.order_id == order_id)
        if unless is not None:
            statement = statement.where(_REQUEST.c.state != unless)
        await self._execute(statement.values(state=state, updated_at=now))
