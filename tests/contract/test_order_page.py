"""OrderPageReader: the customer's order page in one read (two for an underpaid order), the same on
every adapter: the items in their order with their products' names, the latest partial payment that
counted, always the committed state, and never a transaction left open."""

from datetime import timedelta
from decimal import Decimal

from bitloot.application.ports.order_page import OrderPageLine, PartialPayment
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentRecord, PaymentStatus
from tests.contract.conftest import Persistence
from tests.contract.factories import at, make_item, make_order, make_payment, make_product, read_order, store

S = OrderStatus


async def stored_order(persistence: Persistence, status: OrderStatus) -> Order:
    """An order of one item of a product priced 10, stored (with its product) in `status`."""
    product = make_product(price="10")
    order = make_order(make_item(product), status=status)
    await store(persistence.uow_factory(), products=[product], orders=[order])
    return order


async def add_payments(persistence: Persistence, *records: PaymentRecord) -> None:
    """Payment records added and committed in one transaction."""
    uow = persistence.uow_factory()
    for record in records:
        await uow.payments.add(record)
    await uow.commit()


async def test_an_order_reads_back_with_its_items_names_and_prices(persistence: Persistence) -> None:
    cheap, dear = make_product(price="5", name="Cheap Game"), make_product(price="19.99", name="Dear Game")
    items = [make_item(dear, quantity=2), make_item(cheap), make_item(dear, price="18.5")]
    order = make_order(*items, created_at=at(0))
    order.payment_url = "https://pay.example/invoice/1"
    order.reveal_count = 3
    await store(persistence.uow_factory(), products=[cheap, dear], orders=[order])

    view = await persistence.order_page.order_page(order.id)

    assert view is not None
    assert (view.order_id, view.status, view.currency) == (order.id, S.AWAITING_PAYMENT, order.currency)
    assert view.lines == (
        OrderPageLine(dear.id, "Dear Game", 2, dear.price),
        OrderPageLine(cheap.id, "Cheap Game", 1, cheap.price),
        OrderPageLine(dear.id, "Dear Game", 1, items[2].unit_price),
    )
    assert str(view.lines[2].unit_price.amount) == "18.5"
    assert view.payment_url == "https://pay.example/invoice/1"
    assert view.reveal_count == 3
    assert view.created_at == at(0)
    assert view.fulfilled_at is None
    assert view.partial_payment is None


async def test_an_underpaid_order_reads_its_latest_partial_payment_that_counted(
    persistence: Persistence,
) -> None:
    order = await stored_order(persistence, S.UNDERPAID)
    partial = PaymentStatus.PARTIALLY_PAID
    await add_payments(
        persistence,
        make_payment(
            order.id, status=partial, actually_paid="0.0001", pay_amount=Decimal("0.0004"), received_at=at(1)
        ),
        make_payment(
            order.id,
            status=partial,
            outcome=PaymentOutcome.NO_CHANGE,
            actually_paid="0.00025",
            pay_amount=Decimal("0.0004"),
            received_at=at(2),
        ),
        # Later, but not one that counted: a repeated deposit, a notification about another order.
        make_payment(
            order.id,
            status=partial,
            outcome=PaymentOutcome.REPEATED_DEPOSIT,
            actually_paid="9",
            received_at=at(3),
        ),
        make_payment("another-order", status=partial, actually_paid="8", received_at=at(4)),
        make_payment(order.id, status=PaymentStatus.WAITING, actually_paid="7", received_at=at(5)),
    )

    view = await persistence.order_page.order_page(order.id)

    assert view is not None
    assert view.partial_payment == PartialPayment(Decimal("0.00025"), Decimal("0.0004"), "btc")


async def test_a_partial_payment_recorded_before_the_amount_asked_was_kept(persistence: Persistence) -> None:
    order = await stored_order(persistence, S.UNDERPAID)
    await add_payments(
        persistence,
        make_payment(order.id, status=PaymentStatus.PARTIALLY_PAID, actually_paid="0.5", pay_amount=None),
    )

    view = await persistence.order_page.order_page(order.id)

    assert view is not None
    assert view.partial_payment == PartialPayment(Decimal("0.5"), None, "btc")


async def test_the_partial_payment_is_read_only_while_the_order_is_underpaid(
    persistence: Persistence,
) -> None:
    order = await stored_order(persistence, S.PAID)
    await add_payments(persistence, make_payment(order.id, status=PaymentStatus.PARTIALLY_PAID))

    view = await persistence.order_page.order_page(order.id)

    assert view is not None
    assert view.partial_payment is None


async def test_it_sees_committed_changes_only_and_leaves_no_transaction_open(
    persistence: Persistence,
) -> None:
    order = await stored_order(persistence, S.PAID)
    uow = persistence.uow_factory()
    stored = await read_order(uow, order.id)
    stored.claim("worker", at(1), timedelta(seconds=10))
    stored.mark_item_fulfilled(stored.items[0].id, at(2))
    stored.complete(at(2))
    await uow.orders.save(stored)

    before = await persistence.order_page.order_page(order.id)
    await uow.commit()  # SQLite has one writer: an open read would block this commit
    after = await persistence.order_page.order_page(order.id)

    assert before is not None
    assert before.status is S.PAID
    assert after is not None
    assert after.status is S.FULFILLED
    assert after.fulfilled_at == at(2)


async def test_unknown_ids_and_ids_no_order_can_have_are_none(persistence: Persistence) -> None:
    for order_id in ("no-such-order", "bad\x00id", "x" * 10_000):
        assert await persistence.order_page.order_page(order_id) is None
