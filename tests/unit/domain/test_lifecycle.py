"""The order aggregate (docs/lifecycle.md): the forward-only state machine, the customer view, the fulfilment
lease, completion, reveals, and the money it is priced in."""

import copy
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bitloot.domain.errors import (
    IllegalTransition,
    InvalidValue,
    NotFulfilledYet,
    RevealsBlocked,
)
from bitloot.domain.money import Money
from bitloot.domain.order import MAX_ITEMS_PER_ORDER, MAX_QUANTITY_PER_ITEM, Order, OrderItem
from bitloot.domain.order_status import TRANSITIONS, FulfillmentStatus, OrderStatus, customer_status
from tests.factories.domain import OrderFactory, OrderItemFactory

S = OrderStatus
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
LEASE = timedelta(minutes=2)

# The lifecycle written out by hand from docs/lifecycle.md, independently of `TRANSITIONS`: every legal move.
LEGAL: frozenset[tuple[OrderStatus, OrderStatus]] = frozenset(
    {
        (S.AWAITING_PAYMENT, S.UNDERPAID),
        (S.AWAITING_PAYMENT, S.PAID),
        (S.AWAITING_PAYMENT, S.EXPIRED),
        (S.AWAITING_PAYMENT, S.PAYMENT_FAILED),
        (S.UNDERPAID, S.PAID),
        (S.UNDERPAID, S.EXPIRED),
        (S.UNDERPAID, S.PAYMENT_FAILED),
        (S.UNDERPAID, S.REFUNDED),
        (S.PAID, S.FULFILLING),
        (S.PAID, S.FAILED),
        (S.PAID, S.REFUNDED),
        (S.FULFILLING, S.FULFILLED),
        (S.FULFILLING, S.FAILED),
        (S.FULFILLING, S.NEEDS_ATTENTION),
        (S.FULFILLING, S.REFUNDED),
        (S.NEEDS_ATTENTION, S.FULFILLING),
        (S.NEEDS_ATTENTION, S.REFUNDED),
        (S.FAILED, S.FULFILLING),
        (S.FAILED, S.REFUNDED),
        (S.FULFILLED, S.REFUNDED),
        (S.EXPIRED, S.PAID),
        (S.PAYMENT_FAILED, S.PAID),
    }
)
ALL_PAIRS = list(itertools.product(OrderStatus, OrderStatus))


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def make_order(status: OrderStatus = S.AWAITING_PAYMENT, items: int = 1) -> Order:
    lines = [OrderItemFactory.build(id=f"item-{n}", unit_price=eur("10.00")) for n in range(items)]
    return OrderFactory.build(id="order-1", items=lines, created_at=T0, status=status)


def status_of(order: Order) -> OrderStatus:
    """The status, read afresh (mypy would otherwise keep it narrowed across a state change)."""
    return order.status


def pair_id(pair: tuple[OrderStatus, OrderStatus]) -> str:
    return f"{pair[0]}->{pair[1]}"


# --- the state machine -------------------------------------------------------------------------------


def test_the_transition_table_is_the_specified_one() -> None:
    declared = {(src, dst) for src, targets in TRANSITIONS.items() for dst in targets}
    assert declared == LEGAL
    assert set(TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize("pair", ALL_PAIRS, ids=[pair_id(p) for p in ALL_PAIRS])
def test_every_pair_of_states(pair: tuple[OrderStatus, OrderStatus]) -> None:
    current, target = pair
    order = make_order(current)
    before = copy.deepcopy(order)

    if pair in LEGAL:
        order.transition_to(target, LATER)
        assert order.status is target
        assert order.updated_at == LATER
        # Only the status and the time moved.
        before.status, before.updated_at = target, LATER
        assert order == before
    else:
        with pytest.raises(IllegalTransition) as caught:
            order.transition_to(target, LATER)
        assert str(current) in str(caught.value)
        assert str(target) in str(caught.value)
        assert order == before


@pytest.mark.parametrize("status", list(OrderStatus))
def test_staying_in_the_same_state_is_not_a_transition(status: OrderStatus) -> None:
    order = make_order(status)
    before = copy.deepcopy(order)

    with pytest.raises(IllegalTransition):
        order.transition_to(status, LATER)
    assert order == before


def test_nothing_leads_back_to_awaiting_payment_and_refunded_is_final() -> None:
    assert all(S.AWAITING_PAYMENT not in targets for targets in TRANSITIONS.values())
    assert TRANSITIONS[S.REFUNDED] == frozenset()
    # Once fulfilled, the only way on is a refund: no late IPN can make it paid or failed again.
    assert TRANSITIONS[S.FULFILLED] == frozenset({S.REFUNDED})


def test_a_whole_happy_path_walks_forward() -> None:
    order = make_order()
    for step in (S.PAID, S.FULFILLING):
        order.transition_to(step, LATER)
    order.mark_item_fulfilled("item-0", LATER)
    order.complete(LATER)
    order.transition_to(S.REFUNDED, LATER)
    assert order.status is S.REFUNDED


# --- what the customer sees ---------------------------------------------------------------------------

CUSTOMER_VIEW = {
    S.AWAITING_PAYMENT: FulfillmentStatus.PENDING,
    S.UNDERPAID: FulfillmentStatus.PENDING,
    S.PAID: FulfillmentStatus.PROCESSING,
    S.FULFILLING: FulfillmentStatus.PROCESSING,
    S.FULFILLED: FulfillmentStatus.FULFILLED,
    S.FAILED: FulfillmentStatus.FAILED,
    S.NEEDS_ATTENTION: FulfillmentStatus.PROCESSING,
    S.EXPIRED: FulfillmentStatus.FAILED,
    S.PAYMENT_FAILED: FulfillmentStatus.FAILED,
    S.REFUNDED: FulfillmentStatus.FAILED,
}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_customer_status_for_every_state(status: OrderStatus) -> None:
    assert customer_status(status) is CUSTOMER_VIEW[status]
    assert make_order(status).customer_status is CUSTOMER_VIEW[status]


def test_the_customer_view_covers_every_state_with_the_four_public_values() -> None:
    assert set(CUSTOMER_VIEW) == set(OrderStatus)
    assert {customer_status(s) for s in OrderStatus} == set(FulfillmentStatus)
    assert {s.value for s in FulfillmentStatus} == {"pending", "processing", "fulfilled", "failed"}


# --- the fulfilment lease -----------------------------------------------------------------------------


def test_claiming_a_paid_order_starts_fulfillment_under_a_lease() -> None:
    order = make_order(S.PAID)

    assert order.claim("worker-a", T0, LEASE) is True
    assert order.status is S.FULFILLING
    assert order.lease_owner == "worker-a"
    assert order.lease_expires_at == T0 + LEASE
    assert order.updated_at == T0


def test_a_live_lease_of_another_worker_refuses_the_claim() -> None:
    order = make_order(S.PAID)
    order.claim("worker-a", T0, LEASE)
    before = copy.deepcopy(order)

    assert order.claim("worker-b", T0 + LEASE - timedelta(seconds=1), LEASE) is False
    assert order == before


@pytest.mark.parametrize("elapsed", [LEASE, LEASE + timedelta(seconds=1), timedelta(days=1)])
def test_an_expired_lease_can_be_taken_over(elapsed: timedelta) -> None:
    order = make_order(S.PAID)
    order.claim("worker-a", T0, LEASE)

    assert order.claim("worker-b", T0 + elapsed, LEASE) is True
    assert order.status is S.FULFILLING
    assert order.lease_owner == "worker-b"
    assert order.lease_expires_at == T0 + elapsed + LEASE


def test_the_same_owner_may_claim_again_and_extends_its_lease() -> None:
    order = make_order(S.PAID)
    order.claim("worker-a", T0, LEASE)

    assert order.claim("worker-a", T0 + timedelta(seconds=30), LEASE) is True
    assert order.lease_owner == "worker-a"
    assert order.lease_expires_at == T0 + timedelta(seconds=30) + LEASE
    assert order.status is S.FULFILLING


def test_claiming_a_failed_order_retries_it_and_clears_the_reason() -> None:
    order = make_order(S.PAID)
    order.claim("worker-a", T0, LEASE)
    order.fail("Not enough keys in stock.", T0)
    assert order.status is S.FAILED
    assert order.failure_reason == "Not enough keys in stock."
    assert order.lease_owner is None

    assert order.claim("worker-b", LATER, LEASE) is True
    assert status_of(order) is S.FULFILLING
    assert order.failure_reason is None
    assert order.lease_owner == "worker-b"


def test_a_held_order_keeps_its_reason_for_the_operator_and_is_retried_by_a_claim() -> None:
    order = make_order(S.PAID)
    order.claim("worker-a", T0, LEASE)
    order.hold("Held: the supplier's key for item item-0 is already ours.", T0)
    assert order.status is S.NEEDS_ATTENTION
    assert order.failure_reason == "Held: the supplier's key for item item-0 is already ours."
    assert order.lease_owner is None
    assert order.customer_status is FulfillmentStatus.PROCESSING

    assert order.claim("worker-b", LATER, LEASE) is True
    assert status_of(order) is S.FULFILLING
    assert order.failure_reason is None


@pytest.mark.parametrize(
    "status",
    [S.AWAITING_PAYMENT, S.UNDERPAID, S.FULFILLED, S.EXPIRED, S.PAYMENT_FAILED, S.REFUNDED],
)
def test_there_is_nothing_to_claim_before_payment_or_after_the_end(status: OrderStatus) -> None:
    order = make_order(status)
    before = copy.deepcopy(order)

    assert order.claim("worker-a", T0, LEASE) is False
    assert order == before


# --- completion ---------------------------------------------------------------------------------------


def test_complete_refuses_until_every_item_is_fulfilled() -> None:
    order = make_order(S.FULFILLING, items=2)
    order.lease_owner, order.lease_expires_at = "worker-a", T0 + LEASE

    with pytest.raises(IllegalTransition):
        order.complete(LATER)
    order.mark_item_fulfilled("item-0", LATER)
    with pytest.raises(IllegalTransition):
        order.complete(LATER)
    assert order.status is S.FULFILLING
    assert order.fulfilled_at is None

    order.mark_item_fulfilled("item-1", LATER)
    order.complete(LATER)
    assert status_of(order) is S.FULFILLED
    assert order.fulfilled_at == LATER
    assert order.lease_owner is None
    assert order.lease_expires_at is None


def test_complete_is_refused_outside_fulfilling_even_with_every_item_done() -> None:
    order = make_order(S.PAID)
    order.mark_item_fulfilled("item-0", LATER)

    with pytest.raises(IllegalTransition):
        order.complete(LATER)
    assert order.status is S.PAID


def test_marking_an_item_keeps_its_first_fulfillment_time() -> None:
    order = make_order(S.FULFILLING)
    order.mark_item_fulfilled("item-0", T0)
    order.mark_item_fulfilled("item-0", LATER)

    item = order.item("item-0")
    assert item is not None
    assert item.fulfilled_at == T0
    with pytest.raises(InvalidValue):
        order.mark_item_fulfilled("no-such-item", LATER)


# --- reveals ------------------------------------------------------------------------------------------


def test_a_fulfilled_order_is_revealable_and_counts_reveals() -> None:
    order = make_order(S.FULFILLED)
    order.ensure_revealable()
    order.record_reveal(LATER)
    order.record_reveal(LATER)
    assert order.reveal_count == 2
    assert order.updated_at == LATER


def test_a_refund_blocks_reveals() -> None:
    order = make_order(S.FULFILLED)
    order.record_reveal(LATER)
    order.transition_to(S.REFUNDED, LATER)

    with pytest.raises(RevealsBlocked):
        order.ensure_revealable()
    with pytest.raises(RevealsBlocked):
        order.record_reveal(LATER)
    assert order.reveal_count == 1


@pytest.mark.parametrize("status", [s for s in OrderStatus if s not in (S.FULFILLED, S.REFUNDED)])
def test_an_unfulfilled_order_reveals_nothing(status: OrderStatus) -> None:
    order = make_order(status)

    with pytest.raises(NotFulfilledYet):
        order.ensure_revealable()
    with pytest.raises(NotFulfilledYet):
        order.record_reveal(LATER)
    assert order.reveal_count == 0


# --- items and totals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY_PER_ITEM + 1])
def test_a_quantity_outside_the_range_is_refused(quantity: int) -> None:
    with pytest.raises(InvalidValue):
        OrderItem("item", "product", quantity, eur("1"))


def test_quantity_bounds_are_accepted() -> None:
    assert OrderItem("item", "product", 1, eur("1")).quantity == 1
    assert OrderItem("item", "product", MAX_QUANTITY_PER_ITEM, eur("1")).quantity == MAX_QUANTITY_PER_ITEM


def test_an_order_needs_items_in_one_currency_and_not_too_many() -> None:
    def order_of(items: list[OrderItem]) -> Order:
        return Order("o", "a@b.co", "EUR", items, "0" * 64, T0, T0)

    with pytest.raises(InvalidValue):
        order_of([])
    with pytest.raises(InvalidValue):
        order_of([OrderItem("i", "p", 1, Money.of("1", "USD"))])
    with pytest.raises(InvalidValue):
        order_of([OrderItem(f"i{n}", f"p{n}", 1, eur("1")) for n in range(MAX_ITEMS_PER_ORDER + 1)])
    assert len(order_of([OrderItem(f"i{n}", f"p{n}", 1, eur("1")) for n in range(10)]).items) == 10


def test_the_total_is_the_exact_sum_of_the_lines() -> None:
    order = Order(
        "o",
        "a@b.co",
        "EUR",
        [OrderItem("i1", "p1", 3, eur("19.99")), OrderItem("i2", "p2", 1, eur("0.01"))],
        "0" * 64,
        T0,
        T0,
    )
    assert order.total == eur("59.98")
    assert order.total.amount == Decimal("59.98")


# --- money --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["-0.01", "-1", "NaN", "sNaN", "Infinity", "-Infinity", "abc", "", "1,5"])
def test_bad_amounts_are_refused(amount: str) -> None:
    with pytest.raises(InvalidValue):
        Money.of(amount, "EUR")


def test_a_non_decimal_amount_is_refused() -> None:
    with pytest.raises(InvalidValue):
        Money(1.5, "EUR")  # type: ignore[arg-type]


def test_at_most_eight_decimal_places() -> None:
    assert Money.of("0.00000001", "BTC").amount == Decimal("0.00000001")
    with pytest.raises(InvalidValue):
        Money.of("0.000000001", "BTC")
    with pytest.raises(InvalidValue):
        Money.of("0.123456789", "EUR")
    # Trailing zeros count as places too: the amount is kept as given.
    with pytest.raises(InvalidValue):
        Money.of("1.000000000", "EUR")


@pytest.mark.parametrize("currency", ["", "E", "EU R", "€UR", "EUR!", "X" * 13])
def test_bad_currencies_are_refused(currency: str) -> None:
    with pytest.raises(InvalidValue):
        Money.of("1", currency)


def test_currency_is_upper_cased_and_zero_is_allowed() -> None:
    assert Money.of("0", "eur") == Money.of("0", "EUR")
    assert Money.of("0", "usdt").currency == "USDT"


def test_arithmetic_is_exact_and_keeps_the_currency() -> None:
    assert eur("0.10").plus(eur("0.20")) == eur("0.30")
    assert eur("19.99").times(3) == eur("59.97")
    assert eur("0.00000001").times(3).amount == Decimal("0.00000003")
    assert str(eur("12.50")) == "12.50 EUR"


def test_adding_different_currencies_is_refused() -> None:
    with pytest.raises(InvalidValue):
        eur("1").plus(Money.of("1", "USD"))
