"""ReplaceKey (docs/stock-integrity.md): a reported key is revoked and a new unit delivered exactly
once, whatever fails or crashes in between and however often the replacement runs again."""

import dataclasses

import pytest

from bitloot.adapters.suppliers.own_stock import OwnStockSupplier
from bitloot.application.errors import ConcurrencyConflict, Conflict, StorageUnavailable, SupplierUnavailable
from bitloot.application.ports.storage import SealedBlobStore, StoredBlob
from bitloot.application.ports.suppliers import KeySupplier, SuppliedKey, SupplyRequest
from bitloot.application.use_cases.dismiss_key_report import DismissKeyReport
from bitloot.application.use_cases.finish_key_replacements import (
    RECONCILER,
    FinishedReplacements,
    FinishKeyReplacements,
    FinishReplacementsSettings,
)
from bitloot.application.use_cases.mark_refunded import MarkRefunded
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.replace_key import (
    KINGUIN_REFUSAL,
    ReplaceKey,
    ReplaceKeyRequest,
    ReplaceKeyResult,
)
from bitloot.application.use_cases.report_key import ReportKey, ReportKeyRequest
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealRequest
from bitloot.domain.audit import ClientInfo
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.errors import OutOfStock
from bitloot.domain.key_replacement import KeyReplacement, ReplacementState
from bitloot.domain.key_reports import KeyReportStatus
from bitloot.domain.keys import SealedKey
from bitloot.domain.operator_audit import ActionKind, Actor, OperatorAction, TargetKind
from bitloot.domain.product import SupplierKind
from tests.fakes.key_reports import MemoryKeyReplacements
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.unit.conftest import World

ACTOR = Actor.api_token("198.51.100.4")
CLIENT = ClientInfo("203.0.113.7", "test")


def order_actions(world: World) -> list[OperatorAction]:
    """The audit records of what the tests do to orders and keys (creating the products and
    importing their stock is audited too, and is not what these tests are about)."""
    return [a for a in world.db.operator_actions if a.target_kind is not TargetKind.PRODUCT]


class Crash(Exception):
    """The process dies here: nothing after it runs, nothing is rolled back on purpose."""


class FailingStore:
    """Wraps the store: its next put raises `failure` (before or after the blob is written)."""

    def __init__(self, inner: SealedBlobStore, failure: Exception, *, after_put: bool = False) -> None:
        self._inner = inner
        self._failure: Exception | None = failure
        self._after_put = after_put

    async def put(self, path: str, blob: bytes) -> None:
        failure, self._failure = self._failure, None
        if failure is not None and not self._after_put:
            raise failure
        await self._inner.put(path, blob)
        if failure is not None:
            raise failure

    async def get(self, path: str) -> bytes | None:
        return await self._inner.get(path)

    async def delete(self, path: str) -> None:
        await self._inner.delete(path)

    async def check(self) -> None:
        await self._inner.check()

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        return await self._inner.list_blobs(prefix, after, limit)


class FailingSupplier:
    """Own stock whose next `obtain` raises `failure` before it allocates anything."""

    kind = SupplierKind.STOCK

    def __init__(self, failure: Exception) -> None:
        self.inner: KeySupplier | None = None
        self._failure: Exception | None = failure

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure
        assert self.inner is not None
        return await self.inner.obtain(request)


class ConflictOnCommit(InMemoryUnitOfWork):
    """Its `fail_at`-th commit raises `ConcurrencyConflict` (and keeps nothing), once."""

    def __init__(self, world: World, fail_at: int) -> None:
        super().__init__(world.db)
        self._countdown = fail_at

    async def commit(self) -> None:
        self._countdown -= 1
        if self._countdown == 0:
            await self.rollback()
            raise ConcurrencyConflict
        await super().commit()


def replace_use_case(
    world: World,
    *,
    uow: InMemoryUnitOfWork | None = None,
    store: SealedBlobStore | None = None,
    supplier: FailingSupplier | None = None,
) -> ReplaceKey:
    uow = uow or world.uow()
    own_stock = OwnStockSupplier(uow, world.vault, world.store)
    chosen: KeySupplier = own_stock
    if isinstance(supplier, FailingSupplier):
        supplier.inner, chosen = own_stock, supplier
    return ReplaceKey(uow, {SupplierKind.STOCK: chosen}, world.vault, store or world.store, world.clock)


async def delivered(world: World, spare: int = 1) -> tuple[PlacedOrder, SealedKey]:
    placed = await world.fulfilled_order(keys=["KEY-1", *(f"SPARE-{n}" for n in range(spare))])
    [key] = [k for k in world.db.keys.values() if k.order_id == placed.order.id]
    return placed, key


async def reported(world: World, placed: PlacedOrder, key: SealedKey) -> str:
    credential = AccessTokenCredential(placed.order.id, placed.access_token)
    result = await ReportKey(world.uow(), world.links, world.clock).execute(
        ReportKeyRequest(credential, key.id, "  Steam says the key was already used.  ")
    )
    return result.report.id


def assert_replaced_once(
    world: World, placed: PlacedOrder, old: SealedKey, actor: str = "admin token"
) -> SealedKey:
    keys = [k for k in world.db.keys.values() if k.order_id == placed.order.id]
    live = [k for k in keys if not k.is_revoked]
    revoked = [k for k in keys if k.is_revoked]
    assert len(live) == 1, keys
    assert [k.id for k in revoked] == [old.id]
    [new] = live
    assert revoked[0].replaced_by == new.id
    assert new.item_id == old.item_id
    assert new.source_key_id != old.source_key_id
    # The unit moved to the item it was delivered to; nothing stays allocated to the replacement.
    [replacement] = world.db.key_replacements.values()
    assert replacement.state is ReplacementState.DONE
    assert replacement.new_key_id == new.id
    assert world.db.stock[new.source_key_id].item_id == old.item_id
    assert not [u for u in world.db.stock.values() if u.item_id == replacement.id]
    replaced_emails = [e for e in world.db.emails.values() if e.kind is DeliveryEmailKind.KEY_REPLACED]
    assert [e.dedupe_key for e in replaced_emails] == [f"replaced:{replacement.id}"]
    assert [(a.kind, a.actor.label) for a in order_actions(world)] == [(ActionKind.KEY_REPLACED, actor)]
    assert old.id in order_actions(world)[0].detail
    assert new.id in order_actions(world)[0].detail
    return new


async def test_a_reported_key_is_revoked_replaced_and_the_report_closed(world: World) -> None:
    placed, old = await delivered(world)
    by_token = RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), CLIENT)
    [before] = (await world.reveal_use_case().execute(by_token)).keys
    report_id = await reported(world, placed, old)

    result = await replace_use_case(world).execute(ReplaceKeyRequest(ACTOR, report_id=report_id))

    new = assert_replaced_once(world, placed, old)
    assert result == ReplaceKeyResult(result.replacement_id, placed.order.id, old.item_id, old.id, new.id)
    report = world.db.key_reports[report_id]
    assert report.status is KeyReportStatus.REPLACED
    assert report.resolved_by == "admin token"
    assert world.db.orders[placed.order.id].status.value == "fulfilled"
    # Only the new key is revealed from now on: the revoked one is kept, never shown again.
    [after] = (await world.reveal_use_case().execute(by_token)).keys
    assert (before.key_id, after.key_id) == (old.id, new.id)
    assert after.key.secret != before.key.secret


async def test_pressing_again_answers_the_same_replacement_and_changes_nothing(world: World) -> None:
    placed, old = await delivered(world, spare=2)
    report_id = await reported(world, placed, old)
    first = await replace_use_case(world).execute(ReplaceKeyRequest(ACTOR, report_id=report_id))

    again = await replace_use_case(world).execute(ReplaceKeyRequest(ACTOR, report_id=report_id))
    direct = await replace_use_case(world).execute(
        ReplaceKeyRequest(ACTOR, reason="again", order_id=placed.order.id, key_id=old.id)
    )

    assert again.already_done
    assert direct.already_done
    assert again.new_key_id == direct.new_key_id == first.new_key_id
    assert_replaced_once(world, placed, old)
    assert await world.uow().stock.count_available(old.product_id) == 1


@pytest.mark.parametrize(
    "failure",
    ["storage-put-fails", "supplier-fails", "commit-conflict", "crash-after-blob-put", "crash-in-supplier"],
)
async def test_a_failure_at_any_step_then_a_rerun_yields_exactly_one_new_key(
    world: World, failure: str
) -> None:
    placed, old = await delivered(world, spare=2)
    report_id = await reported(world, placed, old)
    request = ReplaceKeyRequest(ACTOR, report_id=report_id)
    if failure == "storage-put-fails":
        broken = replace_use_case(world, store=FailingStore(world.store, StorageUnavailable()))
        with pytest.raises(StorageUnavailable):
            await broken.execute(request)
    elif failure == "supplier-fails":
        with pytest.raises(SupplierUnavailable):
            await replace_use_case(world, supplier=FailingSupplier(SupplierUnavailable())).execute(request)
    elif failure == "crash-in-supplier":
        with pytest.raises(Crash):
            await replace_use_case(world, supplier=FailingSupplier(Crash())).execute(request)
    elif failure == "crash-after-blob-put":
        with pytest.raises(Crash):
            await replace_use_case(world, store=FailingStore(world.store, Crash(), after_put=True)).execute(
                request
            )
    else:
        # The third commit is the completion's: it loses a race once, and the run itself retries.
        await replace_use_case(world, uow=ConflictOnCommit(world, fail_at=3)).execute(request)
    [replacement] = world.db.key_replacements.values()
    assert replacement.state is (
        ReplacementState.DONE if failure == "commit-conflict" else ReplacementState.REQUESTED
    )

    await replace_use_case(world).execute(request)
    await replace_use_case(world).resume(replacement.id, ACTOR)

    new = assert_replaced_once(world, placed, old)
    assert await world.uow().stock.count_available(old.product_id) == 1
    # The one blob a key refers to is there; a crashed run's blob is unreferenced (the sweeper's).
    assert await world.store.get(new.blob_path) is not None


async def test_a_kinguin_key_is_refused_and_nothing_changes(world: World) -> None:
    placed, old = await delivered(world)
    product = world.db.products[old.product_id]
    # The same key, as if Kinguin had sold it (Kinguin orders are keyed by our order item).
    world.db.products[product.id] = dataclasses.replace(
        product, supplier=SupplierKind.KINGUIN, supplier_product_id="kinguin-1"
    )
    report_id = await reported(world, placed, old)

    with pytest.raises(Conflict, match=KINGUIN_REFUSAL):
        await replace_use_case(world).execute(ReplaceKeyRequest(ACTOR, report_id=report_id))

    assert world.db.key_replacements == {}
    assert not world.db.keys[old.id].is_revoked
    assert order_actions(world) == []


async def test_no_stock_left_is_refused_and_nothing_changes(world: World) -> None:
    placed, old = await delivered(world, spare=0)
    with pytest.raises(Conflict, match="No stock of GAME-1 is left"):
        await replace_use_case(world).execute(
            ReplaceKeyRequest(ACTOR, reason="broken", order_id=placed.order.id, key_id=old.id)
        )
    assert world.db.key_replacements == {}
    assert not world.db.keys[old.id].is_revoked


async def test_a_dismissed_report_is_not_replaced(world: World) -> None:
    placed, old = await delivered(world)
    report_id = await reported(world, placed, old)
    dismissed = await DismissKeyReport(world.uow(), world.clock).execute(report_id, "works for me", ACTOR)
    assert dismissed.status is KeyReportStatus.DISMISSED
    assert [a.kind for a in order_actions(world)] == [ActionKind.KEY_REPORT_DISMISSED]

    with pytest.raises(Conflict, match="already dismissed"):
        await replace_use_case(world).execute(ReplaceKeyRequest(ACTOR, report_id=report_id))
    with pytest.raises(Conflict, match="already dismissed"):
        await DismissKeyReport(world.uow(), world.clock).execute(report_id, "again", ACTOR)


class FinishedByAnotherRun(MemoryKeyReplacements):
    """Another run finishes the replacement between this run's read of it and its lock, once."""

    def __init__(self, world: World, uow: InMemoryUnitOfWork) -> None:
        super().__init__(world.db, uow)
        self._world = world
        self._pending = True

    async def lock(self, replacement_id: str) -> KeyReplacement | None:
        if self._pending:
            self._pending = False
            await replace_use_case(self._world).resume(replacement_id, ACTOR)
        return await super().lock(replacement_id)


async def test_a_run_that_finds_the_replacement_finished_at_its_lock_takes_no_second_unit(
    world: World,
) -> None:
    placed, old = await delivered(world, spare=2)
    report_id = await reported(world, placed, old)
    slow = world.uow()
    slow.key_replacements = FinishedByAnotherRun(world, slow)

    result = await replace_use_case(world, uow=slow).execute(ReplaceKeyRequest(ACTOR, report_id=report_id))

    assert result.already_done
    new = assert_replaced_once(world, placed, old)
    assert result.new_key_id == new.id
    # The other run's unit moved to the item; this run took none.
    assert await world.uow().stock.count_available(old.product_id) == 1


async def test_stock_running_out_before_the_allocation_fails_the_replacement_and_frees_the_key(
    world: World,
) -> None:
    placed, old = await delivered(world, spare=1)
    report_id = await reported(world, placed, old)
    request = ReplaceKeyRequest(ACTOR, report_id=report_id)

    with pytest.raises(Conflict, match="No stock of GAME-1 is left to replace the key; import keys first"):
        await replace_use_case(world, supplier=FailingSupplier(OutOfStock())).execute(request)

    [failed] = world.db.key_replacements.values()
    assert (failed.state, failed.failure_reason) == (
        ReplacementState.FAILED,
        "no stock was left to replace the key",
    )
    assert not world.db.keys[old.id].is_revoked
    assert world.db.key_reports[report_id].is_open
    assert order_actions(world) == []
    # Once there is stock, the same report is replaced by a new replacement.
    result = await replace_use_case(world).execute(request)
    assert result.replacement_id != failed.id
    assert world.db.keys[old.id].replaced_by == result.new_key_id


async def test_an_order_refunded_after_the_request_gets_its_replacement_without_an_email(
    world: World,
) -> None:
    placed, old = await delivered(world, spare=2)
    report_id = await reported(world, placed, old)
    request = ReplaceKeyRequest(ACTOR, report_id=report_id)
    with pytest.raises(Crash):
        await replace_use_case(world, store=FailingStore(world.store, Crash(), after_put=True)).execute(
            request
        )
    await MarkRefunded(world.uow(), world.clock).execute(placed.order.id, "chargeback", ACTOR)

    result = await replace_use_case(world).execute(request)

    keys = [k for k in world.db.keys.values() if k.order_id == placed.order.id]
    assert [k.id for k in keys if not k.is_revoked] == [result.new_key_id]
    assert world.db.keys[old.id].replaced_by == result.new_key_id
    # The unit a crashed run took is the one delivered: none is left allocated to nothing.
    assert await world.uow().stock.count_available(old.product_id) == 1
    assert not [u for u in world.db.stock.values() if u.item_id == result.replacement_id]
    assert [e.kind for e in world.db.emails.values()] == [
        DeliveryEmailKind.ORDER_RECEIVED,
        DeliveryEmailKind.ORDER_FULFILLED,
    ]
    assert world.db.orders[placed.order.id].status.value == "refunded"


def finisher(world: World, store: SealedBlobStore | None = None) -> FinishKeyReplacements:
    uow = world.uow()
    return FinishKeyReplacements(
        uow, replace_use_case(world, uow=uow, store=store), world.clock, FinishReplacementsSettings()
    )


async def test_the_reconciler_finishes_a_crashed_replacement_once_its_grace_is_over(world: World) -> None:
    placed, old = await delivered(world, spare=2)
    report_id = await reported(world, placed, old)
    with pytest.raises(Crash):
        await replace_use_case(world, store=FailingStore(world.store, Crash(), after_put=True)).execute(
            ReplaceKeyRequest(ACTOR, report_id=report_id)
        )

    assert await finisher(world).execute() == FinishedReplacements()  # it may still be running
    world.clock.advance(FinishReplacementsSettings().grace)
    assert await finisher(world).execute() == FinishedReplacements(done=1)
    assert await finisher(world).execute() == FinishedReplacements()

    new = assert_replaced_once(world, placed, old, actor=RECONCILER.label)
    assert world.db.key_reports[report_id].status is KeyReportStatus.REPLACED
    assert await world.store.get(new.blob_path) is not None


async def test_the_reconciler_stops_at_an_outage_and_fails_what_can_never_happen(world: World) -> None:
    placed, old = await delivered(world, spare=1)
    report_id = await reported(world, placed, old)
    with pytest.raises(Crash):
        await replace_use_case(world, supplier=FailingSupplier(Crash())).execute(
            ReplaceKeyRequest(ACTOR, report_id=report_id)
        )
    world.clock.advance(FinishReplacementsSettings().grace)

    down = FailingStore(world.store, StorageUnavailable())
    assert await finisher(world, store=down).execute() == FinishedReplacements()
    assert [r.state for r in world.db.key_replacements.values()] == [ReplacementState.REQUESTED]
    # The product's supplier is gone from this deployment (as if it were Kinguin's now).
    product = world.db.products[old.product_id]
    world.db.products[product.id] = dataclasses.replace(
        product, supplier=SupplierKind.KINGUIN, supplier_product_id="kinguin-1"
    )
    assert await finisher(world).execute() == FinishedReplacements(refused=1)
    [failed] = world.db.key_replacements.values()
    assert (failed.state, failed.failure_reason) == (ReplacementState.FAILED, KINGUIN_REFUSAL)
    assert await finisher(world).execute() == FinishedReplacements()
    assert not world.db.keys[old.id].is_revoked
    assert world.db.key_reports[report_id].is_open
