"""In-memory key fingerprints, with the SQL adapter's semantics: a value is recorded once. Two units
of work cannot wait for each other here, so the one that commits second is refused at commit."""

from collections.abc import Sequence
from dataclasses import replace

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.keys import SealedKey, StockKey
from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryKeyFingerprints:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def add_many(self, fingerprints: Sequence[KeyFingerprint]) -> dict[str, KeyFingerprint]:
        recorded = self._merged()
        refused: dict[str, KeyFingerprint] = {}
        for fingerprint in fingerprints:
            held = recorded.get(fingerprint.value)
            if held is not None:
                refused[fingerprint.value] = self._as_read(held)
            else:
                self._uow.staged.fingerprints[fingerprint.value] = fingerprint
        return refused

    async def stock_without(self, after_id: str, limit: int) -> list[StockKey]:
        covered = {f.stock_key_id for f in self._merged().values()}
        units = sorted(self._units().values(), key=lambda unit: unit.id)
        return [u for u in units if u.wrapped_key and u.id > after_id and u.id not in covered][:limit]

    async def deliveries_without(self, after_id: str, limit: int) -> list[SealedKey]:
        covered = {f.sealed_key_id for f in self._merged().values()}
        units = self._units()
        keys = {**self._db.keys, **self._uow.staged.keys, **self._uow.staged.key_updates}
        return [
            k
            for k in sorted(keys.values(), key=lambda key: key.id)
            if k.purged_at is None
            and k.id > after_id
            and k.id not in covered
            and k.source_key_id not in units
        ][:limit]

    def _as_read(self, fingerprint: KeyFingerprint) -> KeyFingerprint:
        """A stock unit's fingerprint says where the unit went, once it is allocated."""
        unit = self._units().get(fingerprint.stock_key_id or "")
        if unit is None:
            return fingerprint
        return replace(fingerprint, order_id=unit.order_id, item_id=unit.item_id)

    def _merged(self) -> dict[str, KeyFingerprint]:
        return {**self._db.fingerprints, **self._uow.staged.fingerprints}

    def _units(self) -> dict[str, StockKey]:
        return {**self._db.stock, **self._uow.staged.stock}


def check_fingerprints(db: MemoryDatabase, staged: dict[str, KeyFingerprint]) -> None:
    """Another unit recorded one of these values since this one looked: the commit is refused."""
    if any(value in db.fingerprints for value in staged):
        raise ConcurrencyConflict
