"""The operator replaces a delivered key that does not work (docs/stock-integrity.md).

The crash rules are fulfilment's (docs/reliability.md): a `key_replacements` record is written first
and its id keys the supplier step (own stock allocates one unit to the replacement, idempotently);
each sealing has a fresh id and blob path; the new key is recorded under the unique (item, source
key) of every delivered key; and the completion (new key recorded, old key revoked, stock unit moved
to the item, replacement `done`, report closed, "key replaced" email owed, audit) is one transaction.
A crash anywhere, then running it again (the operator pressing again, or the reconciler), finishes
with exactly one new key and one revocation; a blob written by a run whose transaction failed is
deleted (or, after a crash, swept as an orphan).
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bitloot.application.blob_cleanup import delete_quietly
from bitloot.application.errors import ConcurrencyConflict, Conflict, NotFound
from bitloot.application.key_sealing import KeySealer
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.suppliers import KeySupplier, SuppliedKey, SupplyRequest
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import ATTEMPTS, in_transaction
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.errors import OutOfStock
from bitloot.domain.ids import new_id
from bitloot.domain.key_replacement import KeyReplacement, ReplacementState
from bitloot.domain.key_reports import KeyReportStatus, resolution_note
from bitloot.domain.keys import SealedKey
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.order_actions import OrderAction, applies
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product, SupplierKind

log = logging.getLogger(__name__)

KINGUIN_REFUSAL = "Kinguin keys are replaced through Kinguin support."


@dataclass(frozen=True, slots=True)
class ReplaceKeyRequest:
    """Either `report_id` (the key it names) or `order_id` with `key_id` (a sealed key)."""

    actor: Actor
    reason: str = ""
    report_id: str | None = None
    order_id: str | None = None
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReplaceKeyResult:
    replacement_id: str
    order_id: str
    item_id: str
    old_key_id: str
    new_key_id: str
    # True when the replacement had been done before this request (which then changed nothing).
    already_done: bool = False


class ReplaceKey:
    def __init__(
        self,
        uow: UnitOfWork,
        suppliers: Mapping[SupplierKind, KeySupplier],
        vault: KeyVault,
        store: SealedBlobStore,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._suppliers = suppliers
        self._store = store
        self._clock = clock
        self._sealer = KeySealer(uow, vault, store)

    async def execute(self, request: ReplaceKeyRequest) -> ReplaceKeyResult:
        """Replace the key, or finish its unfinished replacement. Refused (`Conflict`, nothing
        changed) for an order that is not `fulfilled`, a revoked key whose replacement is not this
        one, a resolved report, a Kinguin key, and a product without own stock left; `NotFound` for
        an unknown report, order or key."""
        replacement = await self._requested(request)
        if replacement.state is ReplacementState.DONE:
            return _result(replacement, already_done=True)
        return await self.resume(replacement.id, request.actor)

    async def resume(self, replacement_id: str, actor: Actor) -> ReplaceKeyResult:
        """Finish a requested replacement (the reconciler's entry, and the second half of
        `execute`)."""
        for _ in range(ATTEMPTS):
            replacement = await self._uow.key_replacements.get(replacement_id)
            if replacement is None:
                await self._uow.rollback()
                raise NotFound("No such key replacement.")
            note_order(replacement.order_id)
            if replacement.state is ReplacementState.DONE:
                await self._uow.rollback()
                return _result(replacement, already_done=True)
            if replacement.state is ReplacementState.FAILED:
                await self._uow.rollback()
                raise Conflict(f"This replacement failed: {replacement.failure_reason}")
            product = await self._uow.products.get(replacement.product_id)
            if product is None:
                raise NotFound("No such product.")
            await self._ensure_still_possible(replacement, product)
            try:
                supplied = await self._supply(replacement, product)
                return await self._complete(replacement, supplied, actor)
            except ConcurrencyConflict:
                # Another run took the unit or finished the replacement meanwhile: read it again.
                await self._uow.rollback()
        raise ConcurrencyConflict

    async def _requested(self, request: ReplaceKeyRequest) -> KeyReplacement:
        """The live replacement of the key, written now if there is none (its own transaction)."""
        return await in_transaction(self._uow, lambda: self._request(request))

    async def _request(self, request: ReplaceKeyRequest) -> KeyReplacement:
        key, report_id = await self._target(request)
        live = await self._uow.key_replacements.live_for_key(key.id)
        if live is not None:
            return live
        if key.is_revoked:
            raise Conflict("This key was revoked already.")
        order = await self._uow.orders.get(key.order_id)
        if order is None:
            raise NotFound("No such order.")
        if not applies(OrderAction.REPLACE_KEY, order.status):
            raise Conflict(f"Only a fulfilled order's keys are replaced; this one is {order.status}.")
        product = await self._uow.products.get(key.product_id)
        if product is None:
            raise NotFound("No such product.")
        self._ensure_replaceable(product)
        if await self._uow.stock.count_available(product.id) < 1:
            raise Conflict(f"No stock of {product.sku} is left to replace the key; import keys first.")
        now = self._clock.now()
        reason = resolution_note(request.reason) if request.reason.strip() else "the key did not work"
        replacement = KeyReplacement(
            id=new_id(),
            order_id=order.id,
            item_id=key.item_id,
            product_id=product.id,
            old_key_id=key.id,
            reason=reason,
            requested_by=request.actor.label,
            created_at=now,
            updated_at=now,
            report_id=report_id,
        )
        if not await self._uow.key_replacements.add(replacement):
            raise ConcurrencyConflict  # another run wrote one meanwhile: read it on the next attempt
        return replacement

    async def _target(self, request: ReplaceKeyRequest) -> tuple[SealedKey, str | None]:
        if request.report_id is not None:
            report = await self._uow.key_reports.get(request.report_id)
            if report is None:
                raise NotFound("No such key report.")
            key = await self._uow.keys.get(report.sealed_key_id)
            if key is None:
                raise NotFound("No such key.")
            live = await self._uow.key_replacements.live_for_key(key.id)
            if not report.is_open and (live is None or live.report_id != report.id):
                raise Conflict(f"This report is already {report.status}.")
            return key, report.id
        key = await self._uow.keys.get(request.key_id or "")
        if key is None or key.order_id != request.order_id:
            raise NotFound("No such key in this order.")
        return key, None

    def _ensure_replaceable(self, product: Product) -> None:
        if product.supplier is SupplierKind.KINGUIN:
            # Kinguin's orders are keyed by our order item: a second order for the item cannot be placed.
            raise Conflict(KINGUIN_REFUSAL)
        if product.supplier not in self._suppliers:
            raise Conflict(f"No {product.supplier.value} supplier is configured.")

    async def _supply(self, replacement: KeyReplacement, product: Product) -> SuppliedKey:
        """One unit for the replacement, idempotent on its id: a rerun gets the same unit. The lock
        makes two runs of the same replacement take turns, so they never take two units."""
        locked = await self._uow.key_replacements.lock(replacement.id)
        if locked is None or locked.state is not ReplacementState.REQUESTED:
            # Another run finished it between our read and the lock: its unit is no longer
            # allocated to the replacement (it moved to the item), so allocating now would take a
            # second one. The next attempt reads the replacement as it is.
            raise ConcurrencyConflict
        request = SupplyRequest(replacement.order_id, replacement.id, product, 1)
        try:
            [supplied, *_] = await self._suppliers[product.supplier].obtain(request)
        except OutOfStock:
            await self._uow.rollback()
            await self._fail(replacement, "no stock was left to replace the key")
            raise Conflict(
                f"No stock of {product.sku} is left to replace the key; import keys first."
            ) from None
        return supplied

    async def _ensure_still_possible(self, replacement: KeyReplacement, product: Product) -> None:
        """A replacement whose product has no supplier (any more) can never happen: it is failed with
        the reason, so no rerun tries it again; the old key and the report stay as they are."""
        try:
            self._ensure_replaceable(product)
        except Conflict as exc:
            await self._uow.rollback()
            await self._fail(replacement, str(exc))
            raise

    async def _fail(self, replacement: KeyReplacement, reason: str) -> None:
        failed = replacement.failed(reason, self._clock.now())
        await in_transaction(self._uow, lambda: self._uow.key_replacements.finish(failed))

    async def _complete(
        self, replacement: KeyReplacement, supplied: SuppliedKey, actor: Actor
    ) -> ReplaceKeyResult:
        """Seal the unit at a fresh path, then record everything in one transaction; the blob is
        deleted when that transaction fails or another run finished first."""
        order = await self._uow.orders.get(replacement.order_id)
        if order is None:
            raise NotFound("No such order.")
        # An order refunded after the request still gets the replacement it asked for: a run that
        # crashed may have taken the unit already, and failing now would leave that unit allocated to
        # nothing. The refund blocks every key of the order anyway; only the email is not owed then.
        still_fulfilled = order.status is OrderStatus.FULFILLED
        sealing = self._sealer.seal(order.id, replacement.item_id, replacement.product_id, supplied)
        sealed_id = sealing.id
        await self._uow.rollback()  # no transaction stays open while storage is written
        try:
            await self._sealer.put(sealing)
            current = await self._uow.key_replacements.get(replacement.id)
            if current is None or current.state is not ReplacementState.REQUESTED:
                raise ConcurrencyConflict  # another run finished (or failed) it meanwhile
            now = self._clock.now()
            recorded = await self._sealer.record(sealing, now)
            if not recorded or not await self._uow.keys.revoke(
                replacement.old_key_id, f"replaced: {replacement.reason}", sealed_id, now
            ):
                raise ConcurrencyConflict
            await self._uow.stock.reassign(supplied.key_id, replacement.id, replacement.item_id)
            done = replacement.done(sealed_id, now)
            if not await self._uow.key_replacements.finish(done):
                raise ConcurrencyConflict
            await self._close_report(replacement, actor)
            if still_fulfilled:
                await self._uow.emails.add(
                    DeliveryEmail.owed(
                        DeliveryEmailKind.KEY_REPLACED,
                        order.id,
                        order.email,
                        now,
                        email_id=new_id(),
                        cause=replacement.id,
                    )
                )
            await self._uow.operator_actions.add(
                actor.did(
                    ActionKind.KEY_REPLACED,
                    TargetKind.ORDER,
                    order.id,
                    now,
                    f"key {replacement.old_key_id} replaced by {sealed_id}",
                )
            )
            await self._uow.commit()
        except Exception:
            await self._uow.rollback()
            await delete_quietly(self._store, [sealing.path])
            raise
        log.info("order %s: key %s replaced by %s", order.id, replacement.old_key_id, sealed_id)
        return _result(done)

    async def _close_report(self, replacement: KeyReplacement, actor: Actor) -> None:
        if replacement.report_id is None:
            return
        report = await self._uow.key_reports.get(replacement.report_id)
        if report is not None and report.is_open:
            note = f"key replaced ({replacement.reason})"[:300]
            resolved = report.resolve(KeyReportStatus.REPLACED, actor.label, note, self._clock.now())
            await self._uow.key_reports.resolve(resolved)


def _result(replacement: KeyReplacement, *, already_done: bool = False) -> ReplaceKeyResult:
    return ReplaceKeyResult(
        replacement_id=replacement.id,
        order_id=replacement.order_id,
        item_id=replacement.item_id,
        old_key_id=replacement.old_key_id,
        new_key_id=replacement.new_key_id or "",
        already_done=already_done,
    )
