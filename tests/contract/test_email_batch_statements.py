"""Issue 14: the emails of a batch of orders cost the same reads for two orders as for ten (the
claim, then the orders, their items and their products), and one write per email, its mark as sent
right after the mail server took it. On SQL only: the statements are what is counted."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bitloot.adapters.links.hmac_links import HmacDeliveryLinks, HmacOrderPageLinks
from bitloot.application.use_cases.send_delivery_emails import (
    DeliveryEmailSettings,
    SendDeliveryEmails,
    SendReport,
)
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.ids import new_id
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.shop import ShopIdentity
from tests.contract.conftest import UowFactory
from tests.contract.factories import T0, make_item, make_order, make_product, store
from tests.factories.emails import RENDERER
from tests.fakes.clock import FrozenClock
from tests.fakes.email_sender import RecordingEmailSender

SITE = "https://shop.example"


@contextmanager
def statements() -> Iterator[list[str]]:
    """The first word of each SQL statement any engine runs meanwhile (never parameters)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]).split()[0].upper())

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def fulfilled_orders_owing_their_email(uow_factory: UowFactory, count: int) -> list[Order]:
    products = [make_product() for _ in range(count)]
    orders = [make_order(make_item(product), status=OrderStatus.FULFILLED) for product in products]
    await store(uow_factory(), products=products, orders=orders)
    uow = uow_factory()
    owed = [
        DeliveryEmail.owed(DeliveryEmailKind.ORDER_FULFILLED, order.id, order.email, T0, email_id=new_id())
        for order in orders
    ]
    assert len(await uow.emails.add_many(owed)) == count
    await uow.commit()
    return orders


@pytest.mark.parametrize("persistence", ["sqlite", "postgres"], indirect=True)
async def test_a_batch_reads_the_same_for_two_orders_as_for_ten_and_writes_once_per_email(
    uow_factory: UowFactory,
) -> None:
    counted: dict[int, list[str]] = {}
    for count in (2, 10):
        orders = await fulfilled_orders_owing_their_email(uow_factory, count)
        sender = RecordingEmailSender()
        use_case = SendDeliveryEmails(
            uow_factory(),
            HmacDeliveryLinks(b"l" * 32, SITE),
            HmacOrderPageLinks(b"l" * 32, SITE),
            ShopIdentity(),
            RENDERER,
            sender,
            FrozenClock(T0),
            DeliveryEmailSettings(),
        )
        with statements() as seen:
            report = await use_case.execute_for_orders([order.id for order in orders])
        assert report == SendReport(sent=count)
        assert sorted(n.order_id for n in sender.sent) == sorted(order.id for order in orders)
        counted[count] = seen

    for count, seen in counted.items():
        # The claim, then each email's mark as sent.
        assert seen.count("UPDATE") == 1 + count
        # The orders joined with their items, then their products: whatever their number.
        assert seen.count("SELECT") == 2
