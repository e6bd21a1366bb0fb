"""Fingerprint the keys a database held before fingerprints existed (docs/stock-integrity.md, migration 0007),
and report the key strings found more than once.

Stock units first, then keys a supplier (Kinguin) delivered; own-stock deliveries are covered by their
unit. Each page is read, its keys opened outside the transaction, and their fingerprints recorded in
one transaction, so a run that stops anywhere is finished by the next one; a second run records
nothing more and reports the same duplicates again (they stay until the operator deals with them).
Only ids are reported, never a key."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyFingerprints, KeyVault
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.errors import InvalidValue, KeyIntegrityError
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.keys import Envelope, SealedKey, StockKey, order_key_context, stock_key_context

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200


@dataclass(frozen=True, slots=True)
class SharedKey:
    """Two records that hold one key string: `duplicate` could not be fingerprinted, since `holder`
    holds the fingerprint. Each is described by ids (`KeyFingerprint.describe`)."""

    duplicate: str
    holder: str


@dataclass(slots=True)
class FingerprintCounts:
    recorded: int = 0
    # Keys that could not be opened (a missing or damaged blob, an unknown master key version),
    # logged by id and left for a later run.
    unreadable: int = 0
    batches: int = 0
    shared: list[SharedKey] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Recorded:
    """What one page's transaction recorded: the number of new fingerprints, and the shared keys."""

    recorded: int
    shared: list[SharedKey]


@dataclass(frozen=True, slots=True)
class _Opened:
    fingerprint: KeyFingerprint
    # What holds the key, by ids (a stock unit's with the order it was sold to).
    described: str


class FingerprintExistingKeys:
    def __init__(
        self,
        uow: UnitOfWork,
        vault: KeyVault,
        store: SealedBlobStore,
        fingerprints: KeyFingerprints,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._vault = vault
        self._store = store
        self._fingerprints = fingerprints
        self._clock = clock

    async def execute(
        self,
        batch_size: int = DEFAULT_BATCH_SIZE,
        *,
        progress: Callable[[FingerprintCounts], None] | None = None,
    ) -> FingerprintCounts:
        if batch_size < 1:
            raise InvalidValue("The batch size is at least 1.")
        counts = FingerprintCounts()
        for kind in ("stock", "delivered"):
            after: str | None = ""
            while after is not None:
                after = await self._page(kind, after, batch_size, counts)
                if after is not None and progress is not None:
                    progress(counts)
        return counts

    async def _page(self, kind: str, after: str, batch_size: int, counts: FingerprintCounts) -> str | None:
        """Fingerprint one page of `kind`; the id to go on after, or None when there is no more."""
        rows: Sequence[StockKey | SealedKey]
        if kind == "stock":
            rows = await self._uow.fingerprints.stock_without(after, batch_size)
        else:
            rows = await self._uow.fingerprints.deliveries_without(after, batch_size)
        await self._uow.rollback()  # no transaction stays open while blobs are read
        if not rows:
            return None
        opened = [key for row in rows if (key := await self._open(row, counts)) is not None]
        page = await in_transaction(self._uow, lambda: self._record(opened))
        # Counted once the transaction committed.
        for pair in page.shared:
            log.warning("%s holds the same key as %s", pair.duplicate, pair.holder)
        counts.shared += page.shared
        counts.recorded += page.recorded
        counts.batches += 1
        return rows[-1].id

    async def _open(self, row: StockKey | SealedKey, counts: FingerprintCounts) -> _Opened | None:
        now = self._clock.now()
        if isinstance(row, StockKey):
            context = stock_key_context(row.product_id, row.id)
            fingerprint = KeyFingerprint("", row.product_id, now, stock_key_id=row.id)
            described = replace(fingerprint, order_id=row.order_id).describe()
        else:
            context = order_key_context(row.order_id, row.item_id, row.id)
            fingerprint = KeyFingerprint(
                "",
                row.product_id,
                now,
                sealed_key_id=row.id,
                order_id=row.order_id,
                item_id=row.item_id,
                source_key_id=row.source_key_id,
            )
            described = fingerprint.describe()
        blob = await self._store.get(row.blob_path)
        try:
            if blob is None:
                raise KeyIntegrityError
            envelope = Envelope(blob, row.wrapped_key, row.key_version, row.blob_sha256)
            material = self._vault.open(envelope, context)
        except KeyIntegrityError:
            counts.unreadable += 1
            log.error("%s could not be opened to fingerprint it; left for a later run", described)
            return None
        return _Opened(replace(fingerprint, value=self._fingerprints.of(material)), described)

    async def _record(self, opened: list[_Opened]) -> _Recorded:
        """Stage the page's fingerprints; a key already recorded, or met earlier in the page, is a
        shared key."""
        first: dict[str, _Opened] = {}
        repeated: list[_Opened] = []
        for key in opened:
            if key.fingerprint.value in first:
                repeated.append(key)
            else:
                first[key.fingerprint.value] = key
        held = await self._uow.fingerprints.add_many([key.fingerprint for key in first.values()])
        shared = [
            SharedKey(key.described, held[value].describe()) for value, key in first.items() if value in held
        ]
        for key in repeated:
            value = key.fingerprint.value
            holder = held[value].describe() if value in held else first[value].described
            shared.append(SharedKey(key.described, holder))
        return _Recorded(len(first) - len(held), shared)
