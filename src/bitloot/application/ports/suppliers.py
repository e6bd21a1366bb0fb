"""Where keys come from."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bitloot.domain.keys import KeyMaterial
from bitloot.domain.product import Product, SupplierKind


@dataclass(frozen=True, slots=True)
class SupplyRequest:
    order_id: str
    item_id: str
    product: Product
    quantity: int


@dataclass(frozen=True, slots=True)
class SuppliedKey:
    """A key for one unit. `key_id` is stable: asking again for the same item gives the same ids."""

    key_id: str
    material: KeyMaterial
    # True when the shop's fingerprints already cover the key (own stock: fingerprinted at import);
    # otherwise its fingerprint is recorded when it is delivered, and a key delivered before is held.
    fingerprinted: bool = False


class KeySupplier(Protocol):
    """Obtains the keys of one order item. Idempotent on `request.item_id`: a second call after a
    crash or a redelivered job returns the same keys and never buys or allocates new ones."""

    kind: SupplierKind

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        """The item's keys. Commits the unit of work it shares with the caller: what it takes for
        the item (stock units allocated to it, the supplier's order placed for it) is recorded in a
        transaction of its own before it answers, and no transaction stays open while a supplier is
        called; so the caller stages nothing before calling it, and starts a new transaction after.

        Raises `OutOfStock` or `SupplierRefused` when the item can never be supplied this way,
        `KeysNotReady` when the supplier's keys are still pending, `SupplierUnavailable` or
        `StorageUnavailable` in an outage, and `KeyIntegrityError` for a stock unit that fails to
        open."""
        ...


class BatchKeySupplier(KeySupplier, Protocol):
    """A supplier that also obtains the keys of several items at once (own stock: one transaction
    allocates for all of them, and their blobs are read concurrently)."""

    async def obtain_many(self, requests: Sequence[SupplyRequest]) -> dict[str, list[SuppliedKey]]:
        """`obtain` for each request (distinct items), by item id, committing as `obtain` does. An
        item it cannot supply now, for whatever reason `obtain` would raise, is left out: `obtain`
        for it alone says why. Raises only what concerns them all (the database is gone, say)."""
        ...
