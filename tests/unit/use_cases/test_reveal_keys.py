"""RevealKeys (docs/http-api.md, docs/vault.md, docs/reliability.md): who may see which key, the audit trail,
and tamper detection."""

import dataclasses
from datetime import timedelta

import pytest

from bitloot.application.errors import InvalidDeliveryLink, NotFound
from bitloot.application.ports.suppliers import SuppliedKey
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import OrderLine, PlacedOrder, PlaceOrderRequest
from bitloot.application.use_cases.reveal_keys import (
    AccessTokenCredential,
    LinkCredential,
    RevealRequest,
    RevealResult,
)
from bitloot.domain.audit import ClientInfo, RevealChannel, RevealEvent, RevealOutcome
from bitloot.domain.errors import KeyIntegrityError, NotFulfilledYet, RevealsBlocked
from bitloot.domain.keys import KeyMaterial, SealedKey
from bitloot.domain.payment import PaymentStatus
from tests.support.actors import CLI
from tests.unit.conftest import World

CLIENT = ClientInfo("203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
KEY_TEXT = "ABCDE-FGHIJ-KLMNO"


def by_token(placed: PlacedOrder, item_id: str | None = None, client: ClientInfo = CLIENT) -> RevealRequest:
    return RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), client, item_id)


async def by_link(world: World, placed: PlacedOrder) -> RevealRequest:
    issued = await world.link_use_case().execute(placed.order.id, placed.access_token)
    return RevealRequest(LinkCredential(issued.link.token), CLIENT)


def events(world: World, order_id: str) -> list[RevealEvent]:
    return [e for e in world.db.reveals if e.order_id == order_id]


def the_key(world: World, placed: PlacedOrder) -> SealedKey:
    [key] = [k for k in world.db.keys.values() if k.order_id == placed.order.id]
    return key


async def fulfilled(world: World, sku: str, keys: list[str], quantity: int = 1) -> PlacedOrder:
    """Like `World.fulfilled_order`, for a product of its own (so one world can hold several)."""
    placed = await world.order(await world.product(sku, keys=keys), quantity)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    return placed


async def two_item_order(world: World) -> PlacedOrder:
    game = await world.product("GAME-1", keys=["GAME-KEY-1", "GAME-KEY-2"])
    dlc = await world.product("DLC-1", keys=["DLC-KEY-1"])
    placed = await world.place_order_use_case().execute(
        PlaceOrderRequest("player@example.com", [OrderLine(game.id, 2), OrderLine(dlc.id, 1)])
    )
    await world.pay(placed)
    await world.fulfill_use_case().execute(placed.order.id)
    return placed


# --- revealing ----------------------------------------------------------------------------------------


async def test_the_access_token_reveals_the_keys_and_audits_each(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    item = placed.order.items[0]

    result = await world.reveal_use_case().execute(by_token(placed))

    assert result.order_id == placed.order.id
    assert result.reveal_count == 1
    [revealed] = result.keys
    assert revealed.key == KeyMaterial.text(KEY_TEXT)
    assert revealed.key.content_type == "text/plain"
    assert (revealed.item_id, revealed.product_id) == (item.id, item.product_id)
    assert revealed.revealed_at == world.clock.now()
    [event] = events(world, placed.order.id)
    assert event.channel is RevealChannel.API
    assert event.outcome is RevealOutcome.REVEALED
    assert event.client == CLIENT
    assert (event.item_id, event.key_id) == (item.id, the_key(world, placed).id)
    assert event.at == world.clock.now()
    assert world.db.orders[placed.order.id].reveal_count == 1


async def test_each_reveal_counts_and_is_audited_again(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    await world.reveal_use_case().execute(by_token(placed))
    world.clock.advance(timedelta(minutes=1))

    again = await world.reveal_use_case().execute(by_token(placed, client=ClientInfo("198.51.100.1", None)))

    assert again.reveal_count == 2
    assert world.db.orders[placed.order.id].reveal_count == 2
    first, second = events(world, placed.order.id)
    assert second.client == ClientInfo("198.51.100.1", None)
    assert second.at - first.at == timedelta(minutes=1)


async def test_a_delivery_link_reveals_through_the_link_channel(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])

    result = await world.reveal_use_case().execute(await by_link(world, placed))

    assert [k.key.secret for k in result.keys] == [KEY_TEXT.encode()]
    [event] = events(world, placed.order.id)
    assert event.channel is RevealChannel.LINK
    assert event.client == CLIENT
    assert result.reveal_count == 1


async def test_an_expired_or_altered_link_reveals_nothing(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    request = await by_link(world, placed)
    assert isinstance(request.credential, LinkCredential)
    token = request.credential.link_token
    altered = RevealRequest(LinkCredential(token[:-1] + ("A" if token[-1] != "A" else "B")), CLIENT)

    with pytest.raises(InvalidDeliveryLink):
        await world.reveal_use_case().execute(altered)
    world.clock.advance(timedelta(minutes=15))
    with pytest.raises(InvalidDeliveryLink):
        await world.reveal_use_case().execute(request)
    assert events(world, placed.order.id) == []
    assert world.db.orders[placed.order.id].reveal_count == 0


async def test_a_wrong_token_and_an_unknown_order_are_the_same_not_found(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    other = await world.order(await world.product("GAME-2", keys=["X"]))

    attempts = [
        AccessTokenCredential(placed.order.id, "not-the-token"),
        AccessTokenCredential(placed.order.id, other.access_token),
        AccessTokenCredential(placed.order.id, ""),
        AccessTokenCredential("no-such-order", placed.access_token),
        AccessTokenCredential("no-such-order", "not-the-token"),
    ]
    errors = []
    for credential in attempts:
        with pytest.raises(NotFound) as caught:
            await world.reveal_use_case().execute(RevealRequest(credential, CLIENT))
        errors.append(caught.value)

    assert {(type(e), str(e), e.args) for e in errors} == {(NotFound, NotFound.message, (NotFound.message,))}
    assert world.db.reveals == []
    assert world.db.orders[placed.order.id].reveal_count == 0


async def test_one_item_can_be_revealed_on_its_own(world: World) -> None:
    placed = await two_item_order(world)
    game_item, dlc_item = placed.order.items

    game = await world.reveal_use_case().execute(by_token(placed, item_id=game_item.id))
    dlc = await world.reveal_use_case().execute(by_token(placed, item_id=dlc_item.id))

    assert sorted(k.key.secret for k in game.keys) == [b"GAME-KEY-1", b"GAME-KEY-2"]
    assert {k.item_id for k in game.keys} == {game_item.id}
    assert [k.key.secret for k in dlc.keys] == [b"DLC-KEY-1"]
    assert [e.item_id for e in events(world, placed.order.id)].count(game_item.id) == 2
    assert [e.item_id for e in events(world, placed.order.id)].count(dlc_item.id) == 1
    everything = await world.reveal_use_case().execute(by_token(placed))
    assert len(everything.keys) == 3
    assert everything.reveal_count == 3


async def test_an_item_of_another_order_reveals_nothing(world: World) -> None:
    placed = await two_item_order(world)
    other = await fulfilled(world, "OTHER-1", ["OTHER-KEY"])

    for item_id in ("no-such-item", other.order.items[0].id):
        with pytest.raises(NotFound):
            await world.reveal_use_case().execute(by_token(placed, item_id=item_id))
    assert events(world, placed.order.id) == []
    assert world.db.orders[placed.order.id].reveal_count == 0


async def test_an_unfulfilled_order_reveals_nothing(world: World) -> None:
    product = await world.product(keys=[KEY_TEXT])
    placed = await world.order(product)

    with pytest.raises(NotFulfilledYet):
        await world.reveal_use_case().execute(by_token(placed))
    await world.pay(placed)
    with pytest.raises(NotFulfilledYet):
        await world.reveal_use_case().execute(by_token(placed))
    assert world.db.reveals == []


async def test_a_refund_after_fulfillment_blocks_reveals_through_every_channel(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    link_request = await by_link(world, placed)
    await world.reveal_use_case().execute(by_token(placed))

    await world.pay(placed, PaymentStatus.REFUNDED)

    for request in (by_token(placed), link_request):
        with pytest.raises(RevealsBlocked):
            await world.reveal_use_case().execute(request)
    with pytest.raises(RevealsBlocked):
        await world.link_use_case().execute(placed.order.id, placed.access_token)
    # Each refused attempt with a good credential is audited as refused (issue 9), on its channel.
    trail = events(world, placed.order.id)
    assert [(e.outcome, e.channel) for e in trail] == [
        (RevealOutcome.REVEALED, RevealChannel.API),
        (RevealOutcome.REFUSED_REFUNDED, RevealChannel.API),
        (RevealOutcome.REFUSED_REFUNDED, RevealChannel.LINK),
    ]
    assert trail[1].client == by_token(placed).client
    assert world.db.orders[placed.order.id].reveal_count == 1


async def test_a_wrong_token_on_a_refunded_order_is_not_audited(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    await world.pay(placed, PaymentStatus.REFUNDED)

    with pytest.raises(NotFound):
        await world.reveal_use_case().execute(
            RevealRequest(AccessTokenCredential(placed.order.id, "wrong"), CLIENT)
        )
    assert events(world, placed.order.id) == []


# --- tampering ----------------------------------------------------------------------------------------


def alter_one_byte(world: World, key: SealedKey, _: SealedKey) -> None:
    blob = world.store.blobs[key.blob_path]
    world.store.blobs[key.blob_path] = blob[:20] + bytes([blob[20] ^ 0x01]) + blob[21:]


def delete_blob(world: World, key: SealedKey, _: SealedKey) -> None:
    del world.store.blobs[key.blob_path]


def truncate_blob(world: World, key: SealedKey, _: SealedKey) -> None:
    world.store.blobs[key.blob_path] = world.store.blobs[key.blob_path][:-1]


def copy_other_blob(world: World, key: SealedKey, other: SealedKey) -> None:
    world.store.blobs[key.blob_path] = world.store.blobs[other.blob_path]


def copy_other_blob_and_row(world: World, key: SealedKey, other: SealedKey) -> None:
    """The whole envelope of another order's key (blob, wrapped key, digest) swapped into this key."""
    copy_other_blob(world, key, other)
    world.db.keys[key.id] = dataclasses.replace(
        key, wrapped_key=other.wrapped_key, key_version=other.key_version, blob_sha256=other.blob_sha256
    )


@pytest.mark.parametrize(
    "tamper", [alter_one_byte, delete_blob, truncate_blob, copy_other_blob, copy_other_blob_and_row]
)
async def test_a_tampered_key_gives_a_generic_error_and_an_audit_event(world: World, tamper: object) -> None:
    assert callable(tamper)
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    other = await fulfilled(world, "OTHER-1", ["OTHER-ORDER-KEY"])
    key, other_key = the_key(world, placed), the_key(world, other)
    tamper(world, key, other_key)

    with pytest.raises(KeyIntegrityError) as caught:
        await world.reveal_use_case().execute(by_token(placed))

    error = caught.value
    assert type(error) is KeyIntegrityError
    assert str(error) == KeyIntegrityError.message
    assert KEY_TEXT not in str(error)
    assert "OTHER-ORDER-KEY" not in str(error)
    [event] = events(world, placed.order.id)
    assert event.outcome is RevealOutcome.TAMPER_DETECTED
    assert (event.key_id, event.item_id) == (key.id, key.item_id)
    assert event.channel is RevealChannel.API
    assert event.client == CLIENT
    assert world.db.orders[placed.order.id].reveal_count == 0
    # The other order's key is untouched by all this.
    other_result = await world.reveal_use_case().execute(by_token(other))
    assert [k.key.secret for k in other_result.keys] == [b"OTHER-ORDER-KEY"]


async def test_tampering_with_one_key_reveals_none_of_the_order(world: World) -> None:
    placed = await world.fulfilled_order(keys=["KEY-A", "KEY-B", "KEY-C"], quantity=3)
    keys = sorted((k for k in world.db.keys.values() if k.order_id == placed.order.id), key=lambda k: k.id)
    alter_one_byte(world, keys[-1], keys[0])

    with pytest.raises(KeyIntegrityError):
        await world.reveal_use_case().execute(by_token(placed))

    assert [(e.key_id, e.outcome) for e in events(world, placed.order.id)] == [
        (keys[-1].id, RevealOutcome.TAMPER_DETECTED)
    ]
    assert world.db.orders[placed.order.id].reveal_count == 0


async def test_a_tampered_key_through_a_link_is_audited_on_the_link_channel(world: World) -> None:
    placed = await world.fulfilled_order(keys=[KEY_TEXT])
    delete_blob(world, the_key(world, placed), the_key(world, placed))

    with pytest.raises(KeyIntegrityError):
        await world.reveal_use_case().execute(await by_link(world, placed))

    [event] = events(world, placed.order.id)
    assert (event.channel, event.outcome) == (RevealChannel.LINK, RevealOutcome.TAMPER_DETECTED)


# --- nothing prints a key -----------------------------------------------------------------------------


async def test_no_result_or_record_prints_a_key(world: World) -> None:
    secrets = ["PRINT-ME-NOT-0001", "PRINT-ME-NOT-0002"]
    product = await world.product(keys=secrets)
    spare = await world.product("SPARE-1")
    imported = await world.import_stock().execute(spare.id, ["SPARE-KEY"], CLI)
    placed = await world.order(product, 2)
    paid = await world.pay(placed)
    await world.fulfill_use_case().execute(placed.order.id)
    await world.send_delivery_emails_use_case().execute()
    assert world.email_sender.sent
    status = await world.status_use_case().execute(placed.order.id, placed.access_token)
    link = await world.link_use_case().execute(placed.order.id, placed.access_token)
    result = await world.reveal_use_case().execute(by_token(placed))
    assert sorted(k.key.secret for k in result.keys) == [s.encode() for s in secrets]
    material = result.keys[0].key

    shown: list[object] = [
        result,
        *result.keys,
        material,
        KeyMaterial.text("SPARE-KEY"),
        KeyMaterial(b"SPARE-KEY", "image/png"),
        SuppliedKey("key-id", material),
        RevealResult(placed.order.id, result.keys, 1),
        imported,
        placed,
        paid,
        status,
        link,
        world.db,
        world.store.blobs,
        world.email_sender.sent,
        world.vault,
    ]
    for thing in shown:
        for text in (repr(thing), str(thing), f"{thing}", f"{thing!r}"):
            for secret in [*secrets, "SPARE-KEY"]:
                assert secret not in text
    assert str(material) == "KeyMaterial(***)"
    assert "secret" not in repr(material)
