"""A worker's listener on Redis outlives Redis going away for longer than redis-py's own retries, and
coming back empty (restarted without its data, so without the stream's consumer group): what is sent
once Redis is back still reaches it (`ReconnectingRedisStreamBroker`, docs/reliability.md)."""

import asyncio
import logging

import pytest
from redis.asyncio import Redis
from taskiq.receiver import Receiver

from bitloot.adapters.queue.taskiq_queue import TaskiqFulfillmentQueue
from bitloot.application.errors import QueueUnavailable
from tests.contract.test_queue import recording_task, redis_broker, until
from tests.infra.redis_server import ThrowawayRedis

UNREACHABLE = "the queue (Redis) is unreachable"


async def group_declared(url: str, queue_name: str) -> bool:
    async with Redis.from_url(url) as redis:
        try:
            return bool(await redis.xinfo_groups(queue_name))
        except Exception:  # no stream yet
            return False


async def test_a_redis_listener_waits_out_an_outage_and_receives_what_is_sent_after_it(
    own_redis: ThrowawayRedis, queue_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bitloot.adapters.queue.reconnecting_stream_broker")
    broker = redis_broker(own_redis.url, queue_name)
    received: list[str] = []
    recording_task(broker, received)
    await broker.startup()
    stop = asyncio.Event()
    listening = asyncio.create_task(Receiver(broker, run_startup=False).listen(stop))
    queue = TaskiqFulfillmentQueue(broker)
    try:
        await queue.enqueue("before")
        await until(lambda: received == ["before"])

        own_redis.stop()
        await until(lambda: UNREACHABLE in caplog.text, within=120)
        assert not listening.done(), "the listener ended with the connection"
        own_redis.start()
        # The listener declares the group again on the empty Redis, then reads what comes next.
        deadline = asyncio.get_running_loop().time() + 60
        while not await group_declared(own_redis.url, queue_name):
            assert asyncio.get_running_loop().time() < deadline, "the consumer group was never declared again"
            await asyncio.sleep(0.1)
        # The sender's pooled connections died with Redis too: it tries again, as the reconciler would.
        while True:
            try:
                await queue.enqueue("after")
                break
            except QueueUnavailable:
                assert asyncio.get_running_loop().time() < deadline, "Redis never took the job again"
                await asyncio.sleep(0.1)
        await until(lambda: received == ["before", "after"], within=60)
    finally:
        stop.set()
        await asyncio.wait_for(listening, 30)
        await broker.shutdown()
