"""Key reports and key replacements on every adapter: one open report per key, one live replacement
per key, and two ReplaceKey runs racing on one report deliver exactly one new key."""

import asyncio
from dataclasses import replace

from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.hmac_fingerprints import HmacKeyFingerprints
from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.adapters.suppliers.own_stock import OwnStockSupplier
from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.application.use_cases.replace_key import ReplaceKey, ReplaceKeyRequest, ReplaceKeyResult
from bitloot.domain.ids import new_id
from bitloot.domain.key_replacement import ReplacementState
from bitloot.domain.key_reports import KeyReport, KeyReportStatus
from bitloot.domain.keys import SealedKey
from bitloot.domain.operator_audit import Actor
from bitloot.domain.product import SupplierKind
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    assert_same_fields,
    at,
    make_replacement,
    stored_delivered_key,
)
from tests.fakes.blob_store import InMemoryBlobStore
from tests.fakes.clock import FrozenClock
from tests.support.racing import concurrently

ACTOR = Actor.api_token("198.51.100.4")


def report_on(key: SealedKey, when: int = 0) -> KeyReport:
    return KeyReport(new_id(), key.order_id, key.item_id, key.id, "does not work", at(when))


async def test_a_report_is_stored_as_given_and_a_key_has_one_open_report(uow_factory: UowFactory) -> None:
    _, order, key = await stored_delivered_key(uow_factory)
    first = report_on(key)
    uow = uow_factory()
    assert await uow.key_reports.add(first) is True
    assert await uow.key_reports.add(report_on(key, 5)) is False
    await uow.commit()

    reader = uow_factory()
    assert_same_fields(await reader.key_reports.get(first.id), first)
    assert_same_fields(await reader.key_reports.open_for_key(key.id), first)
    assert [r.id for r in await reader.key_reports.list_for_order(order.id)] == [first.id]
    await reader.rollback()

    resolved = first.resolve(KeyReportStatus.DISMISSED, "admin token", "works", at(9))
    closer = uow_factory()
    assert await closer.key_reports.resolve(resolved) is True
    await closer.commit()
    again = uow_factory()
    assert await again.key_reports.resolve(resolved) is False
    assert await again.key_reports.open_for_key(key.id) is None
    second = report_on(key, 10)
    assert await again.key_reports.add(second) is True
    await again.commit()

    reader = uow_factory()
    assert [r.id for r in await reader.key_reports.by_status(None, 10)] == [second.id, first.id]
    assert [r.id for r in await reader.key_reports.by_status(KeyReportStatus.OPEN, 10)] == [second.id]
    assert await reader.key_reports.count_open() == 1
    assert_same_fields(await reader.key_reports.get(first.id), resolved)
    await reader.rollback()


async def test_two_units_reporting_one_key_at_once_open_one_report(uow_factory: UowFactory) -> None:
    _, _, key = await stored_delivered_key(uow_factory)

    async def open_one() -> bool:
        uow = uow_factory()
        try:
            added = await uow.key_reports.add(report_on(key))
            await asyncio.sleep(0.01)
            await uow.commit()
        except ConcurrencyConflict:
            await uow.rollback()
            return False
        return added

    assert sorted(await concurrently(2, open_one)) == [False, True]


async def test_a_key_has_one_live_replacement_and_a_failed_one_frees_it(uow_factory: UowFactory) -> None:
    _, order, key = await stored_delivered_key(uow_factory)
    first = make_replacement(key)
    uow = uow_factory()
    assert await uow.key_replacements.add(first) is True
    assert await uow.key_replacements.add(make_replacement(key)) is False
    await uow.commit()

    reader = uow_factory()
    assert_same_fields(await reader.key_replacements.lock(first.id), first)
    assert_same_fields(await reader.key_replacements.live_for_key(key.id), first)
    assert [r.id for r in await reader.key_replacements.unfinished(10)] == [first.id]
    await reader.rollback()

    failed = first.failed("no stock was left", at(5))
    writer = uow_factory()
    assert await writer.key_replacements.finish(failed) is True
    await writer.commit()
    writer = uow_factory()
    assert await writer.key_replacements.finish(first.done("new-key", at(6))) is False
    second = make_replacement(key, when=at(1))
    assert await writer.key_replacements.add(second) is True
    assert await writer.key_replacements.finish(second.done("new-key", at(7))) is True
    await writer.commit()

    reader = uow_factory()
    assert_same_fields(await reader.key_replacements.get(first.id), failed)
    live = await reader.key_replacements.live_for_key(key.id)
    assert live is not None
    assert (live.id, live.state, live.new_key_id) == (
        second.id,
        ReplacementState.DONE,
        "new-key",
    )
    assert [r.id for r in await reader.key_replacements.list_for_order(order.id)] == [first.id, second.id]
    assert await reader.key_replacements.unfinished(10) == []
    await reader.rollback()


async def test_a_revoked_key_is_kept_with_its_successor(uow_factory: UowFactory) -> None:
    _, _, key = await stored_delivered_key(uow_factory)
    uow = uow_factory()
    assert await uow.keys.revoke(key.id, "replaced: broken", "new-key", at(3)) is True
    assert await uow.keys.revoke(key.id, "again", "other", at(4)) is False
    await uow.commit()
    reader = uow_factory()
    assert_same_fields(
        await reader.keys.get(key.id),
        replace(key, revoked_at=at(3), revoke_reason="replaced: broken", replaced_by="new-key"),
    )
    await reader.rollback()


class SlowStore(InMemoryBlobStore):
    """Puts take a moment, so two replacements really overlap."""

    async def put(self, path: str, blob: bytes) -> None:
        await asyncio.sleep(0.02)
        await super().put(path, blob)


async def test_two_replacements_racing_on_one_report_deliver_one_new_key(uow_factory: UowFactory) -> None:
    product, order, key = await stored_delivered_key(uow_factory)
    vault, blobs, clock = AesGcmKeyVault(MasterKeyring.generate()), SlowStore(), FrozenClock()
    imported = await ImportStock(uow_factory(), vault, blobs, clock, HmacKeyFingerprints(b"f" * 32)).execute(
        product.id, ["SPARE-1", "SPARE-2", "SPARE-3"], Actor.command_line()
    )
    assert imported.imported == 3
    report = report_on(key)
    uow = uow_factory()
    assert await uow.key_reports.add(report)
    await uow.commit()

    async def run() -> ReplaceKeyResult:
        unit = uow_factory()
        suppliers = {SupplierKind.STOCK: OwnStockSupplier(unit, vault, blobs)}
        return await ReplaceKey(unit, suppliers, vault, blobs, clock).execute(
            ReplaceKeyRequest(ACTOR, report_id=report.id)
        )

    results = await concurrently(2, run)

    assert len({r.new_key_id for r in results}) == 1
    reader = uow_factory()
    keys = await reader.keys.list_for_order(order.id)
    assert len([k for k in keys if not k.is_revoked]) == 1
    assert [k.id for k in keys if k.is_revoked] == [key.id]
    assert await reader.stock.count_available(product.id) == 2
    replaced = [e for e in await reader.emails.list_for_order(order.id) if e.kind.value == "key_replaced"]
    assert len(replaced) == 1
    stored = await reader.key_reports.get(report.id)
    assert stored is not None
    assert stored.status is KeyReportStatus.REPLACED
    await reader.rollback()
