"""Random streams of payment notifications and Kinguin events, duplicated and reordered, interleaved
with fulfilment jobs, on the in-memory world (docs/lifecycle.md, docs/payments.md, docs/suppliers.md).

After every step: an order's status only moves along the lifecycle (a state reached is never left for one
it could not legally reach); an order that never received a valid `finished` is never paid, fulfilled or
given keys; no stock unit backs two items; no item holds more sealed keys than its quantity."""

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from bitloot.adapters.payments.nowpayments.webhook import sign_ipn
from bitloot.adapters.suppliers.kinguin.webhook import KinguinWebhook
from bitloot.application.use_cases.apply_kinguin_event import ApplyKinguinEvent
from bitloot.application.use_cases.place_order import OrderLine, PlaceOrderRequest
from bitloot.application.use_cases.receive_kinguin_webhook import ReceiveKinguinWebhook
from bitloot.domain.order import Order
from bitloot.domain.order_status import TRANSITIONS, OrderStatus
from tests.support.ipn import ipn_payload
from tests.unit.conftest import IPN_SECRET, World

KINGUIN_SECRET = "property-kinguin-secret"
_S = OrderStatus
# Statuses only a verified, matching, fully paid `finished` can lead to.
PAID_OR_LATER = frozenset({_S.PAID, _S.FULFILLING, _S.FULFILLED, _S.FAILED, _S.NEEDS_ATTENTION})


def _reachable() -> dict[OrderStatus, frozenset[OrderStatus]]:
    """Every status reachable from each status in zero or more legal transitions."""
    closure: dict[OrderStatus, set[OrderStatus]] = {status: {status} for status in OrderStatus}
    changed = True
    while changed:
        changed = False
        for reached in closure.values():
            more = set().union(*(TRANSITIONS[r] for r in reached)) - reached
            if more:
                reached.update(more)
                changed = True
    return {status: frozenset(reached) for status, reached in closure.items()}


REACHABLE = _reachable()

# What one notification says. `finished_*` are finished notifications that must not pay the order.
KINDS = (
    "waiting",
    "confirming",
    "partially_paid",
    "finished",
    "failed",
    "expired",
    "refunded",
    "finished_underpaid",
    "finished_wrong_amount",
    "finished_wrong_currency",
    "finished_repeated_deposit",
)


@dataclass(frozen=True)
class Ipn:
    order: int
    kind: str
    payment_id: int


@dataclass(frozen=True)
class Fulfill:
    order: int


@dataclass(frozen=True)
class KinguinStatus:
    order: int
    item: int
    status: str
    minutes: int


ipns = st.builds(
    Ipn,
    st.integers(0, 1),
    # A valid `finished` half of the time, so that orders get paid and fulfilled often enough.
    st.one_of(st.just("finished"), st.sampled_from(KINDS)),
    st.integers(min_value=1, max_value=10**12),
)
steps = st.one_of(
    # An index into the notifications sent so far or to come: the same body again is a duplicate.
    st.tuples(st.just("ipn"), st.integers(0, 7)),
    st.builds(Fulfill, st.integers(0, 1)),
    st.builds(
        KinguinStatus,
        st.integers(0, 1),
        st.integers(0, 1),
        st.sampled_from(["processing", "completed", "canceled", "refunded"]),
        st.integers(0, 30),
    ),
)
scenarios = st.fixed_dictionaries(
    {
        # Units of each product beyond what the larger order needs: often too few for both orders.
        "spare": st.tuples(st.integers(0, 2), st.integers(0, 2)),
        # Each order: (quantity of product 0, quantity of product 1), at least one item.
        "orders": st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 2)).filter(any), min_size=2, max_size=2
        ),
        "notifications": st.lists(ipns, min_size=1, max_size=8),
        "steps": st.lists(steps, min_size=4, max_size=30),
    }
)


def ipn_body(order: Order, ipn: Ipn) -> tuple[bytes, str]:
    total = order.total
    price, currency = float(total.amount), total.currency.lower()
    status = ipn.kind.partition("_")[0] if ipn.kind.startswith("finished") else ipn.kind
    paid = 0.5 if ipn.kind in ("partially_paid", "finished_underpaid") else 1.0
    payload = ipn_payload(
        order.id,
        price + 1 if ipn.kind == "finished_wrong_amount" else price,
        "usd" if ipn.kind == "finished_wrong_currency" and currency != "usd" else currency,
        status,
        payment_id=ipn.payment_id,
        pay_address="bc1qproperty",
        pay_amount=1.0,
        actually_paid=paid,
    )
    if ipn.kind == "finished_repeated_deposit":
        payload["parent_payment_id"] = ipn.payment_id + 1
    return sign_ipn(payload, IPN_SECRET)


class Run:
    def __init__(self, world: World, orders: list[Order]) -> None:
        self.world = world
        self.orders = orders
        self.valid_finished: set[str] = set()
        self.kinguin_start = datetime(2026, 1, 1, tzinfo=UTC)

    async def step(self, step: object, notifications: list[Ipn]) -> None:
        before = [self.status(order.id) for order in self.orders]
        single_transition = False
        if isinstance(step, tuple):
            ipn = notifications[step[1] % len(notifications)]
            order = self.orders[ipn.order]
            body, signature = ipn_body(order, ipn)
            if ipn.kind == "finished":
                self.valid_finished.add(order.id)
            await self.world.payment_use_case().execute(body, signature)
            single_transition = True
        elif isinstance(step, Fulfill):
            await self.world.fulfill_use_case().execute(self.orders[step.order].id)
        else:
            assert isinstance(step, KinguinStatus)
            await self.kinguin(step)
        self.world.clock.advance(timedelta(seconds=7))
        for order, was in zip(self.orders, before, strict=True):
            now = self.status(order.id)
            assert now in REACHABLE[was], f"{was} -> {now} after {step}"
            if single_transition:
                assert now == was or now in TRANSITIONS[was], f"{was} -> {now} after {step}"
        self.check()

    async def kinguin(self, step: KinguinStatus) -> None:
        order = self.orders[step.order]
        item = order.items[step.item % len(order.items)]
        body = json.dumps(
            {
                "orderId": f"KG{step.order}",
                "orderExternalId": item.id,
                "status": step.status,
                "updatedAt": (self.kinguin_start + timedelta(minutes=step.minutes)).isoformat(),
            }
        ).encode()
        use_case = ReceiveKinguinWebhook(
            KinguinWebhook(KINGUIN_SECRET.encode()),
            ApplyKinguinEvent(self.world.uow(), self.world.queue, self.world.clock),
            self.world.metrics,
        )
        await use_case.execute("order.status", KINGUIN_SECRET, body)

    def status(self, order_id: str) -> OrderStatus:
        return self.world.db.orders[order_id].status

    def check(self) -> None:
        db = self.world.db
        keys = list(db.keys.values())
        # No stock unit backs two delivered keys, and a unit backs only the item it was allocated to.
        sources = Counter(key.source_key_id for key in keys)
        assert all(count == 1 for count in sources.values()), sources
        for key in keys:
            unit = db.stock.get(key.source_key_id)
            if unit is not None:
                assert unit.item_id == key.item_id
                assert unit.order_id == key.order_id
        allocated = Counter(unit.id for unit in db.stock.values() if unit.item_id is not None)
        assert all(count == 1 for count in allocated.values())
        per_item = Counter(key.item_id for key in keys)
        for order in self.orders:
            stored = db.orders[order.id]
            for item in stored.items:
                assert per_item[item.id] <= item.quantity
                if stored.status is _S.FULFILLED:
                    assert per_item[item.id] == item.quantity
            units = sum(1 for unit in db.stock.values() if unit.order_id == order.id)
            has_keys = any(key.order_id == order.id for key in keys)
            if order.id not in self.valid_finished:
                # Underpaid, mismatched or repeated-deposit `finished` notifications never pay.
                assert stored.status not in PAID_OR_LATER, stored.status
                assert not has_keys
                assert units == 0
                assert stored.fulfilled_at is None


@settings(max_examples=150)
@given(scenarios)
def test_notifications_and_jobs_in_any_order_keep_the_order_invariants(scenario: dict[str, Any]) -> None:
    async def play() -> None:
        world = World()
        # An order is placed only while the stock covers it; units are allocated once it is paid.
        needed = [max(quantities[n] for quantities in scenario["orders"]) for n in range(2)]
        products = [
            await world.product(f"SKU-{n}", "10.00", [f"KEY-{n}-{k}" for k in range(needed[n] + spare)])
            for n, spare in enumerate(scenario["spare"])
        ]
        orders = []
        for quantities in scenario["orders"]:
            lines = [OrderLine(p.id, q) for p, q in zip(products, quantities, strict=True) if q]
            placed = await world.place_order_use_case().execute(PlaceOrderRequest("p@example.com", lines))
            orders.append(placed.order)
        run = Run(world, orders)
        for step in scenario["steps"]:
            await run.step(step, scenario["notifications"])
        # Finally every job runs once more: still nothing is allocated twice or paid without `finished`.
        for order in orders:
            await run.step(Fulfill(orders.index(order)), scenario["notifications"])
        for order in orders:
            event(f"order ends {run.status(order.id)}")

    asyncio.run(play())


def test_the_reachability_closure_matches_the_lifecycle() -> None:
    assert REACHABLE[_S.REFUNDED] == {_S.REFUNDED}
    assert _S.AWAITING_PAYMENT not in REACHABLE[_S.EXPIRED]
    assert REACHABLE[_S.AWAITING_PAYMENT] == frozenset(OrderStatus)
    assert _S.UNDERPAID not in REACHABLE[_S.PAID]
