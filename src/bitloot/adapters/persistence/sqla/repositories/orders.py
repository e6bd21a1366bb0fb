"""Orders and their items (the `OrderRepository` port), and how their rows map to an `Order`."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.base import exact
from bitloot.adapters.persistence.sqla.tables.orders import ORDER_ITEMS, ORDERS
from bitloot.adapters.persistence.sqla.tables.utc_datetime import in_utc
from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.money import Money
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.order_status import OrderStatus


class SqlaOrderRepository(SqlRepository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # Per order, the version it was read or saved at and its items fulfilled then: `save` writes
        # only the items fulfilled since. (Valid only at that version: the save's version check
        # refuses a stale order before any item is written.)
        self._known: dict[str, tuple[int, frozenset[str]]] = {}

    async def add(self, order: Order) -> None:
        order.version = 1
        await self._execute(_INSERT_ORDER, _new_order_values(order))
        await self._execute(_INSERT_ITEMS, _item_values(order))

    async def get(self, order_id: str) -> Order | None:
        """One statement: the order joined with its items."""
        rows = (await self._execute(_ORDER_WITH_ITEMS, {"order_id": order_id})).mappings().all()
        if not rows:
            return None
        items = [_unprefixed(row) for row in rows if row[f"{_ITEM}id"] is not None]
        return self._remember(_order_from_rows(rows[0], items))

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """One statement: the orders joined with their items."""
        if not order_ids:
            return {}
        rows = (await self._execute(_ORDERS_WITH_ITEMS, {"order_ids": list(order_ids)})).mappings().all()
        by_order: dict[str, list[RowMapping]] = {}
        for row in rows:
            by_order.setdefault(row["id"], []).append(row)
        return {
            order_id: self._remember(
                _order_from_rows(found[0], [_unprefixed(r) for r in found if r[f"{_ITEM}id"] is not None])
            )
            for order_id, found in by_order.items()
        }

    async def access_token_hash(self, order_id: str) -> str | None:
        found = await self._execute(select(ORDERS.c.access_token_hash).where(ORDERS.c.id == order_id))
        token_hash: str | None = found.scalar_one_or_none()
        return token_hash

    async def save(self, order: Order) -> None:
        result = await self._execute(
            _SAVE, {**_order_values(order), "saved_id": order.id, "saved_version": order.version}
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict
        done = self._newly_fulfilled(order)
        order.version += 1
        self._remember(order)
        await self._write_fulfilled(done)

    async def save_many(self, orders: Sequence[Order]) -> None:
        """On PostgreSQL one UPDATE of all the orders (their values as arrays, `unnest`ed), checked by
        the ids it returns, then one of their newly fulfilled items; elsewhere `save` for each."""
        if self._dialect != "postgresql" or len(orders) < 2:
            for order in orders:
                await self.save(order)
            return
        try:
            saved = set((await self._execute(_SAVE_MANY, _columns_of(orders))).scalars())
        except DBAPIError as exc:
            # Two batches saving some of the same orders in another order: one of them is refused,
            # as a stale save would be.
            if str(getattr(exc.orig, "sqlstate", None) or "") == _DEADLOCK:
                raise ConcurrencyConflict from exc
            raise
        if len(saved) != len(orders):
            raise ConcurrencyConflict
        done: builtins.list[dict[str, Any]] = []
        for order in orders:
            done += self._newly_fulfilled(order)
            order.version += 1
            self._remember(order)
        await self._write_fulfilled(done)

    def _newly_fulfilled(self, order: Order) -> builtins.list[dict[str, Any]]:
        """The items of `order` (at the version it is being saved from) fulfilled since it was read."""
        known_version, known_done = self._known.get(order.id, (None, frozenset()))
        already = known_done if known_version == order.version else frozenset()
        return [
            {"item_id": item.id, "at": item.fulfilled_at}
            for item in order.items
            if item.is_fulfilled and item.id not in already
        ]

    async def _write_fulfilled(self, done: builtins.list[dict[str, Any]]) -> None:
        if done:
            await self._execute(
                update(ORDER_ITEMS)
                .where(ORDER_ITEMS.c.id == bindparam("item_id"), ORDER_ITEMS.c.fulfilled_at.is_(None))
                .values(fulfilled_at=bindparam("at")),
                done,
            )

    async def renew_lease(self, order_id: str, owner: str, expires_at: datetime) -> bool:
        """One UPDATE of one column. Run beside the holder's open transaction: on PostgreSQL it waits
        for the row lock the holder's staged save took (then re-checks the owner), on SQLite for the
        write lock; either way it commits after the holder and never bumps the version the holder's
        save is checked against."""
        result = await self._execute(
            update(ORDERS)
            .where(
                ORDERS.c.id == order_id,
                ORDERS.c.lease_owner == owner,
                ORDERS.c.status == OrderStatus.FULFILLING.value,
            )
            .values(lease_expires_at=expires_at)
        )
        return bool(result.rowcount == 1)

    async def list(self, status: OrderStatus | None, limit: int) -> Sequence[Order]:
        query = select(ORDERS).order_by(ORDERS.c.created_at.desc(), ORDERS.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(ORDERS.c.status == status.value)
        return await self._load(query)

    async def awaiting_payment(
        self, created_before: datetime, created_after: datetime, limit: int
    ) -> Sequence[Order]:
        query = (
            select(ORDERS)
            .where(
                ORDERS.c.status.in_([OrderStatus.AWAITING_PAYMENT.value, OrderStatus.UNDERPAID.value]),
                ORDERS.c.payment_reference.is_not(None),
                ORDERS.c.created_at > created_after,
                ORDERS.c.created_at < created_before,
            )
            .order_by(ORDERS.c.created_at, ORDERS.c.id)
            .limit(limit)
        )
        return await self._load(query)

    async def _load(self, query: Select[Any]) -> builtins.list[Order]:
        """The orders of `query` with all their items: two queries, whatever the number of orders."""
        rows = (await self._execute(query)).mappings().all()
        if not rows:
            return []
        item_query = (
            select(ORDER_ITEMS)
            .where(ORDER_ITEMS.c.order_id.in_([row["id"] for row in rows]))
            .order_by(ORDER_ITEMS.c.order_id, ORDER_ITEMS.c.position)
        )
        by_order: dict[str, list[Mapping[str, Any]]] = {}
        for item in (await self._execute(item_query)).mappings():
            by_order.setdefault(item["order_id"], []).append(item)
        return [self._remember(_order_from_rows(row, by_order.get(row["id"], []))) for row in rows]

    def _remember(self, order: Order) -> Order:
        self._known[order.id] = (order.version, frozenset(i.id for i in order.items if i.is_fulfilled))
        return order


_ITEM = "item_"
_ORDER_WITH_ITEMS = (
    select(ORDERS, *(column.label(f"{_ITEM}{column.name}") for column in ORDER_ITEMS.c))
    .select_from(ORDERS.outerjoin(ORDER_ITEMS, ORDER_ITEMS.c.order_id == ORDERS.c.id))
    .where(ORDERS.c.id == bindparam("order_id"))
    .order_by(ORDER_ITEMS.c.position)
)
_ORDERS_WITH_ITEMS = (
    select(ORDERS, *(column.label(f"{_ITEM}{column.name}") for column in ORDER_ITEMS.c))
    .select_from(ORDERS.outerjoin(ORDER_ITEMS, ORDER_ITEMS.c.order_id == ORDERS.c.id))
    .where(ORDERS.c.id.in_(bindparam("order_ids", expanding=True)))
    .order_by(ORDERS.c.id, ORDER_ITEMS.c.position)
)

_DEADLOCK = "40P01"
# `save` of many orders in one statement: each of the mutable columns (`_order_values`) an array.
_SAVE_MANY = text(
    """
    UPDATE orders AS o SET
        status = v.status, payment_url = v.payment_url, payment_reference = v.payment_reference,
        updated_at = v.updated_at, fulfilled_at = v.fulfilled_at, failure_reason = v.failure_reason,
        lease_owner = v.lease_owner, lease_expires_at = v.lease_expires_at,
        reveal_count = v.reveal_count, version = o.version + 1
    FROM unnest(
        CAST(:id AS varchar[]), CAST(:version AS integer[]), CAST(:status AS varchar[]),
        CAST(:payment_url AS text[]), CAST(:payment_reference AS varchar[]),
        CAST(:updated_at AS timestamptz[]), CAST(:fulfilled_at AS timestamptz[]),
        CAST(:failure_reason AS varchar[]), CAST(:lease_owner AS varchar[]),
        CAST(:lease_expires_at AS timestamptz[]), CAST(:reveal_count AS integer[])
    ) AS v(id, version, status, payment_url, payment_reference, updated_at, fulfilled_at,
           failure_reason, lease_owner, lease_expires_at, reveal_count)
    WHERE o.id = v.id AND o.version = v.version
    RETURNING o.id
    """
)


def _columns_of(orders: Sequence[Order]) -> dict[str, builtins.list[Any]]:
    """The parameters of `_SAVE_MANY`: per column, the orders' values in order."""
    rows = [_order_values(order) for order in orders]
    columns: dict[str, builtins.list[Any]] = {
        "id": [order.id for order in orders],
        "version": [order.version for order in orders],
    }
    for name in rows[0]:
        values = [row[name] for row in rows]
        columns[name] = [in_utc(value) for value in values] if name in _TIMESTAMPS else values
    return columns


_TIMESTAMPS = frozenset({"updated_at", "fulfilled_at", "lease_expires_at"})


def _unprefixed(row: RowMapping) -> dict[str, Any]:
    """An item's columns of a row of `_ORDER_WITH_ITEMS`, by their own names."""
    return {column.name: row[f"{_ITEM}{column.name}"] for column in ORDER_ITEMS.c}


def _order_from_rows(row: RowMapping, items: Sequence[Mapping[str, Any]]) -> Order:
    return Order(
        id=row["id"],
        email=row["email"],
        currency=row["currency"],
        items=[_item_from_row(item) for item in items],
        access_token_hash=row["access_token_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=OrderStatus(row["status"]),
        payment_url=row["payment_url"],
        payment_reference=row["payment_reference"],
        fulfilled_at=row["fulfilled_at"],
        failure_reason=row["failure_reason"],
        lease_owner=row["lease_owner"],
        lease_expires_at=row["lease_expires_at"],
        reveal_count=row["reveal_count"],
        version=row["version"],
    )


def _item_from_row(row: Mapping[str, Any]) -> OrderItem:
    return OrderItem(
        id=row["id"],
        product_id=row["product_id"],
        quantity=row["quantity"],
        unit_price=Money(exact(row["unit_price"]), row["currency"]),
        fulfilled_at=row["fulfilled_at"],
    )


# Built once: a statement built per call cost more CPU than its round trip (SQLAlchemy makes each
# value a bound parameter and the statement's cache key anew every time).
_INSERT_ORDER = insert(ORDERS)
_INSERT_ITEMS = insert(ORDER_ITEMS)
_MUTABLE = (
    "status",
    "payment_url",
    "payment_reference",
    "updated_at",
    "fulfilled_at",
    "failure_reason",
    "lease_owner",
    "lease_expires_at",
    "reveal_count",
)
_SAVE = (
    update(ORDERS)
    .where(ORDERS.c.id == bindparam("saved_id"), ORDERS.c.version == bindparam("saved_version"))
    .values({**{name: bindparam(name) for name in _MUTABLE}, "version": bindparam("saved_version") + 1})
)


def _order_values(order: Order) -> dict[str, Any]:
    """The mutable columns of an order (everything but id and creation facts)."""
    return {
        "status": order.status.value,
        "payment_url": order.payment_url,
        "payment_reference": order.payment_reference,
        "updated_at": order.updated_at,
        "fulfilled_at": order.fulfilled_at,
        "failure_reason": order.failure_reason,
        "lease_owner": order.lease_owner,
        "lease_expires_at": order.lease_expires_at,
        "reveal_count": order.reveal_count,
    }


def _new_order_values(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "email": order.email,
        "currency": order.currency,
        "access_token_hash": order.access_token_hash,
        "created_at": order.created_at,
        "version": order.version,
        **_order_values(order),
    }


def _item_values(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "order_id": order.id,
            "position": position,
            "product_id": item.product_id,
            "quantity": item.quantity,
            "unit_price": item.unit_price.amount,
            "currency": item.unit_price.currency,
            "fulfilled_at": item.fulfilled_at,
        }
        for position, item in enumerate(order.items)
    ]
