"""The `RateLimiter` port: one suite over the in-process counters and Redis."""

import asyncio
import secrets
import socket
import time
from collections.abc import AsyncIterator

import pytest

from bitloot.adapters.ratelimit.memory import MemoryRateLimiter
from bitloot.adapters.ratelimit.redis import RedisRateLimiter
from bitloot.application.ports.rate_limit import RateLimiter
from tests.support.racing import concurrently


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    redis_url: str = request.getfixturevalue("redis_url")
    store = RedisRateLimiter(redis_url, prefix=f"bitloot-test:{secrets.token_hex(6)}:ratelimit")
    try:
        yield store
    finally:
        await store.aclose()


async def test_allows_up_to_the_limit_then_refuses_with_retry_after(limiter: RateLimiter) -> None:
    decisions = [await limiter.hit("reveal-order:a", 3, 60) for _ in range(5)]

    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert all(d.retry_after_seconds == 0 for d in decisions[:3])
    assert all(1 <= d.retry_after_seconds <= 60 for d in decisions[3:])


async def test_keys_count_separately(limiter: RateLimiter) -> None:
    assert (await limiter.hit("k:one", 1, 60)).allowed
    assert not (await limiter.hit("k:one", 1, 60)).allowed
    assert (await limiter.hit("k:two", 1, 60)).allowed


async def test_a_new_window_starts_over(limiter: RateLimiter) -> None:
    assert (await limiter.hit("k:window", 1, 1)).allowed
    refused = await limiter.hit("k:window", 1, 1)
    assert not refused.allowed
    assert refused.retry_after_seconds == 1

    await asyncio.sleep(2.1)  # Redis expires keys with one-second precision

    assert (await limiter.hit("k:window", 1, 1)).allowed


async def test_concurrent_hits_are_all_counted(limiter: RateLimiter) -> None:
    decisions = await concurrently(40, lambda: limiter.hit("k:burst", 10, 60))

    assert sum(d.allowed for d in decisions) == 10


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_redis_down_fails_open_quickly(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisRateLimiter(f"redis://127.0.0.1:{_closed_port()}/0")
    try:
        started = time.monotonic()
        decisions = [await store.hit("k:down", 1, 60) for _ in range(3)]
        elapsed = time.monotonic() - started
    finally:
        await store.aclose()

    assert all(d.allowed for d in decisions)
    assert elapsed < 5
    assert "rate limiter unavailable" in caplog.text


async def test_memory_windows_follow_its_clock() -> None:
    now = [1000.0]
    limiter = MemoryRateLimiter(now=lambda: now[0])

    assert (await limiter.hit("k", 1, 60)).allowed
    now[0] += 45
    refused = await limiter.hit("k", 1, 60)
    assert (refused.allowed, refused.retry_after_seconds) == (False, 15)
    now[0] += 15
    assert (await limiter.hit("k", 1, 60)).allowed
