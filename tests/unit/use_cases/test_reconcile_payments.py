"""ReconcilePayments: which orders are asked about, how answers are applied, and the sweep's cursor."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from bitloot.application.errors import PaymentProviderUnavailable
from bitloot.application.ports.links import DeliveryLink
from bitloot.application.ports.payments import VerifiedNotification
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.reconcile_payments import (
    PaymentReconcileSettings,
    PaymentSweep,
    ReconcilePayments,
)
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentNotification, PaymentOutcome, PaymentStatus
from tests.unit.conftest import World

GRACE = timedelta(minutes=2)


@dataclass
class ScriptedProvider:
    """A `PaymentLookup` over payments kept per invoice, as a provider's API would report them."""

    payments: dict[str, list[tuple[str, PaymentStatus, str]]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    asked: list[tuple[str, list[str]]] = field(default_factory=list)

    def pay(
        self, order: Order, status: PaymentStatus, paid: str | None = None, payment_id: str = "P1"
    ) -> None:
        assert order.payment_reference is not None
        amount = paid if paid is not None else str(order.total.amount)
        self.payments.setdefault(order.payment_reference, []).append((payment_id, status, amount))

    async def payments_for(
        self, order: Order, known_payment_ids: Sequence[str]
    ) -> list[VerifiedNotification]:
        self.asked.append((order.id, list(known_payment_ids)))
        reference = order.payment_reference or ""
        if reference in self.down:
            raise PaymentProviderUnavailable()
        found = []
        for payment_id, status, paid in self.payments.get(reference, []):
            note = PaymentNotification(
                payment_id=payment_id,
                order_id=order.id,
                status=status,
                price_amount=order.total.amount,
                price_currency=order.currency.lower(),
                pay_amount=order.total.amount,
                actually_paid=Decimal(paid),
                pay_currency="btc",
            )
            key = hashlib.sha256(f"{reference}|{payment_id}|{status}|{paid}".encode()).hexdigest()
            found.append(VerifiedNotification(note, key))
        return found

    def asked_ids(self) -> list[str]:
        return [order_id for order_id, _ in self.asked]


async def invoiced_orders(world: World, count: int, every: timedelta = timedelta(seconds=1)) -> list[Order]:
    """`count` orders placed `every` apart, each with an invoice reference as NOWPayments gives."""
    sku = f"GAME-{len(world.db.products)}"
    # Keys of their own: a key string is sold at most once, whichever product it is imported for.
    product = await world.product(sku, keys=[f"KEY-{sku}-{n}" for n in range(count)])
    orders = []
    for n in range(count):
        placed = await world.order(product)
        stored = world.db.orders[placed.order.id]
        stored.payment_reference = f"45226258{n:02d}"
        orders.append(stored)
        world.clock.advance(every)
    return orders


def reconciler(world: World, provider: ScriptedProvider, batch: int = 50) -> ReconcilePayments:
    settings = PaymentReconcileSettings(grace=GRACE, horizon=timedelta(hours=48), batch=batch)
    return ReconcilePayments(world.uow(), provider, world.apply_payment_use_case(), world.clock, settings)


async def sweep(
    world: World, provider: ScriptedProvider, batch: int = 50, after: datetime | None = None
) -> PaymentSweep:
    return await reconciler(world, provider, batch).execute(after)


async def test_a_finished_payment_found_through_the_api_pays_the_order(world: World) -> None:
    [order] = await invoiced_orders(world, 1)
    provider = ScriptedProvider()
    provider.pay(order, PaymentStatus.FINISHED)
    world.clock.advance(GRACE)

    result = await sweep(world, provider)

    assert result == PaymentSweep(asked=1, recorded=1, applied=1, resume_after=None)
    assert world.db.orders[order.id].status is OrderStatus.PAID
    assert order.id in world.db.requests
    assert world.queue.enqueued == [order.id]
    [record] = world.db.payments.values()
    assert record.outcome is PaymentOutcome.APPLIED
    assert record.status is PaymentStatus.FINISHED


async def test_asking_twice_records_once(world: World) -> None:
    [order] = await invoiced_orders(world, 1)
    provider = ScriptedProvider()
    provider.pay(order, PaymentStatus.WAITING, paid="0")
    world.clock.advance(GRACE)

    first = await sweep(world, provider)
    second = await sweep(world, provider)

    assert (first.recorded, second.recorded) == (1, 0)
    assert (first.applied, second.applied) == (0, 0)
    assert len(world.db.payments) == 1
    [record] = world.db.payments.values()
    assert record.outcome is PaymentOutcome.NO_CHANGE
    assert world.db.orders[order.id].status is OrderStatus.AWAITING_PAYMENT
    assert world.queue.enqueued == []


async def test_an_underpaid_order_is_asked_again_and_paid_when_finished(world: World) -> None:
    [order] = await invoiced_orders(world, 1)
    provider = ScriptedProvider()
    provider.pay(order, PaymentStatus.PARTIALLY_PAID, paid="1")
    world.clock.advance(GRACE)
    await sweep(world, provider)
    assert world.db.orders[order.id].status is OrderStatus.UNDERPAID

    provider.payments[order.payment_reference or ""] = [
        ("P1", PaymentStatus.FINISHED, str(order.total.amount))
    ]
    await sweep(world, provider)

    assert world.db.orders[order.id].status is OrderStatus.PAID
    assert len(world.db.payments) == 2


async def test_only_orders_between_grace_and_horizon_are_asked(world: World) -> None:
    ancient, old, fresh = await invoiced_orders(world, 3, every=timedelta(hours=24))
    provider = ScriptedProvider()
    # Now: `fresh` was placed a day ago, `old` just over two days ago (past the horizon), `ancient` three.
    world.clock.advance(timedelta(seconds=1))

    await sweep(world, provider)
    assert provider.asked_ids() == [fresh.id]

    provider.asked.clear()
    new = (await invoiced_orders(world, 1))[0]
    world.clock.advance(GRACE - timedelta(seconds=2))
    await sweep(world, provider)
    assert new.id not in provider.asked_ids()
    assert old.id not in provider.asked_ids()
    assert ancient.id not in provider.asked_ids()


async def test_paid_orders_and_orders_without_reference_are_not_asked(world: World) -> None:
    unpaid, paid, bare = await invoiced_orders(world, 3)
    paid.status = OrderStatus.PAID
    bare.payment_reference = None
    world.clock.advance(GRACE)
    provider = ScriptedProvider()

    await sweep(world, provider)

    assert provider.asked_ids() == [unpaid.id]


async def test_rounds_sweep_every_due_order_then_start_again(world: World) -> None:
    orders = await invoiced_orders(world, 5)
    world.clock.advance(GRACE)
    provider = ScriptedProvider()

    rounds = []
    after = None
    for _ in range(4):
        result = await sweep(world, provider, batch=2, after=after)
        rounds.append(provider.asked_ids()[-result.asked :])
        after = result.resume_after

    ids = [o.id for o in orders]
    assert rounds == [ids[0:2], ids[2:4], ids[4:5], ids[0:2]]


async def test_an_outage_stops_the_round_and_the_next_goes_on(world: World) -> None:
    first, second, third = await invoiced_orders(world, 3)
    world.clock.advance(GRACE)
    provider = ScriptedProvider(down={second.payment_reference or ""})
    provider.pay(third, PaymentStatus.FINISHED)

    interrupted = await sweep(world, provider)

    assert interrupted.interrupted
    assert provider.asked_ids() == [first.id, second.id]
    assert interrupted.resume_after == second.created_at
    assert world.db.orders[third.id].status is OrderStatus.AWAITING_PAYMENT

    resumed = await sweep(world, provider, after=interrupted.resume_after)

    assert provider.asked_ids()[2:] == [third.id]
    assert resumed.applied == 1
    assert world.db.orders[third.id].status is OrderStatus.PAID


async def test_payment_ids_known_from_earlier_ipns_are_passed_on(world: World) -> None:
    [order] = await invoiced_orders(world, 1)
    await world.pay(
        PlacedOrder(order, "not used", DeliveryLink("not used", "not used", order.created_at)),
        PaymentStatus.PARTIALLY_PAID,
    )
    world.clock.advance(GRACE)
    provider = ScriptedProvider()

    await sweep(world, provider)

    [(asked, known)] = provider.asked
    assert asked == order.id
    [record] = world.db.payments.values()
    assert known == [record.payment_id]
