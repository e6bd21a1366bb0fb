"""Clusters of real processes on PostgreSQL, Redis and SeaweedFS S3."""

import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bitloot.adapters.storage.s3 import S3BlobStore
from bitloot.adapters.storage.s3_settings import S3Settings
from tests.e2e.cluster import Cluster, Shopper, cluster_env, free_api_port
from tests.infra.postgres_server import create_database, drop_database
from tests.infra.seaweed import SeaweedS3
from tests.providers.nowpayments_server import NowPaymentsServer, running_nowpayments

MakeCluster = Callable[..., Awaitable[Cluster]]


async def ensure_bucket(seaweed: SeaweedS3, bucket: str) -> None:
    store = S3BlobStore(
        S3Settings(
            bucket, seaweed.endpoint_url, "us-east-1", seaweed.access_key_id, seaweed.secret_access_key
        )
    )
    await store.open()
    try:
        await store.ensure_bucket()
    finally:
        await store.close()


@pytest.fixture(scope="session")
def nowpayments() -> Iterator[NowPaymentsServer]:
    """The NOWPayments API the clusters' processes create their invoices on."""
    with running_nowpayments() as server:
        yield server


async def new_cluster(
    postgres_server_url: str,
    redis_url: str,
    seaweed: SeaweedS3,
    nowpayments: NowPaymentsServer,
    *,
    server_url: str | None = None,
    broker_url: str | None = None,
    s3_endpoint: str | None = None,
    tuning: dict[str, str] | None = None,
    fast_timings: bool = True,
) -> tuple[Cluster, str]:
    """A migrated cluster (API not yet started) on a database and a bucket of its own; and the
    database's URL, to drop it when the cluster is done with (`make_cluster`, or a module's fixture
    sharing one cluster between its tests)."""
    database_url = await create_database(server_url or postgres_server_url)
    bucket = f"bitloot-e2e-{secrets.token_hex(4)}"
    await ensure_bucket(seaweed, bucket)
    directory = Path(tempfile.mkdtemp(prefix="bitloot-e2e-"))
    port = free_api_port()
    env = cluster_env(
        database_url=database_url,
        redis_url=broker_url or redis_url,
        queue_name=f"bitloot-e2e:{secrets.token_hex(4)}",
        s3_endpoint=s3_endpoint or seaweed.endpoint_url,
        s3_key=seaweed.access_key_id,
        s3_secret=seaweed.secret_access_key,
        bucket=bucket,
        data_dir=directory,
        api_port=port,
        nowpayments_url=nowpayments.base_url,
        nowpayments_api_key=nowpayments.api_key,
        tuning=tuning,
        fast_timings=fast_timings,
    )
    cluster = Cluster(env=env, directory=directory, api_port=port)
    cluster.migrate()
    return cluster, database_url


@pytest.fixture
async def make_cluster(
    postgres_server_url: str, redis_url: str, seaweed: SeaweedS3, nowpayments: NowPaymentsServer
) -> AsyncIterator[MakeCluster]:
    """Build a migrated cluster (API not yet started); override the server URLs or timings per test."""
    made: list[tuple[Cluster, str]] = []

    async def make(
        *,
        server_url: str | None = None,
        broker_url: str | None = None,
        s3_endpoint: str | None = None,
        tuning: dict[str, str] | None = None,
        fast_timings: bool = True,
    ) -> Cluster:
        cluster, database_url = await new_cluster(
            postgres_server_url,
            redis_url,
            seaweed,
            nowpayments,
            server_url=server_url,
            broker_url=broker_url,
            s3_endpoint=s3_endpoint,
            tuning=tuning,
            fast_timings=fast_timings,
        )
        made.append((cluster, database_url))
        return cluster

    yield make
    for cluster, database_url in made:
        cluster.stop()
        await drop_database(database_url)


@pytest.fixture
async def shopper_for() -> AsyncIterator[Callable[[Cluster], Shopper]]:
    shoppers: list[Shopper] = []

    def make(cluster: Cluster) -> Shopper:
        shopper = Shopper(cluster)
        shoppers.append(shopper)
        return shopper

    yield make
    for shopper in shoppers:
        await shopper.close()
