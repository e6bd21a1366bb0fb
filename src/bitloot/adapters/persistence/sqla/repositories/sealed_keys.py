"""Sealed keys (the `SealedKeyRepository` port): recording delivered keys, re-wrapping them and
crypto-shredding them after the retention period, and how a row maps to a `SealedKey`."""

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

from sqlalchemy import RowMapping, select, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository, skipping_conflicts
from bitloot.adapters.persistence.sqla.tables.orders import ORDERS
from bitloot.adapters.persistence.sqla.tables.reveals import REVEAL_EVENTS
from bitloot.adapters.persistence.sqla.tables.sealed_keys import SEALED_KEYS
from bitloot.domain.audit import RevealOutcome
from bitloot.domain.keys import SealedKey

_REVEALED = RevealOutcome.REVEALED.value
_ADD_MANY = skipping_conflicts(SEALED_KEYS, SEALED_KEYS.c.id)


class SqlaSealedKeyRepository(SqlRepository):
    async def add(self, key: SealedKey) -> bool:
        values = {name: getattr(key, name) for name in SEALED_KEYS.c.keys()}  # noqa: SIM118
        statement = self._insert(SEALED_KEYS).values(values).on_conflict_do_nothing()
        result = await self._execute(statement)
        return bool(result.rowcount == 1)

    async def add_many(self, keys: Sequence[SealedKey]) -> set[str]:
        if not keys:
            return set()
        rows = [{name: getattr(key, name) for name in SEALED_KEYS.c.keys()} for key in keys]  # noqa: SIM118
        return set((await self._execute(_ADD_MANY[self._dialect], rows)).scalars())

    async def list_for_order(self, order_id: str) -> list[SealedKey]:
        query = select(SEALED_KEYS).where(SEALED_KEYS.c.order_id == order_id).order_by(SEALED_KEYS.c.id)
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def get(self, key_id: str) -> SealedKey | None:
        row = (await self._execute(select(SEALED_KEYS).where(SEALED_KEYS.c.id == key_id))).mappings().first()
        return None if row is None else sealed_key_from_row(row)

    async def revoke(self, key_id: str, reason: str, replaced_by: str, now: datetime) -> bool:
        result = await self._execute(
            update(SEALED_KEYS)
            .where(SEALED_KEYS.c.id == key_id, SEALED_KEYS.c.revoked_at.is_(None))
            .values(revoked_at=now, revoke_reason=reason[:300], replaced_by=replaced_by)
        )
        return bool(result.rowcount == 1)

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[SealedKey]:
        query = (
            select(SEALED_KEYS)
            .where(
                SEALED_KEYS.c.purged_at.is_(None),
                SEALED_KEYS.c.key_version != active_version,
                SEALED_KEYS.c.id > after_id,
            )
            .order_by(SEALED_KEYS.c.id)
            .limit(limit)
        )
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        result = await self._execute(
            update(SEALED_KEYS)
            .where(
                SEALED_KEYS.c.id == key_id,
                SEALED_KEYS.c.key_version == old_version,
                SEALED_KEYS.c.purged_at.is_(None),
            )
            .values(wrapped_key=wrapped_key, key_version=key_version)
        )
        return bool(result.rowcount == 1)

    async def purgeable(self, cutoff: datetime, limit: int) -> list[SealedKey]:
        revealed = (
            select(REVEAL_EVENTS.c.id)
            .where(
                REVEAL_EVENTS.c.key_id == SEALED_KEYS.c.id,
                REVEAL_EVENTS.c.outcome == _REVEALED,
                REVEAL_EVENTS.c.at < cutoff,
            )
            .exists()
        )
        query = (
            select(SEALED_KEYS)
            .join(ORDERS, ORDERS.c.id == SEALED_KEYS.c.order_id)
            .where(SEALED_KEYS.c.purged_at.is_(None), ORDERS.c.fulfilled_at < cutoff, revealed)
            .order_by(SEALED_KEYS.c.id)
            .limit(limit)
        )
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def mark_purged(self, key_id: str, now: datetime) -> bool:
        result = await self._execute(
            update(SEALED_KEYS)
            .where(SEALED_KEYS.c.id == key_id, SEALED_KEYS.c.purged_at.is_(None))
            .values(wrapped_key=b"", purged_at=now)
        )
        return bool(result.rowcount == 1)


def sealed_key_from_row(row: RowMapping) -> SealedKey:
    """A delivered key; the key fingerprint repository reads them too."""
    return SealedKey(**{name: row[name] for name in _FIELDS})


# The row's columns carry the entity's field names (tables/sealed_keys.py).
_FIELDS = tuple(field.name for field in fields(SealedKey))
