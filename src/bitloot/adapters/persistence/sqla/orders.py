"""Orders and their items."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, bindparam, insert, select, update

from bitloot.adapters.persistence.sqla.base import SqlRepository
from bitloot.adapters.persistence.sqla.mapping import (
    item_values,
    new_order_values,
    order_from_rows,
    order_values,
)
from bitloot.adapters.persistence.sqla.tables import ORDER_ITEMS, ORDERS
from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.lifecycle import OrderStatus
from bitloot.domain.order import Order

_ORDER = ORDERS
_ITEM = ORDER_ITEMS


class SqlaOrderRepository(SqlRepository):
    async def add(self, order: Order) -> None:
        order.version = 1
        await self._execute(insert(_ORDER).values(new_order_values(order)))
        await self._execute(insert(_ITEM), item_values(order))

    async def get(self, order_id: str) -> Order | None:
        found = await self._load(select(_ORDER).where(_ORDER.c.id == order_id))
        return found[0] if found else None

    async def access_token_hash(self, order_id: str) -> str | None:
        found = await self._execute(select(_ORDER.c.access_token_hash).where(_ORDER.c.id == order_id))
        token_hash: str | None = found.scalar_one_or_none()
        return token_hash

    async def save(self, order: Order) -> None:
        result = await self._execute(
            update(_ORDER)
            .where(_ORDER.c.id == order.id, _ORDER.c.version == order.version)
            .values(**order_values(order), version=order.version + 1)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict
        order.version += 1
        done = [{"item_id": item.id, "at": item.fulfilled_at} for item in order.items if item.is_fulfilled]
        if done:
            await self._execute(
                update(_ITEM)
                .where(_ITEM.c.id == bindparam("item_id"), _ITEM.c.fulfilled_at.is_(None))
                .values(fulfilled_at=bindparam("at")),
                done,
            )

    async def renew_lease(self, order_id: str, owner: str, expires_at: datetime) -> bool:
        """One UPDATE of one column. Run beside the holder's open transaction: on PostgreSQL it waits
        for the row lock the holder's staged save took (then re-checks the owner), on SQLite for the
        write lock; either way it commits after the holder and never bumps the version the holder's
        save is checked against."""
        result = await self._execute(
            update(_ORDER)
            .where(
                _ORDER.c.id == order_id,
                _ORDER.c.lease_owner == owner,
                _ORDER.c.status == OrderStatus.FULFILLING.value,
            )
            .values(lease_expires_at=expires_at)
        )
        return bool(result.rowcount == 1)

    async def list(self, status: OrderStatus | None, limit: int) -> Sequence[Order]:
        query = select(_ORDER).order_by(_ORDER.c.created_at.desc(), _ORDER.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(_ORDER.c.status == status.value)
        return await self._load(query)

    async def awaiting_payment(
        self, created_before: datetime, created_after: datetime, limit: int
    ) -> Sequence[Order]:
        query = (
            select(_ORDER)
            .where(
                _ORDER.c.status.in_([OrderStatus.AWAITING_PAYMENT.value, OrderStatus.UNDERPAID.value]),
                _ORDER.c.payment_reference.is_not(None),
                _ORDER.c.created_at > created_after,
                _ORDER.c.created_at < created_before,
            )
            .order_by(_ORDER.c.created_at, _ORDER.c.id)
            .limit(limit)
        )
        return await self._load(query)

    async def _load(self, query: Select[Any]) -> builtins.list[Order]:
        """The orders of `query` with all their items: two queries, whatever the number of orders."""
        rows = (await self._execute(query)).mappings().all()
        if not rows:
            return []
        item_query = (
            select(_ITEM)
            .where(_ITEM.c.order_id.in_([row["id"] for row in rows]))
            .order_by(_ITEM.c.order_id, _ITEM.c.position)
        )
        by_order: dict[str, list[RowMapping]] = {}
        for item in (await self._execute(item_query)).mappings():
            by_order.setdefault(item["order_id"], []).append(item)
        return [order_from_rows(row, by_order.get(row["id"], [])) for row in rows]
