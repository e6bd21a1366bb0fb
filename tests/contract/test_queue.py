"""One contract for `FulfillmentQueue`: the recording fake, Taskiq in-process, and Taskiq on real Redis.

Every enqueued order id reaches a consumer; a broker that is down raises `QueueUnavailable`."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.receiver import Receiver

from bitloot.adapters.queue.reconnecting_stream_broker import ReconnectingRedisStreamBroker
from bitloot.adapters.queue.taskiq_queue import FULFILL_TASK, TaskiqFulfillmentQueue
from bitloot.application.errors import QueueUnavailable
from bitloot.application.ports.queue import FulfillmentQueue
from tests.fakes.queue import RecordingQueue
from tests.infra.ports import free_ports


@dataclass
class Harness:
    queue: FulfillmentQueue
    received: Callable[[], list[str]]
    broken: Callable[[], Awaitable[FulfillmentQueue]]


def recording_task(broker: AsyncBroker, received: list[str]) -> None:
    async def record(order_id: str) -> None:
        received.append(order_id)

    broker.register_task(record, task_name=FULFILL_TASK)


def redis_broker(url: str, queue_name: str) -> ReconnectingRedisStreamBroker:
    """The broker `bitloot worker` builds (entrypoints/tasks.py), with short test timeouts."""
    return ReconnectingRedisStreamBroker(
        url,
        queue_name=queue_name,
        consumer_group_name=f"{queue_name}:workers",
        xread_block=200,
        unacknowledged_lock_timeout=5,
        socket_connect_timeout=1,
        socket_timeout=2,
    )


@pytest.fixture(params=["memory", "inprocess", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        fake = RecordingQueue()

        async def broken_fake() -> FulfillmentQueue:
            down = RecordingQueue()
            down.unavailable = True
            return down

        yield Harness(fake, lambda: fake.enqueued, broken_fake)
        return
    received: list[str] = []
    if request.param == "inprocess":
        broker: AsyncBroker = InMemoryBroker(await_inplace=True)
        recording_task(broker, received)
        await broker.startup()

        async def broken_inprocess() -> FulfillmentQueue:
            down = InMemoryBroker()  # no task registered: nothing can take the job
            return TaskiqFulfillmentQueue(down)

        yield Harness(TaskiqFulfillmentQueue(broker), lambda: received, broken_inprocess)
        await broker.shutdown()
        return
    url: str = request.getfixturevalue("redis_url")
    queue_name: str = request.getfixturevalue("queue_name")
    broker = redis_broker(url, queue_name)
    recording_task(broker, received)
    await broker.startup()
    stop = asyncio.Event()
    consumer = asyncio.create_task(Receiver(broker, run_startup=False).listen(stop))
    # Let the receiver start: taskiq 0.13's `listen` never returns when stopped before it ran.
    await asyncio.sleep(0.1)
    opened: list[AsyncBroker] = [broker]

    async def broken_redis() -> FulfillmentQueue:
        (closed_port,) = free_ports(1)
        down = redis_broker(f"redis://127.0.0.1:{closed_port}/0", queue_name)
        opened.append(down)
        return TaskiqFulfillmentQueue(down)

    try:
        yield Harness(TaskiqFulfillmentQueue(broker), lambda: received, broken_redis)
    finally:
        stop.set()
        await asyncio.wait_for(consumer, 10)
        for each in opened:
            await each.shutdown()
        await _delete_stream(url, queue_name)


async def _delete_stream(url: str, queue_name: str) -> None:
    from redis.asyncio import Redis

    async with Redis.from_url(url) as redis:
        await redis.delete(queue_name)


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_every_enqueued_order_reaches_a_consumer(harness: Harness) -> None:
    ids = [f"order-{n}" for n in range(25)]
    for order_id in ids:
        await harness.queue.enqueue(order_id)
    await until(lambda: set(ids) <= set(harness.received()))


async def test_the_same_order_twice_is_delivered_twice(harness: Harness) -> None:
    """The queue does not deduplicate: idempotence is the job's business."""
    await harness.queue.enqueue("order-x")
    await harness.queue.enqueue("order-x")
    await until(lambda: harness.received().count("order-x") >= 2)


async def test_a_healthy_queue_passes_its_check(harness: Harness) -> None:
    await harness.queue.check()


async def test_a_queue_that_cannot_deliver_raises_queue_unavailable(harness: Harness) -> None:
    broken = await harness.broken()
    with pytest.raises(QueueUnavailable):
        await broken.enqueue("order-y")
    assert "order-y" not in harness.received()
