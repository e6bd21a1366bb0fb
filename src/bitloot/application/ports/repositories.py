"""Repositories. They read and stage writes inside the current unit of work; nothing is durable
before `UnitOfWork.commit()`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bitloot.domain.audit import RevealEvent
from bitloot.domain.keys import SealedKey, StockKey
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.product import Product
from bitloot.domain.request_context import NO_REQUEST, RequestContext
from bitloot.domain.stock import StockCounts, StockCursor, StockState, StockUnitView


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None: ...

    async def get(self, order_id: str) -> Order | None: ...

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """The orders of these ids that exist, by id, with their items; a fixed number of statements
        whatever the number of orders."""
        ...

    async def access_token_hash(self, order_id: str) -> str | None:
        """The stored hash of the order's access token; None when there is no such order. One
        statement whether or not the order exists, so checking a token costs the same for both."""
        ...

    async def save(self, order: Order) -> None:
        """Store a changed order and bump its version. Raises `ConcurrencyConflict`, now or at commit,
        when the stored version is no longer the one this order was read at."""
        ...

    async def save_many(self, orders: Sequence[Order]) -> None:
        """`save` for each of `orders` (distinct orders), in as few statements as the database allows.
        Raises `ConcurrencyConflict`, now or at commit, when any of them is stale; the caller then
        rolls back, and none of them is saved."""
        ...

    async def renew_lease(self, order_id: str, owner: str, expires_at: datetime) -> bool:
        """Extend the fulfilment lease `owner` holds on a `fulfilling` order to `expires_at` (the job's
        heartbeat). Touches nothing else and bumps no version, so the holder's own staged save still
        commits, while a take-over (a save) still makes the holder's stale save fail. False, and
        nothing changed, when `owner` does not hold the lease (another worker took the order over,
        or the lease was given back)."""
        ...

    async def list(self, status: OrderStatus | None, limit: int) -> Sequence[Order]: ...

    async def awaiting_payment(
        self, created_before: datetime, created_after: datetime, limit: int
    ) -> Sequence[Order]:
        """Orders still waiting for their money (`awaiting_payment` or `underpaid`) that carry a
        `payment_reference`, created strictly after `created_after` and strictly before
        `created_before`; oldest first (then by id), at most `limit`."""
        ...


class ProductRepository(Protocol):
    async def add(self, product: Product) -> None:
        """Raises `ConcurrencyConflict` (now or at commit) when the SKU is taken."""
        ...

    async def get(self, product_id: str) -> Product | None: ...

    async def get_by_sku(self, sku: str) -> Product | None: ...

    async def list(self) -> Sequence[Product]:
        """Every product with `available` counted from stock for own-stock products."""
        ...

    async def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]: ...

    async def set_supplier_availability(
        self, supplier_product_id: str, quantity: int, updated_at: datetime
    ) -> int:
        """Set `available` of the Kinguin products sold as `supplier_product_id` to what the supplier
        reported at `updated_at`; a report not newer than the last one applied changes nothing.
        Returns how many products changed."""
        ...

    async def save(self, product: Product) -> None:
        """Store the operator's changes of a stored product: name, price, listed, low-stock threshold
        and redemption (never its id, SKU or supplier, nor `available`)."""
        ...

    async def low_stock(self) -> Sequence[Product]:
        """Listed own-stock products whose available units are at or below their threshold, with
        `available` counted; by SKU. One query."""
        ...


@dataclass(frozen=True, slots=True)
class StockAllocation:
    """`quantity` units of `product_id` wanted for the order item `item_id`."""

    product_id: str
    order_id: str
    item_id: str
    quantity: int


class StockRepository(Protocol):
    async def add_many(self, keys: Sequence[StockKey]) -> None: ...

    async def count_available(self, product_id: str) -> int:
        """Units neither allocated nor withdrawn."""
        ...

    async def allocate(self, product_id: str, order_id: str, item_id: str, quantity: int) -> list[StockKey]:
        """Give `item_id` `quantity` units of `product_id`. Idempotent: units already allocated to the
        item are returned first, and only the missing ones are taken. Two transactions never take the
        same unit, and a withdrawn unit is never taken. Raises `OutOfStock` when too few are left."""
        ...

    async def allocate_many(self, wanted: Sequence[StockAllocation]) -> dict[str, list[StockKey]]:
        """`allocate` for each allocation (distinct items), by item id, in the open transaction. An
        item too few units are left for is left out of the answer and takes none (`allocate` for it
        alone raises `OutOfStock`); the others are allocated as `allocate` would."""
        ...

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[StockKey]:
        """Units whose data key is wrapped under another version than `active_version`, with an id
        greater than `after_id` (`""` for the first page); by id, at most `limit` (key rotation)."""
        ...

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        """Store the unit's rewrapped data key; False (nothing changed) unless it is still at
        `old_version`."""
        ...

    async def allocated(self, unit_id: str, item_id: str) -> StockKey | None:
        """The unit `unit_id` if it is allocated to `item_id` and not erased."""
        ...

    async def reassign(self, unit_id: str, from_item_id: str, to_item_id: str) -> bool:
        """Move a unit allocated to `from_item_id` (a key replacement's id) to `to_item_id` (the order
        item it was delivered to); False when it is not allocated to `from_item_id`."""
        ...

    async def erase(self, unit_id: str, item_id: str) -> bool:
        """Erase the wrapped data key (to empty bytes) of the unit allocated to `item_id` (key purge);
        False when there is no such unit or it is erased already. Rotation skips erased units."""
        ...

    async def units(
        self, product_id: str, state: StockState | None, after: StockCursor | None, limit: int
    ) -> list[StockUnitView]:
        """The product's units (of `state` when given), oldest first by (import time, id), strictly
        after `after` when given, at most `limit`."""
        ...

    async def views(self, unit_ids: Sequence[str]) -> dict[str, StockUnitView]:
        """The units of these ids that exist, by id, whatever their product."""
        ...

    async def counts(self, product_ids: Sequence[str] | None = None) -> dict[str, StockCounts]:
        """Units per state of each product that has any (of `product_ids` when given), in one query."""
        ...

    async def withdraw(
        self, product_id: str, unit_ids: Sequence[str], at: datetime, by: str, reason: str
    ) -> list[str]:
        """Withdraw those of `unit_ids` that are `product_id`'s and still available (not allocated, not
        withdrawn) at the moment of writing, and answer their ids. Race-free with `allocate`: a unit
        allocated meanwhile is not withdrawn, and `allocate` never hands out a withdrawn unit. The
        unit keeps its sealed blob and its fingerprint."""
        ...


class SealedKeyRepository(Protocol):
    async def add(self, key: SealedKey) -> bool:
        """Record a delivered key; False (and nothing written) when the item already holds a key from
        the same source key, or a key with the same id."""
        ...

    async def add_many(self, keys: Sequence[SealedKey]) -> set[str]:
        """`add` for each key, in one statement: the ids of the keys recorded (a key refused as `add`
        refuses it is left out, and nothing of it written)."""
        ...

    async def list_for_order(self, order_id: str) -> list[SealedKey]:
        """Every key of the order, revoked ones too (check `is_revoked`)."""
        ...

    async def get(self, key_id: str) -> SealedKey | None: ...

    async def revoke(self, key_id: str, reason: str, replaced_by: str, now: datetime) -> bool:
        """Mark the key revoked (docs/vault.md): kept, never revealed again. False when it is revoked
        already (nothing changed)."""
        ...

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[SealedKey]:
        """Keys not purged whose data key is wrapped under another version than `active_version`, with
        an id greater than `after_id` (`""` for the first page); by id, at most `limit` (key rotation)."""
        ...

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        """Store the key's rewrapped data key; False (nothing changed) unless it is still at `old_version`
        and not purged."""
        ...

    async def purgeable(self, cutoff: datetime, limit: int) -> list[SealedKey]:
        """Keys due for crypto-shredding: not purged yet, of an order fulfilled strictly before `cutoff`,
        and with at least one `revealed` audit event (of this very key) strictly before `cutoff`. By id,
        at most `limit`. A key never revealed is never returned."""
        ...

    async def mark_purged(self, key_id: str, now: datetime) -> bool:
        """Erase the wrapped data key (to empty bytes) and set `purged_at`; False when already purged."""
        ...


class PaymentRepository(Protocol):
    async def has(self, dedupe_key: str) -> bool: ...

    async def add(self, record: PaymentRecord) -> None:
        """Raises `ConcurrencyConflict` (now or at commit) when the dedupe key is already recorded."""
        ...

    async def list_for_order(self, order_id: str) -> list[PaymentRecord]: ...

    async def list_for_orders(self, order_ids: Sequence[str]) -> dict[str, list[PaymentRecord]]:
        """`list_for_order` of each order that has payments, in one statement."""
        ...

    async def list_recent(self, limit: int) -> list[PaymentRecord]: ...


class RevealAuditRepository(Protocol):
    async def add(self, event: RevealEvent) -> None: ...

    async def list_for_order(self, order_id: str) -> list[RevealEvent]: ...


class FulfillmentRequestRepository(Protocol):
    """The outbox: a request to fulfil an order, written in the transaction that marks it paid."""

    async def add(self, order_id: str, now: datetime, context: RequestContext = NO_REQUEST) -> None:
        """One request per order: adding it again (an operator's retry) opens it anew, under the
        context given (the request that opened it)."""
        ...

    async def contexts(self, order_ids: Sequence[str]) -> dict[str, RequestContext]:
        """The context each of these requests was opened under; a request not found is left out."""
        ...

    async def mark_dispatched(self, order_id: str, now: datetime) -> None:
        """Handed to the queue again by the reconciler at `now` (its grace starts anew); a request
        already done stays done. The first hand-over, right after the request is written, marks
        nothing: the write's own `updated_at` is that moment."""
        ...

    async def mark_done(self, order_id: str, now: datetime) -> None: ...

    async def mark_done_many(self, order_ids: Sequence[str], now: datetime) -> None:
        """`mark_done` for each order, in one statement."""
        ...

    async def pending(self, limit: int) -> list[str]:
        """Order ids whose request was written (or opened anew) and has not been re-queued by the
        reconciler nor done since, oldest first."""
        ...

    async def due(self, touched_before: datetime, now: datetime, limit: int) -> list[str]:
        """Order ids of requests not done that are untouched since `touched_before`, or whose order's
        fulfilment lease had lapsed by `now` (its worker died) without the request being touched
        since it lapsed; oldest first."""
        ...
