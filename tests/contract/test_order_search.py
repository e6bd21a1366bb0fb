"""OrderSearch and OperationsOverview: the operator's reads of orders (docs/console.md), the same on
every adapter: each kind of query, the filters, keyset paging without gaps or repeats, the figures."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bitloot.application.ports.order_search import OrderCriteria, OrderCursor
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.search_orders import SearchOrders, SearchOrdersRequest
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind, DeliveryEmailStatus
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus
from tests.contract.conftest import UowFactory
from tests.contract.factories import at, make_item, make_order, make_payment, make_product, store

ALL = OrderCriteria()


async def ids(uow: UnitOfWork, criteria: OrderCriteria = ALL, limit: int = 100) -> list[str]:
    found = [s.id for s in await uow.order_search.search(criteria, limit)]
    await uow.rollback()
    return found


async def test_a_summary_says_what_the_list_shows(uow_factory: UowFactory) -> None:
    game, dlc = make_product(price="19.99"), make_product(price="5")
    order = make_order(
        make_item(game, quantity=2), make_item(dlc), created_at=at(10), status=OrderStatus.FAILED
    )
    order.payment_reference, order.failure_reason, order.updated_at = (
        "INV-1",
        "Not enough keys in stock.",
        at(20),
    )
    await store(uow_factory(), products=[game, dlc], orders=[order])

    uow = uow_factory()
    [summary] = await uow.order_search.search(ALL, 10)
    await uow.rollback()

    assert (summary.id, summary.email, summary.status) == (order.id, order.email, OrderStatus.FAILED)
    assert (str(summary.total.amount), summary.total.currency) == ("44.98", "EUR")
    assert (summary.item_count, summary.unit_count) == (2, 3)
    assert (summary.created_at, summary.updated_at) == (at(10), at(20))
    assert (summary.payment_reference, summary.failure_reason) == ("INV-1", "Not enough keys in stock.")


async def test_the_query_matches_an_order_id_an_email_ignoring_case_or_a_payment_id(
    uow_factory: UowFactory,
) -> None:
    product = make_product(price="1")
    by_id, by_email, by_invoice, by_payment, other = (
        make_order(make_item(product), created_at=at(n)) for n in range(5)
    )
    by_email.email = "Player.One@example.com"
    by_invoice.payment_reference = "5077125051"
    other.email = "someone@example.com"
    uow = uow_factory()
    await store(uow, products=[product], orders=[by_id, by_email, by_invoice, by_payment, other])
    uow = uow_factory()
    await uow.payments.add(make_payment(by_payment.id, payment_id="4522625843"))
    await uow.payments.add(make_payment("not-an-order-of-ours", payment_id="999"))
    await uow.commit()

    assert await ids(uow_factory(), OrderCriteria(text=by_id.id)) == [by_id.id]
    assert await ids(uow_factory(), OrderCriteria(text="player.one@EXAMPLE.com")) == [by_email.id]
    assert await ids(uow_factory(), OrderCriteria(text="5077125051")) == [by_invoice.id]
    assert await ids(uow_factory(), OrderCriteria(text="4522625843")) == [by_payment.id]
    assert await ids(uow_factory(), OrderCriteria(text="999")) == []
    assert await ids(uow_factory(), OrderCriteria(text="player.one")) == []  # exact, not a prefix
    assert await ids(uow_factory(), OrderCriteria(text=by_id.id[:-1])) == []


async def test_filters_by_states_and_a_creation_window_newest_first(uow_factory: UowFactory) -> None:
    product = make_product(price="1")
    statuses = [OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.FULFILLED, OrderStatus.FAILED]
    orders = [make_order(make_item(product), created_at=at(n * 60), status=s) for n, s in enumerate(statuses)]
    await store(uow_factory(), products=[product], orders=orders)

    assert await ids(uow_factory()) == [o.id for o in reversed(orders)]
    failed = OrderCriteria(statuses=frozenset({OrderStatus.FAILED}))
    assert await ids(uow_factory(), failed) == [orders[3].id, orders[1].id]
    either = OrderCriteria(statuses=frozenset({OrderStatus.FAILED, OrderStatus.PAID}))
    assert await ids(uow_factory(), either) == [orders[3].id, orders[1].id, orders[0].id]
    window = OrderCriteria(created_from=at(60), created_to=at(180))  # from inclusive, to exclusive
    assert await ids(uow_factory(), window) == [orders[2].id, orders[1].id]
    both = OrderCriteria(statuses=frozenset({OrderStatus.FAILED}), created_from=at(120))
    assert await ids(uow_factory(), both) == [orders[3].id]


async def test_keyset_pages_of_orders_with_equal_times_have_no_gap_and_no_repeat(
    uow_factory: UowFactory,
) -> None:
    product = make_product(price="1")
    orders = [make_order(make_item(product), created_at=at(n // 100)) for n in range(300)]
    await store(uow_factory(), products=[product], orders=orders)

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await SearchOrders(uow_factory()).execute(SearchOrdersRequest(cursor=cursor, limit=23))
        seen.extend(s.id for s in page.orders)
        pages += 1
        if page.next is None:
            break
        cursor = page.next

    assert pages == 14
    assert len(seen) == len(set(seen)) == 300
    newest_first = sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)
    assert seen == [o.id for o in newest_first]


async def test_a_page_after_a_cursor_is_strictly_older(uow_factory: UowFactory) -> None:
    product = make_product(price="1")
    orders = [make_order(make_item(product), created_at=at(5)) for _ in range(4)]
    await store(uow_factory(), products=[product], orders=orders)
    ordered = sorted(orders, key=lambda o: o.id, reverse=True)

    uow = uow_factory()
    after = await uow.order_search.search(ALL, 10, OrderCursor(at(5), ordered[1].id))
    await uow.rollback()

    assert [s.id for s in after] == [ordered[2].id, ordered[3].id]


async def test_overview_figures(uow_factory: UowFactory) -> None:
    product = make_product(price="1")

    def order(status: OrderStatus, created: float, updated: float | None = None) -> Order:
        made = make_order(make_item(product), created_at=at(created), status=status)
        made.updated_at = at(updated if updated is not None else created)
        return made

    late = order(OrderStatus.PAID, 0)
    late_by_payment = order(OrderStatus.FULFILLING, 10)
    recent = order(OrderStatus.PAID, 500)
    failed_old, failed_new = order(OrderStatus.FAILED, 0, 100), order(OrderStatus.FAILED, 0, 200)
    held = order(OrderStatus.NEEDS_ATTENTION, 0, 50)
    done = order(OrderStatus.FULFILLED, 900)
    await store(
        uow_factory(),
        products=[product],
        orders=[late, late_by_payment, recent, failed_old, failed_new, held, done],
    )
    uow = uow_factory()
    applied: dict[str, Any] = {"status": PaymentStatus.FINISHED, "outcome": PaymentOutcome.APPLIED}
    await uow.payments.add(make_payment(late_by_payment.id, received_at=at(100), **applied))
    await uow.payments.add(make_payment(recent.id, received_at=at(550), **applied))
    await uow.fulfillment_requests.add(late.id, at(30))
    await uow.fulfillment_requests.add(recent.id, at(600))
    await uow.fulfillment_requests.add(done.id, at(10))
    await uow.fulfillment_requests.mark_done(done.id, at(950))
    email = DeliveryEmail.owed(
        DeliveryEmailKind.ORDER_FULFILLED, done.id, done.email, at(950), email_id="e-1"
    )
    await uow.emails.add(email)
    await uow.commit()

    reads = uow_factory().overview
    assert await reads.created_per_status(at(500)) == {OrderStatus.PAID: 1, OrderStatus.FULFILLED: 1}
    assert await reads.count_in([OrderStatus.FAILED, OrderStatus.NEEDS_ATTENTION]) == {
        OrderStatus.FAILED: 2,
        OrderStatus.NEEDS_ATTENTION: 1,
    }
    count, oldest = await reads.paid_unfulfilled(at(300), 5)
    assert count == 2
    assert [(m.order_id, m.at) for m in oldest] == [(late.id, at(0)), (late_by_payment.id, at(100))]
    assert (await reads.paid_unfulfilled(at(300), 1))[0] == 2
    assert [m.order_id for m in await reads.latest_in(OrderStatus.FAILED, 5)] == [
        failed_new.id,
        failed_old.id,
    ]
    backlog = await reads.fulfillment_backlog()
    assert (backlog.count, backlog.oldest_at) == (2, at(30))
    emails = await reads.email_backlog()
    assert (emails.pending, emails.oldest_pending_at, emails.failed) == (1, at(950), 0)
    request = await reads.request_of(done.id)
    assert request is not None
    assert (request.state, request.updated_at) == ("done", at(950))
    assert await reads.request_of(late_by_payment.id) is None


async def test_the_email_backlog_counts_failed_emails(uow_factory: UowFactory) -> None:
    product = make_product(price="1")
    order = make_order(make_item(product), status=OrderStatus.FULFILLED)
    await store(uow_factory(), products=[product], orders=[order])
    uow = uow_factory()
    failed = replace(
        DeliveryEmail.owed(DeliveryEmailKind.ORDER_FULFILLED, order.id, order.email, at(0), email_id="e-2"),
        status=DeliveryEmailStatus.FAILED,
        last_error="SMTP 550",
        updated_at=at(0) + timedelta(days=3),
    )
    await uow.emails.add(failed)
    await uow.commit()

    emails = await uow_factory().overview.email_backlog()

    assert (emails.pending, emails.oldest_pending_at, emails.failed) == (0, None, 1)
