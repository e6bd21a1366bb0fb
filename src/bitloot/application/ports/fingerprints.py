"""The record of key fingerprints (docs/stock-integrity.md): one row per key string the shop holds or
delivered."""

from collections.abc import Sequence
from typing import Protocol

from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.keys import SealedKey, StockKey


class KeyFingerprintRepository(Protocol):
    async def add_many(self, fingerprints: Sequence[KeyFingerprint]) -> dict[str, KeyFingerprint]:
        """Record each fingerprint whose value is not recorded yet (the values given are distinct).

        Returns the refused ones: by value, the fingerprint as recorded, that is what holds the key.
        The value is unique in the database, so this is race-free across processes: of two
        transactions recording one value, the second is refused (PostgreSQL makes it wait for the
        first to commit), or, where it cannot wait (the in-memory adapter), its commit raises
        `ConcurrencyConflict`."""
        ...

    async def stock_without(self, after_id: str, limit: int) -> list[StockKey]:
        """Stock units, not erased, for which no fingerprint is recorded, with an id greater than
        `after_id`; by id, at most `limit` (fingerprinting the units of an older database)."""
        ...

    async def deliveries_without(self, after_id: str, limit: int) -> list[SealedKey]:
        """Delivered keys, not purged and not from own stock (no stock unit has their source key id),
        for which no fingerprint is recorded, with an id greater than `after_id`; by id, at most
        `limit`."""
        ...
