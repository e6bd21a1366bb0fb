"""taskiq-redis' stream broker, whose listener outlives Redis going away for a while.

taskiq-redis' `listen` ends at the first connection error that redis-py's own retries do not cover,
and with it taskiq's receiver and the whole `bitloot worker`. Here each read of the stream is its
own step: a lost connection is logged and the stream read again, after a growing pause, until Redis
answers; the consumer group is declared again first, as a Redis restarted without its data has none.
Meanwhile the paid orders wait in the outbox, and the reconciler hands them on once Redis is back
(docs/reliability.md).

The reads are those of taskiq-redis' own `listen` (new messages, then the unacknowledged ones past
`idle_timeout`), one batch at a time. (Wrapping its generator in another one instead leaves taskiq's
receiver waiting forever for the cancelled read when the worker stops.)"""

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = logging.getLogger(__name__)

FIRST_PAUSE_SECONDS = 0.5
AUTOCLAIM_EVERY_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 5.0


def _lost(error: Exception) -> bool:
    """A connection that failed, or a Redis that came back without the stream's consumer group."""
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return True
    return isinstance(error, ResponseError) and str(error).startswith("NOGROUP")


class ReconnectingRedisStreamBroker(RedisStreamBroker):
    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                batch = await self._read_batch()
            except Exception as error:
                if not _lost(error):
                    raise
                log.warning("the queue (Redis) is unreachable: %s; reading again in %.1f s", error, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
                await self._declare_again()
                continue
            pause = FIRST_PAUSE_SECONDS
            for stream, message_id, data in batch:
                yield AckableMessage(data=data, ack=self._ack_generator(id=message_id, queue_name=stream))

    _claimed_at = float("-inf")

    async def _read_batch(self) -> list[tuple[str, str, bytes]]:
        """New messages (waiting up to `xread_block` ms for some), then, at most once every
        `AUTOCLAIM_EVERY_SECONDS`, those delivered to a consumer that never acknowledged them within
        `idle_timeout`: (stream, message id, data) each. (Claiming costs three round trips; a
        message is idle for `idle_timeout`, far longer, before it can be claimed.)"""
        batch: list[tuple[str, str, bytes]] = []
        async with Redis(connection_pool=self.connection_pool) as redis:
            # redis-py types its replies loosely: [(stream, [(id, {field: value})])].
            fetched: Any = await redis.xreadgroup(
                self.consumer_group_name,
                self.consumer_name,
                {self.queue_name: ">", **self.additional_streams},  # type: ignore[dict-item]
                block=self.block,
                noack=False,
                count=self.count,
            )
            for stream, messages in fetched or []:
                batch += [(stream, message_id, message[b"data"]) for message_id, message in messages]
            now = time.monotonic()
            if now - self._claimed_at < AUTOCLAIM_EVERY_SECONDS:
                return batch
            self._claimed_at = now
            for stream in [self.queue_name, *self.additional_streams]:
                pipe = redis.pipeline()
                lock = pipe.lock(
                    f"autoclaim:{self.consumer_group_name}:{stream}", timeout=self.unacknowledged_lock_timeout
                )
                await lock.acquire()
                await pipe.xautoclaim(
                    name=stream,
                    groupname=self.consumer_group_name,
                    consumername=self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.unacknowledged_batch_size,
                )
                await lock.release()
                claimed: Any = (await pipe.execute())[1]
                batch += [(stream, message_id, message[b"data"]) for message_id, message in claimed[1]]
        return batch

    async def _declare_again(self) -> None:
        try:
            await self._declare_consumer_group()
        except Exception as error:
            if not _lost(error):
                raise
