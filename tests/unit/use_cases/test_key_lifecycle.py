"""RotateDataKeys and PurgeRevealedKeys (docs/vault.md, the key lifecycle) on the in-memory world."""

from dataclasses import replace
from datetime import timedelta

import pytest

from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.purge_revealed_keys import PurgeRevealedKeys
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealRequest
from bitloot.application.use_cases.rotate_data_keys import RotateDataKeys, RotationCounts
from bitloot.domain.audit import ClientInfo, RevealChannel, RevealEvent, RevealOutcome
from bitloot.domain.errors import InvalidValue, KeyIntegrityError, KeyPurged, RevealsBlocked
from bitloot.domain.ids import new_id
from bitloot.domain.keys import SealedKey
from tests.unit.conftest import World

CLIENT = ClientInfo("203.0.113.7", "pytest")
RETENTION = timedelta(days=30)


@pytest.fixture
def ring() -> MasterKeyring:
    return MasterKeyring.generate()


@pytest.fixture
def world(ring: MasterKeyring) -> World:
    return World(vault=AesGcmKeyVault(ring))


async def fulfilled(world: World, sku: str, keys: list[str]) -> PlacedOrder:
    placed = await world.order(await world.product(sku, keys=keys), len(keys))
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    return placed


async def reveal(world: World, placed: PlacedOrder) -> list[bytes]:
    request = RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), CLIENT)
    result = await world.reveal_use_case().execute(request)
    return sorted(key.key.secret for key in result.keys)


def keys_of(world: World, placed: PlacedOrder) -> list[SealedKey]:
    return sorted((k for k in world.db.keys.values() if k.order_id == placed.order.id), key=lambda k: k.id)


def rotate(world: World) -> RotateDataKeys:
    return RotateDataKeys(world.uow(), world.vault)


def purge(world: World) -> PurgeRevealedKeys:
    return PurgeRevealedKeys(world.uow(), world.store, world.clock)


# --- rotation -----------------------------------------------------------------------------------------


async def shop_with_keys(world: World) -> tuple[PlacedOrder, PlacedOrder]:
    first = await fulfilled(world, "GAME-1", ["A-1", "A-2", "A-3"])
    second = await fulfilled(world, "GAME-2", ["B-1", "B-2"])
    await world.product("GAME-3", keys=["C-1", "C-2"])  # stock never sold
    return first, second


async def test_rotation_rewraps_every_data_key_and_leaves_every_blob_as_it_was(
    world: World, ring: MasterKeyring
) -> None:
    first, second = await shop_with_keys(world)
    before_keys, before_stock = dict(world.db.keys), dict(world.db.stock)
    blobs = dict(world.store.blobs)
    rotated = ring.with_new_version()
    world.vault = AesGcmKeyVault(rotated)

    counts = await rotate(world).execute(batch_size=2)

    assert (counts.sealed, counts.stock, counts.failed, counts.skipped) == (5, 7, 0, 0)
    assert counts.active_version == 2
    assert world.store.blobs == blobs
    for key in world.db.keys.values():
        old = before_keys[key.id]
        assert key.key_version == 2
        assert key.wrapped_key != old.wrapped_key
        assert (key.blob_path, key.blob_sha256) == (old.blob_path, old.blob_sha256)
    for unit in world.db.stock.values():
        assert unit.key_version == 2
        assert unit.wrapped_key != before_stock[unit.id].wrapped_key
    # Version 1 is no longer needed: version 2 alone opens every delivered key and every stock unit.
    world.vault = AesGcmKeyVault(MasterKeyring({2: rotated.versions[2]}, 2))
    assert await reveal(world, first) == [b"A-1", b"A-2", b"A-3"]
    assert await reveal(world, second) == [b"B-1", b"B-2"]
    placed = await world.order(next(p for p in world.db.products.values() if p.sku == "GAME-3"), 2)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    assert await reveal(world, placed) == [b"C-1", b"C-2"]
    # Nothing is left to do: running it again changes nothing.
    keys_now = dict(world.db.keys)
    assert await rotate(world).execute() == RotationCounts(active_version=2)
    assert world.db.keys == keys_now


async def test_an_interrupted_rotation_is_finished_by_the_next_run(world: World, ring: MasterKeyring) -> None:
    first, second = await shop_with_keys(world)
    world.vault = AesGcmKeyVault(ring.with_new_version())

    stopped = await rotate(world).execute(batch_size=2, max_batches=1)

    assert (stopped.rewrapped, stopped.batches) == (2, 1)
    versions = sorted(k.key_version for k in world.db.keys.values())
    assert versions == [1, 1, 1, 2, 2]
    # Half-rotated, every key still opens: each row names the version it is wrapped under.
    assert await reveal(world, first) == [b"A-1", b"A-2", b"A-3"]
    assert await reveal(world, second) == [b"B-1", b"B-2"]
    resumed = await rotate(world).execute(batch_size=2)
    assert (resumed.sealed, resumed.stock) == (3, 7)
    assert {k.key_version for k in world.db.keys.values()} == {2}
    assert {u.key_version for u in world.db.stock.values()} == {2}
    assert await reveal(world, first) == [b"A-1", b"A-2", b"A-3"]


async def test_a_key_that_cannot_be_unwrapped_is_counted_and_left_alone(
    world: World, ring: MasterKeyring
) -> None:
    placed = await fulfilled(world, "GAME-1", ["A-1", "A-2"])
    broken = keys_of(world, placed)[0]
    world.db.keys[broken.id] = replace(broken, key_version=9)  # a version the keyring does not hold
    world.vault = AesGcmKeyVault(ring.with_new_version())

    counts = await rotate(world).execute(batch_size=1)

    assert (counts.sealed, counts.stock, counts.failed) == (1, 2, 1)
    assert world.db.keys[broken.id] == replace(broken, key_version=9)
    assert (await rotate(world).execute()).failed == 1  # still reported, never rewritten


async def test_batch_sizes_are_checked(world: World) -> None:
    with pytest.raises(InvalidValue):
        await rotate(world).execute(batch_size=0)
    with pytest.raises(InvalidValue):
        await purge(world).execute(RETENTION, batch_size=0)
    with pytest.raises(InvalidValue):
        await purge(world).execute(timedelta(days=-1))


# --- purge --------------------------------------------------------------------------------------------


async def test_purge_shreds_revealed_keys_past_retention_and_nothing_else(world: World) -> None:
    old_revealed = await fulfilled(world, "OLD-1", ["OLD-A", "OLD-B"])
    old_unrevealed = await fulfilled(world, "OLD-2", ["OLD-C"])
    assert await reveal(world, old_revealed) == [b"OLD-A", b"OLD-B"]
    world.clock.advance(RETENTION + timedelta(days=1))
    recent = await fulfilled(world, "NEW-1", ["NEW-A"])
    assert await reveal(world, recent) == [b"NEW-A"]
    shredded = keys_of(world, old_revealed)
    units = [world.db.stock[k.source_key_id] for k in shredded]

    counts = await purge(world).execute(RETENTION, batch_size=1)

    assert (counts.purged, counts.stock_units, counts.batches) == (2, 2, 2)
    for key in keys_of(world, old_revealed):
        assert key.purged_at == world.clock.now()
        assert key.wrapped_key == b""
        assert key.blob_path not in world.store.blobs
    for unit in units:
        assert world.db.stock[unit.id].wrapped_key == b""
        assert unit.blob_path not in world.store.blobs
    with pytest.raises(KeyPurged) as caught:
        await reveal(world, old_revealed)
    assert isinstance(caught.value, RevealsBlocked)
    assert str(caught.value) == "This key was purged after the retention period."
    assert await reveal(world, old_unrevealed) == [b"OLD-C"]
    assert await reveal(world, recent) == [b"NEW-A"]
    # Again: nothing more to do, and the survivors still open.
    assert (await purge(world).execute(RETENTION)).purged == 0
    assert await reveal(world, old_unrevealed) == [b"OLD-C"]
    # Rotation skips what was shredded.
    assert (await rotate(world).execute()).failed == 0


async def test_a_reveal_inside_the_retention_period_does_not_count(world: World) -> None:
    placed = await fulfilled(world, "GAME-1", ["A-1"])
    world.clock.advance(timedelta(days=10))
    assert await reveal(world, placed) == [b"A-1"]
    world.clock.advance(RETENTION - timedelta(days=1))  # fulfilled 39 days ago, revealed 29 days ago

    assert (await purge(world).execute(RETENTION)).purged == 0
    world.clock.advance(timedelta(days=2))
    assert (await purge(world).execute(RETENTION)).purged == 1


async def test_a_key_seen_only_by_a_failed_reveal_is_never_purged(world: World) -> None:
    placed = await fulfilled(world, "GAME-1", ["A-1"])
    [key] = keys_of(world, placed)
    tamper = RevealEvent(
        new_id(),
        placed.order.id,
        key.item_id,
        key.id,
        RevealChannel.API,
        RevealOutcome.TAMPER_DETECTED,
        CLIENT,
        world.clock.now(),
    )
    world.db.reveals.append(tamper)
    world.clock.advance(RETENTION * 3)

    assert (await purge(world).execute(RETENTION)).purged == 0
    assert await reveal(world, placed) == [b"A-1"]


async def test_a_purge_that_stopped_after_deleting_the_blob_is_finished_by_the_next_run(world: World) -> None:
    placed = await fulfilled(world, "GAME-1", ["A-1", "A-2"])
    await reveal(world, placed)
    world.clock.advance(RETENTION * 2)
    first, second = keys_of(world, placed)
    del world.store.blobs[first.blob_path]  # as a run that died right after the delete leaves it

    with pytest.raises(KeyIntegrityError):  # the blob is gone
        await reveal(world, placed)
    counts = await purge(world).execute(RETENTION)

    assert counts.purged == 2
    assert all(k.purged_at is not None and k.wrapped_key == b"" for k in keys_of(world, placed))
    assert second.blob_path not in world.store.blobs
    with pytest.raises(KeyPurged):
        await reveal(world, placed)
