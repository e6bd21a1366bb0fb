"""The reconciler's agenda: one read that says whether each step of a round has anything to do. A flag
false while its step's own read finds work would leave that work undone, so every flag is checked
against that read at both sides of its boundary."""

from datetime import datetime, timedelta

from bitloot.application.ports.reconciler_agenda import OwedWork
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.ids import new_id
from bitloot.domain.order_status import OrderStatus
from tests.contract.conftest import Persistence
from tests.contract.factories import (
    at,
    make_item,
    make_order,
    make_product,
    make_replacement,
    store,
    stored_delivered_key,
)

NOTHING = OwedWork(fulfillments=False, replacements=False, emails=False)
GRACE = timedelta(seconds=8)
REPLACEMENT_GRACE = timedelta(seconds=60)


async def owed(persistence: Persistence, now: datetime) -> OwedWork:
    return await persistence.agenda.owed(now - GRACE, now, now - REPLACEMENT_GRACE)


async def due_requests(persistence: Persistence, now: datetime) -> list[str]:
    uow = persistence.uow_factory()
    found = await uow.fulfillment_requests.due(now - GRACE, now, 10)
    await uow.rollback()
    return found


async def test_an_empty_shop_owes_nothing(persistence: Persistence) -> None:
    assert await owed(persistence, at(0)) == NOTHING


async def test_a_fulfilment_request_is_owed_exactly_when_it_is_due(persistence: Persistence) -> None:
    product = make_product()
    order = make_order(make_item(product), status=OrderStatus.PAID)
    uow = persistence.uow_factory()
    await store(uow, products=[product], orders=[order])
    await uow.fulfillment_requests.add(order.id, at(0))
    await uow.commit()

    for seconds in (0, 8, 8.001, 30):
        now = at(seconds)
        assert (await owed(persistence, now)).fulfillments is bool(await due_requests(persistence, now))
    assert (await owed(persistence, at(8))).fulfillments is False
    assert (await owed(persistence, at(8.001))).fulfillments is True

    # A lease that lapsed since the request was touched makes it owed at once, as `due` does.
    claimer = persistence.uow_factory()
    claimed = await claimer.orders.get(order.id)
    assert claimed is not None
    assert claimed.claim("worker-a", at(1), timedelta(seconds=2))
    await claimer.orders.save(claimed)
    await claimer.commit()
    assert (await owed(persistence, at(2.9))).fulfillments is False
    assert await due_requests(persistence, at(3)) == [order.id]
    assert (await owed(persistence, at(3))).fulfillments is True

    uow = persistence.uow_factory()
    await uow.fulfillment_requests.mark_done(order.id, at(4))
    await uow.commit()
    assert await owed(persistence, at(60)) == NOTHING


async def test_an_email_is_owed_from_the_microsecond_it_is_due_until_sent(persistence: Persistence) -> None:
    product = make_product()
    order = make_order(make_item(product))
    await store(persistence.uow_factory(), products=[product], orders=[order])
    email = DeliveryEmail.owed(
        DeliveryEmailKind.ORDER_FULFILLED, order.id, order.email, at(10), email_id=new_id()
    )
    uow = persistence.uow_factory()
    assert await uow.emails.add(email)
    await uow.commit()

    assert await owed(persistence, at(10) - timedelta(microseconds=1)) == NOTHING
    assert await owed(persistence, at(10)) == OwedWork(fulfillments=False, replacements=False, emails=True)

    uow = persistence.uow_factory()
    await uow.emails.mark_sent(email.id, at(11))
    await uow.commit()
    assert await owed(persistence, at(12)) == NOTHING


async def test_a_requested_replacement_is_owed_once_untouched_for_its_grace(persistence: Persistence) -> None:
    _, _, key = await stored_delivered_key(persistence.uow_factory)
    replacement = make_replacement(key, updated_at=at(5))
    uow = persistence.uow_factory()
    assert await uow.key_replacements.add(replacement)
    await uow.commit()

    assert (await owed(persistence, at(65) - timedelta(microseconds=1))).replacements is False
    # Untouched since `now - grace`, inclusive: what `FinishKeyReplacements` takes up.
    assert await owed(persistence, at(65)) == OwedWork(fulfillments=False, replacements=True, emails=False)
