"""Every line about an order names it (`order_id`, bitloot.application.log_context): the use cases
note the order they work on, and a round over several orders names each on its own lines only."""

import asyncio
import logging
from collections.abc import Iterator

import pytest

from bitloot.application import log_context
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.domain.payment import PaymentStatus
from bitloot.entrypoints.logs.record_fields import ContextFilter
from tests.unit.conftest import World


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """The records `bitloot` logs, each stamped with the context it was logged in (as the processes'
    handlers do)."""
    kept = Kept()
    kept.addFilter(ContextFilter())
    logger = logging.getLogger("bitloot")
    level = logger.level
    logger.addHandler(kept)
    logger.setLevel(logging.INFO)
    yield kept.records
    logger.removeHandler(kept)
    logger.setLevel(level)


def order_of(record: logging.LogRecord) -> object:
    return getattr(record, "order_id", None)


async def test_a_fulfilment_job_s_lines_name_its_order(
    world: World, records: list[logging.LogRecord]
) -> None:
    product = await world.product(keys=["KEY-1"])
    placed = await world.order(product)
    await asyncio.create_task(world.pay(placed))  # the IPN's request
    records.clear()

    # A job is an asyncio task of its own, as in the worker.
    outcome = await asyncio.create_task(world.fulfill_use_case().execute(placed.order.id))

    assert outcome is FulfillOutcome.FULFILLED
    (fulfilled,) = [r for r in records if r.getMessage() == f"order {placed.order.id} fulfilled"]
    assert order_of(fulfilled) == placed.order.id
    assert log_context.current() == {}, "the job's order stays with the job"


async def test_the_payment_notification_s_lines_name_its_order(
    world: World, records: list[logging.LogRecord]
) -> None:
    product = await world.product(keys=["KEY-1"])
    placed = await world.order(product)
    records.clear()

    await asyncio.create_task(world.pay(placed, PaymentStatus.WAITING))

    lines = [
        r for r in records if r.getMessage().startswith(f"payment notification for order {placed.order.id}")
    ]
    assert lines
    assert all(order_of(r) == placed.order.id for r in lines)


async def test_a_round_over_several_orders_names_each_on_its_own_lines(
    world: World, records: list[logging.LogRecord]
) -> None:
    product = await world.product(keys=["KEY-1", "KEY-2"])
    first, second = await world.order(product), await world.order(product)
    records.clear()

    # One round of the reconciler's email sender, in this very task: two "order received" emails.
    await world.send_delivery_emails_use_case().execute()

    sent = {r.getMessage(): order_of(r) for r in records if r.getMessage().endswith("email sent")}
    assert sent == {
        f"order {first.order.id}: order_received email sent": first.order.id,
        f"order {second.order.id}: order_received email sent": second.order.id,
    }
    assert log_context.current() == {}, "no order is left in play after the round"
