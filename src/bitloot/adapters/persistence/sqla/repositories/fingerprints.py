"""Key fingerprints (the `KeyFingerprintRepository` port): recording a key string at most once
(docs/stock-integrity.md), and how a row maps to a `KeyFingerprint`."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.repositories.sealed_keys import sealed_key_from_row
from bitloot.adapters.persistence.sqla.repositories.stock import stock_key_from_row
from bitloot.adapters.persistence.sqla.tables.catalog import STOCK_KEYS
from bitloot.adapters.persistence.sqla.tables.fingerprints import KEY_FINGERPRINTS
from bitloot.adapters.persistence.sqla.tables.sealed_keys import SEALED_KEYS
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.keys import SealedKey, StockKey

_COLUMNS = (
    "product_id",
    "created_at",
    "stock_key_id",
    "sealed_key_id",
    "order_id",
    "item_id",
    "source_key_id",
)


class SqlaKeyFingerprintRepository(SqlRepository):
    async def add_many(self, fingerprints: Sequence[KeyFingerprint]) -> dict[str, KeyFingerprint]:
        if not fingerprints:
            return {}
        # One statement, in the order of the values: two transactions recording overlapping sets
        # take their row locks in the same order and never deadlock. A value another transaction is
        # recording makes PostgreSQL wait for it; once it committed, this one is refused.
        rows = [_values(f) for f in sorted(fingerprints, key=lambda f: f.value)]
        statement = (
            self._insert(KEY_FINGERPRINTS)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(KEY_FINGERPRINTS.c.fingerprint)
        )
        recorded = set((await self._execute(statement)).scalars())
        refused = [f.value for f in fingerprints if f.value not in recorded]
        return await self._held(refused) if refused else {}

    async def stock_without(self, after_id: str, limit: int) -> list[StockKey]:
        covered = (
            select(KEY_FINGERPRINTS.c.fingerprint)
            .where(KEY_FINGERPRINTS.c.stock_key_id == STOCK_KEYS.c.id)
            .exists()
        )
        query = (
            select(STOCK_KEYS)
            .where(STOCK_KEYS.c.id > after_id, STOCK_KEYS.c.wrapped_key != b"", ~covered)
            .order_by(STOCK_KEYS.c.id)
            .limit(limit)
        )
        return [stock_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def deliveries_without(self, after_id: str, limit: int) -> list[SealedKey]:
        covered = (
            select(KEY_FINGERPRINTS.c.fingerprint)
            .where(KEY_FINGERPRINTS.c.sealed_key_id == SEALED_KEYS.c.id)
            .exists()
        )
        own_stock = select(STOCK_KEYS.c.id).where(STOCK_KEYS.c.id == SEALED_KEYS.c.source_key_id).exists()
        query = (
            select(SEALED_KEYS)
            .where(SEALED_KEYS.c.id > after_id, SEALED_KEYS.c.purged_at.is_(None), ~covered, ~own_stock)
            .order_by(SEALED_KEYS.c.id)
            .limit(limit)
        )
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def _held(self, values: list[str]) -> dict[str, KeyFingerprint]:
        query = (
            select(
                KEY_FINGERPRINTS,
                STOCK_KEYS.c.order_id.label("unit_order_id"),
                STOCK_KEYS.c.item_id.label("unit_item_id"),
            )
            .select_from(
                KEY_FINGERPRINTS.outerjoin(STOCK_KEYS, STOCK_KEYS.c.id == KEY_FINGERPRINTS.c.stock_key_id)
            )
            .where(KEY_FINGERPRINTS.c.fingerprint.in_(values))
        )
        return {row["fingerprint"]: _from_row(row) for row in (await self._execute(query)).mappings()}


def _values(fingerprint: KeyFingerprint) -> dict[str, Any]:
    values = {name: getattr(fingerprint, name) for name in _COLUMNS}
    values["fingerprint"] = fingerprint.value
    return values


def _from_row(row: Any) -> KeyFingerprint:
    return KeyFingerprint(
        value=row["fingerprint"],
        product_id=row["product_id"],
        created_at=row["created_at"],
        stock_key_id=row["stock_key_id"],
        sealed_key_id=row["sealed_key_id"],
        order_id=row["order_id"] or row["unit_order_id"],
        item_id=row["item_id"] or row["unit_item_id"],
        source_key_id=row["source_key_id"],
    )
