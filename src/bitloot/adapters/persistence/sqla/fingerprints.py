"""Key fingerprints: recording a key string at most once (SPEC §10)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bitloot.adapters.persistence.sqla.base import SqlRepository
from bitloot.adapters.persistence.sqla.mapping import sealed_key_from_row, stock_key_from_row
from bitloot.adapters.persistence.sqla.tables import SEALED_KEYS, STOCK_KEYS
from bitloot.adapters.persistence.sqla.tables_fingerprints import KEY_FINGERPRINTS
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.keys import SealedKey, StockKey

_FP = KEY_FINGERPRINTS
_STOCK = STOCK_KEYS
_KEY = SEALED_KEYS
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
        statement = self._insert().values(rows).on_conflict_do_nothing().returning(_FP.c.fingerprint)
        recorded = set((await self._execute(statement)).scalars())
        refused = [f.value for f in fingerprints if f.value not in recorded]
        return await self._held(refused) if refused else {}

    async def stock_without(self, after_id: str, limit: int) -> list[StockKey]:
        covered = select(_FP.c.fingerprint).where(_FP.c.stock_key_id == _STOCK.c.id).exists()
        query = (
            select(_STOCK)
            .where(_STOCK.c.id > after_id, _STOCK.c.wrapped_key != b"", ~covered)
            .order_by(_STOCK.c.id)
            .limit(limit)
        )
        return [stock_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def deliveries_without(self, after_id: str, limit: int) -> list[SealedKey]:
        covered = select(_FP.c.fingerprint).where(_FP.c.sealed_key_id == _KEY.c.id).exists()
        own_stock = select(_STOCK.c.id).where(_STOCK.c.id == _KEY.c.source_key_id).exists()
        query = (
            select(_KEY)
            .where(_KEY.c.id > after_id, _KEY.c.purged_at.is_(None), ~covered, ~own_stock)
            .order_by(_KEY.c.id)
            .limit(limit)
        )
        return [sealed_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def _held(self, values: list[str]) -> dict[str, KeyFingerprint]:
        query = (
            select(_FP, _STOCK.c.order_id.label("unit_order_id"), _STOCK.c.item_id.label("unit_item_id"))
            .select_from(_FP.outerjoin(_STOCK, _STOCK.c.id == _FP.c.stock_key_id))
            .where(_FP.c.fingerprint.in_(values))
        )
        return {row["fingerprint"]: _from_row(row) for row in (await self._execute(query)).mappings()}

    def _insert(self) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that can take ON CONFLICT, in the dialect of this session."""
        if self._dialect == "postgresql":
            return postgresql.insert(_FP)
        return sqlite.insert(_FP)


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
