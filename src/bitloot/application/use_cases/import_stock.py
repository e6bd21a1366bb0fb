"""The operator imports keys into own stock; each is sealed before it is stored, and a key string the
shop already holds or has delivered is refused, line by line (docs/suppliers.md, docs/stock-integrity.md).
Each import is audited (`stock_imported`, with the counts) in its own transaction."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bitloot.application.blob_cleanup import delete_quietly
from bitloot.application.errors import NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyFingerprints, KeyVault
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.errors import InvalidValue
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.ids import new_id
from bitloot.domain.keys import KeyMaterial, StockKey, stock_key_context, stock_key_path
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.product import Product, SupplierKind

MAX_KEYS_PER_IMPORT = 1000
# Longer than any game key; a longer line is a mistake (a pasted file, a missing line break).
MAX_KEY_CHARACTERS = 512


class RefusalReason(StrEnum):
    BLANK = "blank"
    TOO_LONG = "too_long"
    REPEATED = "repeated_in_batch"
    IN_STOCK = "already_in_stock"
    DELIVERED = "already_delivered"


@dataclass(frozen=True, slots=True)
class RefusedLine:
    """A line not imported, and why; never the key. Lines count from `first_line` (1)."""

    line: int
    reason: RefusalReason


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    available: int
    refused: tuple[RefusedLine, ...] = ()


@dataclass(frozen=True, slots=True)
class _Candidate:
    line: int
    material: KeyMaterial
    fingerprint: str = field(repr=False)


class ImportStock:
    def __init__(
        self,
        uow: UnitOfWork,
        vault: KeyVault,
        store: SealedBlobStore,
        clock: Clock,
        fingerprints: KeyFingerprints,
    ) -> None:
        self._uow = uow
        self._vault = vault
        self._store = store
        self._clock = clock
        self._fingerprints = fingerprints

    async def execute(
        self, product_id: str, keys: Sequence[str], actor: Actor, first_line: int = 1
    ) -> ImportResult:
        """Import what can be imported and answer which lines were refused: blank, too long, repeated
        within `keys`, or already the shop's (in stock, or delivered, for any product). Importing the
        same keys again imports nothing. `first_line` numbers the first key (a part of a bigger file).

        Each key's fingerprint is recorded before its blob is written and its row inserted, all in one
        transaction; the fingerprint's uniqueness decides a race between two imports of one key."""
        product = await self._uow.products.get(product_id)
        if product is None:
            raise NotFound("No such product.")
        if product.supplier is not SupplierKind.STOCK:
            raise InvalidValue("Keys are imported only for own-stock products.")
        if not keys or len(keys) > MAX_KEYS_PER_IMPORT:
            raise InvalidValue(f"Import between 1 and {MAX_KEYS_PER_IMPORT} keys at once.")
        if not any(key.strip() for key in keys):
            raise InvalidValue("There is no key to import: every line is blank.")
        candidates, refused = self._screen(keys, first_line)
        written: list[str] = []  # the blobs of the attempt in progress

        async def discard_blobs() -> None:
            # Another import took one of these keys first: no row refers to these blobs.
            await delete_quietly(self._store, written)
            written.clear()

        imported, refusals = await in_transaction(
            self._uow,
            lambda: self._import(product, candidates, refused, written, actor),
            on_conflict=discard_blobs,
        )
        available = await self._uow.stock.count_available(product.id)
        await self._uow.rollback()
        return ImportResult(imported, available, tuple(sorted(refusals, key=lambda r: r.line)))

    def _screen(self, keys: Sequence[str], first_line: int) -> tuple[list[_Candidate], list[RefusedLine]]:
        """What a batch refuses by itself: blank and overlong lines, and a key it holds twice."""
        candidates: list[_Candidate] = []
        refused: list[RefusedLine] = []
        seen: set[str] = set()
        for line, key in enumerate(keys, start=first_line):
            text = key.strip()
            if not text:
                refused.append(RefusedLine(line, RefusalReason.BLANK))
                continue
            if len(text) > MAX_KEY_CHARACTERS:
                refused.append(RefusedLine(line, RefusalReason.TOO_LONG))
                continue
            material = KeyMaterial.text(text)
            fingerprint = self._fingerprints.of(material)
            if fingerprint in seen:
                refused.append(RefusedLine(line, RefusalReason.REPEATED))
                continue
            seen.add(fingerprint)
            candidates.append(_Candidate(line, material, fingerprint))
        return candidates, refused

    async def _import(
        self,
        product: Product,
        candidates: list[_Candidate],
        refused: list[RefusedLine],
        written: list[str],
        actor: Actor,
    ) -> tuple[int, list[RefusedLine]]:
        """Stage the fingerprints and rows of the keys not held yet; the number staged and the lines
        refused. Blobs are written before the rows that point at them (their paths go to `written`),
        so a crash leaves at worst an unreferenced blob, never a row without its blob."""
        now = self._clock.now()
        unit_ids = {candidate.line: new_id() for candidate in candidates}
        held = await self._uow.fingerprints.add_many(
            [
                KeyFingerprint(c.fingerprint, product.id, now, stock_key_id=unit_ids[c.line])
                for c in candidates
            ]
        )
        refusals = list(refused)
        for candidate in candidates:
            holder = held.get(candidate.fingerprint)
            if holder is not None:
                reason = RefusalReason.DELIVERED if holder.delivered else RefusalReason.IN_STOCK
                refusals.append(RefusedLine(candidate.line, reason))
        rows: list[StockKey] = []
        for candidate in candidates:
            if candidate.fingerprint in held:
                continue
            rows.append(await self._seal(product, unit_ids[candidate.line], candidate.material, now))
            written.append(rows[-1].blob_path)
        if rows:
            await self._uow.stock.add_many(rows)
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.STOCK_IMPORTED,
                TargetKind.PRODUCT,
                product.id,
                now,
                f"imported {len(rows)}, refused {len(refusals)}",
            )
        )
        return len(rows), refusals

    async def _seal(self, product: Product, key_id: str, material: KeyMaterial, now: datetime) -> StockKey:
        envelope = self._vault.seal(material, stock_key_context(product.id, key_id))
        path = stock_key_path(product.id, key_id)
        await self._store.put(path, envelope.blob)
        return StockKey(
            id=key_id,
            product_id=product.id,
            blob_path=path,
            wrapped_key=envelope.wrapped_key,
            key_version=envelope.key_version,
            blob_sha256=envelope.blob_sha256,
            content_type=material.content_type,
            created_at=now,
        )
