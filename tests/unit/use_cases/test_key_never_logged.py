"""docs/vault.md: plaintext keys never reach a log. The whole flow, its failures included, under DEBUG
logging."""

import logging
from datetime import timedelta

import pytest

from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.reveal_keys import (
    AccessTokenCredential,
    LinkCredential,
    RevealRequest,
)
from bitloot.domain.audit import ClientInfo
from bitloot.domain.errors import KeyIntegrityError
from bitloot.domain.payment import PaymentStatus
from tests.support.actors import CLI
from tests.unit.conftest import World

KEYS = ["LOGME-AAAA-1111", "LOGME-BBBB-2222", "LOGME-CCCC-3333"]
RESTOCK = "LOGME-DDDD-4444"
CLIENT = ClientInfo("203.0.113.7", "pytest")


@pytest.fixture
def debug_everywhere(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG (caplog restores the levels afterwards)."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def texts_of(record: logging.LogRecord, formatter: logging.Formatter) -> list[str]:
    texts = [
        record.getMessage(),
        str(record.msg),
        repr(record.msg),
        repr(record.args),
        formatter.format(record),
    ]
    if record.exc_info:
        texts.append(formatter.formatException(record.exc_info))
    texts.extend(repr(value) for value in vars(record).values())
    return texts


def reveal(placed: PlacedOrder) -> RevealRequest:
    return RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), CLIENT)


async def test_no_key_reaches_any_log_record(
    debug_everywhere: pytest.LogCaptureFixture, world: World
) -> None:
    caplog = debug_everywhere
    importer = world.import_stock()

    # Import, order, pay (twice: a duplicate), fulfil, link, reveal by token and by link.
    product = await world.product(keys=KEYS[:2])
    placed = await world.order(product, quantity=2)
    await world.pay(placed)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    await world.fulfill_use_case("worker-2").execute(placed.order.id)
    await world.status_use_case().execute(placed.order.id, placed.access_token)
    link = await world.link_use_case().execute(placed.order.id, placed.access_token)
    by_token = await world.reveal_use_case().execute(reveal(placed))
    by_link = await world.reveal_use_case().execute(RevealRequest(LinkCredential(link.link.token), CLIENT))
    revealed = {k.key.secret for k in [*by_token.keys, *by_link.keys]}
    assert revealed == {KEYS[0].encode(), KEYS[1].encode()}

    # A stock-out, a storage outage, a queue outage, a restock and a retry.
    await importer.execute(product.id, [KEYS[2]], CLI)
    short = await world.order(product, quantity=1)
    rival = await world.order(product, quantity=1)
    await world.pay(short)
    world.queue.unavailable = True
    await world.pay(rival)
    world.queue.unavailable = False
    assert await world.fulfill_use_case().execute(short.order.id) is FulfillOutcome.FULFILLED
    assert await world.fulfill_use_case().execute(rival.order.id) is FulfillOutcome.FAILED
    await world.import_stock().execute(product.id, [RESTOCK], CLI)
    await world.retry_use_case().execute(rival.order.id, CLI)
    world.store.unavailable = True
    assert await world.fulfill_use_case().execute(rival.order.id) is FulfillOutcome.RETRY_LATER
    world.store.unavailable = False
    world.clock.advance(timedelta(minutes=3))
    assert await world.fulfill_use_case().execute(rival.order.id) is FulfillOutcome.FULFILLED
    assert [k.key.secret for k in (await world.reveal_use_case().execute(reveal(rival))).keys] == [
        RESTOCK.encode()
    ]

    # A refund, and tampering: a blob altered, one deleted.
    await world.pay(short, PaymentStatus.REFUNDED)
    for key in [k for k in world.db.keys.values() if k.order_id == placed.order.id]:
        blob = world.store.blobs[key.blob_path]
        world.store.blobs[key.blob_path] = blob[:-1] + bytes([blob[-1] ^ 0xFF])
    with pytest.raises(KeyIntegrityError):
        await world.reveal_use_case().execute(reveal(placed))
    [rival_key] = [k for k in world.db.keys.values() if k.order_id == rival.order.id]
    del world.store.blobs[rival_key.blob_path]
    with pytest.raises(KeyIntegrityError):
        await world.reveal_use_case().execute(reveal(rival))

    # The flow did log, at several levels, including the failures.
    records = caplog.records
    levels = {r.levelno for r in records}
    assert {logging.INFO, logging.WARNING, logging.ERROR} <= levels
    messages = " | ".join(r.getMessage() for r in records)
    assert "fulfilled" in messages
    assert "failed to open" in messages

    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    secrets = [*KEYS, RESTOCK]
    tokens = [placed.access_token, short.access_token, rival.access_token]
    for record in records:
        for text in texts_of(record, formatter):
            for secret in [*secrets, *tokens]:
                assert secret not in text, f"{secret!r} leaked through {record.name}: {record.getMessage()!r}"
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in job for job in world.queue.enqueued)
