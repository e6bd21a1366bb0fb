"""`domain.payment.decide` (docs/payments.md): what one NOWPayments notification does to an order."""

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bitloot.domain.money import Money
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import (
    PaymentDecision,
    PaymentNotification,
    PaymentOutcome,
    PaymentStatus,
    decide,
)
from tests.factories.domain import OrderFactory, OrderItemFactory, PaymentNotificationFactory

S = OrderStatus
P = PaymentStatus
O = PaymentOutcome  # noqa: E741
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def make_order(status: OrderStatus = S.AWAITING_PAYMENT, order_id: str = "order-1") -> Order:
    # Total: 2 x 19.99 = 39.98 EUR.
    item = OrderItemFactory.build(quantity=2, unit_price=Money.of("19.99", "EUR"))
    return OrderFactory.build(id=order_id, items=[item], status=status)


def note(status: PaymentStatus = P.FINISHED, **changes: object) -> PaymentNotification:
    """A notification paying order-1's 39.98 EUR in full."""
    fields = {"order_id": "order-1", "price_amount": Decimal("39.98"), "price_currency": "eur", **changes}
    return PaymentNotificationFactory.build(status=status, **fields)


def decided(status: OrderStatus, notification: PaymentNotification) -> PaymentDecision:
    """The decision; and `decide` never touches the order it looks at."""
    order = make_order(status)
    before = copy.deepcopy(order)
    decision = decide(order, notification)
    assert order == before
    return decision


# --- statuses that only report progress ---------------------------------------------------------------


@pytest.mark.parametrize("payment_status", [P.WAITING, P.CONFIRMING, P.CONFIRMED, P.SENDING])
@pytest.mark.parametrize("order_status", list(OrderStatus))
def test_progress_reports_change_nothing(payment_status: PaymentStatus, order_status: OrderStatus) -> None:
    assert decided(order_status, note(payment_status)) == PaymentDecision(O.NO_CHANGE)


# --- finished -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("order_status", [S.AWAITING_PAYMENT, S.UNDERPAID, S.EXPIRED, S.PAYMENT_FAILED])
def test_a_matching_finished_payment_pays_the_order(order_status: OrderStatus) -> None:
    assert decided(order_status, note(P.FINISHED)) == PaymentDecision(O.APPLIED, S.PAID)


def test_a_second_finished_for_a_paid_order_changes_nothing() -> None:
    assert decided(S.PAID, note(P.FINISHED)) == PaymentDecision(O.NO_CHANGE)


@pytest.mark.parametrize("order_status", [S.FULFILLING, S.FULFILLED, S.FAILED, S.REFUNDED])
def test_a_late_finished_never_moves_an_order_back(order_status: OrderStatus) -> None:
    assert decided(order_status, note(P.FINISHED)) == PaymentDecision(O.STALE)


@pytest.mark.parametrize(
    "changes",
    [
        {"price_amount": Decimal("39.97")},
        {"price_amount": Decimal("39.99")},
        {"price_amount": Decimal("19.99")},
        {"price_amount": Decimal("0")},
        {"price_currency": "usd"},
        {"price_currency": "eurt"},
        {"order_id": "order-2"},
        {"order_id": ""},
    ],
    ids=lambda changes: "-".join(f"{k}={v}" for k, v in changes.items()),
)
def test_a_finished_payment_that_does_not_match_the_order_is_a_mismatch(changes: dict[str, object]) -> None:
    assert decided(S.AWAITING_PAYMENT, note(P.FINISHED, **changes)) == PaymentDecision(O.MISMATCH)


def test_amounts_match_by_value_and_currency_by_code_whatever_the_spelling() -> None:
    for spelled in (
        note(price_amount=Decimal("39.980"), price_currency="EUR"),
        note(price_amount=Decimal("39.98000000"), price_currency="Eur"),
    ):
        assert decided(S.AWAITING_PAYMENT, spelled) == PaymentDecision(O.APPLIED, S.PAID)


def test_paying_less_than_asked_is_insufficient() -> None:
    short = note(P.FINISHED, actually_paid=Decimal("0.0011999"))
    assert decided(S.AWAITING_PAYMENT, short) == PaymentDecision(O.INSUFFICIENT)
    assert decided(S.UNDERPAID, short) == PaymentDecision(O.INSUFFICIENT)


def test_paying_exactly_or_more_than_asked_pays() -> None:
    for paid in (Decimal("0.0012"), Decimal("0.0013")):
        assert decided(S.AWAITING_PAYMENT, note(actually_paid=paid)) == PaymentDecision(O.APPLIED, S.PAID)


@pytest.mark.parametrize("payment_status", list(PaymentStatus))
def test_a_repeated_deposit_is_recorded_never_applied(payment_status: PaymentStatus) -> None:
    repeated = note(payment_status, parent_payment_id="5077125051", payment_id="5077125099")
    for order_status in (S.AWAITING_PAYMENT, S.UNDERPAID, S.PAID, S.FULFILLED):
        assert decided(order_status, repeated) == PaymentDecision(O.REPEATED_DEPOSIT)


# --- partially paid, failed, expired ------------------------------------------------------------------


def test_partially_paid_makes_an_awaiting_order_underpaid() -> None:
    partial = note(P.PARTIALLY_PAID, actually_paid=Decimal("0.0006"))
    assert decided(S.AWAITING_PAYMENT, partial) == PaymentDecision(O.APPLIED, S.UNDERPAID)
    assert decided(S.UNDERPAID, partial) == PaymentDecision(O.NO_CHANGE)


@pytest.mark.parametrize(
    "order_status", [S.PAID, S.FULFILLING, S.FULFILLED, S.FAILED, S.EXPIRED, S.PAYMENT_FAILED, S.REFUNDED]
)
def test_a_late_partially_paid_is_stale(order_status: OrderStatus) -> None:
    assert decided(order_status, note(P.PARTIALLY_PAID)) == PaymentDecision(O.STALE)


@pytest.mark.parametrize(("payment_status", "target"), [(P.FAILED, S.PAYMENT_FAILED), (P.EXPIRED, S.EXPIRED)])
def test_failed_and_expired_end_an_unpaid_order(payment_status: PaymentStatus, target: OrderStatus) -> None:
    for order_status in (S.AWAITING_PAYMENT, S.UNDERPAID):
        assert decided(order_status, note(payment_status)) == PaymentDecision(O.APPLIED, target)
    assert decided(target, note(payment_status)) == PaymentDecision(O.NO_CHANGE)


@pytest.mark.parametrize("payment_status", [P.FAILED, P.EXPIRED])
@pytest.mark.parametrize("order_status", [S.PAID, S.FULFILLING, S.FULFILLED, S.FAILED, S.REFUNDED])
def test_failed_and_expired_never_undo_a_payment(
    payment_status: PaymentStatus, order_status: OrderStatus
) -> None:
    assert decided(order_status, note(payment_status)) == PaymentDecision(O.STALE)


# --- refunded -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("order_status", [S.UNDERPAID, S.PAID, S.FULFILLING, S.FULFILLED, S.FAILED])
def test_a_refund_of_received_money_is_applied(order_status: OrderStatus) -> None:
    assert decided(order_status, note(P.REFUNDED)) == PaymentDecision(O.APPLIED, S.REFUNDED)


def test_a_refund_after_fulfillment_refunds_the_order() -> None:
    assert decided(S.FULFILLED, note(P.REFUNDED)) == PaymentDecision(O.APPLIED, S.REFUNDED)
    assert decided(S.REFUNDED, note(P.REFUNDED)) == PaymentDecision(O.NO_CHANGE)


@pytest.mark.parametrize("order_status", [S.AWAITING_PAYMENT, S.EXPIRED, S.PAYMENT_FAILED])
def test_a_refund_for_an_order_that_never_took_money_is_stale(order_status: OrderStatus) -> None:
    assert decided(order_status, note(P.REFUNDED)) == PaymentDecision(O.STALE)


# --- any status for another order ---------------------------------------------------------------------


@pytest.mark.parametrize("payment_status", [P.FINISHED, P.PARTIALLY_PAID, P.FAILED, P.EXPIRED, P.REFUNDED])
def test_a_notification_naming_another_order_never_changes_this_one(payment_status: PaymentStatus) -> None:
    for order_status in (S.AWAITING_PAYMENT, S.UNDERPAID, S.FULFILLED):
        decision = decided(order_status, note(payment_status, order_id="order-2"))
        assert decision.target is None
        assert decision.outcome is O.MISMATCH


def test_the_order_moves_to_exactly_the_decided_target() -> None:
    order = make_order()
    decision = decide(order, note(P.FINISHED))
    assert decision.target is not None
    order.transition_to(decision.target, T0)
    assert order.status is S.PAID
    # The same notification again, now that the order is paid, is harmless.
    assert decide(order, note(P.FINISHED)) == PaymentDecision(O.NO_CHANGE)
