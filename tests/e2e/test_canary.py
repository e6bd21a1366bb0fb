"""docs/vault.md: a plaintext key never reaches logs, error bodies, Redis, the result backend or any database
column other than its sealed form. A canary key goes through the whole production flow; then every
place it must not be is searched for it. The logs are production's JSON lines, access log included:
no key, link, token or path (routes by their templates only) in any of them."""

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
from redis.asyncio import Redis

from bitloot.adapters.storage.s3 import S3BlobStore
from bitloot.adapters.storage.s3_settings import S3Settings
from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster
from tests.infra.seaweed import SeaweedS3
from tests.support.log_lines import json_lines


async def database_text(database_url: str) -> str:
    """Every row of every table, as JSON text (bytea columns appear as hex)."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        dumps = []
        for table in tables:
            name = table["tablename"]  # from pg_tables, not from input
            rows = await connection.fetch(f'SELECT row_to_json(t)::text AS row FROM "{name}" t')  # noqa: S608
            dumps += [row["row"] for row in rows]
        return "\n".join(dumps)
    finally:
        await connection.close()


def _as_bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


async def redis_bytes(redis_url: str) -> bytes:
    """Every key and value in the Redis database the cluster used (streams read in full)."""
    chunks: list[object] = []
    redis: Any = Redis.from_url(redis_url)
    try:
        async for key in redis.scan_iter(count=1000):
            chunks.append(key)
            kind = await redis.type(key)
            if kind == b"stream":
                for _, fields in await redis.xrange(key):
                    chunks += [*fields.keys(), *fields.values()]
            elif kind == b"string":
                chunks.append(await redis.get(key))
            elif kind == b"hash":
                for field, value in (await redis.hgetall(key)).items():
                    chunks += [field, value]
            elif kind == b"list":
                chunks += await redis.lrange(key, 0, -1)
    finally:
        await redis.aclose()
    return b"\n".join(_as_bytes(chunk) for chunk in chunks)


async def bucket_bytes(seaweed: SeaweedS3, bucket: str) -> bytes:
    """Every blob of the bucket, read back through S3."""
    store = S3BlobStore(
        S3Settings(
            bucket, seaweed.endpoint_url, "us-east-1", seaweed.access_key_id, seaweed.secret_access_key
        )
    )
    await store.open()
    chunks: list[bytes] = []
    try:
        after = ""
        while page := await store.list_blobs("", after, 1000):
            for blob in page:
                chunks.append(await store.get(blob.path) or b"")
            after = page[-1].path
    finally:
        await store.close()
    return b"\n".join(chunks)


async def test_a_canary_key_is_found_only_where_the_customer_reveals_it(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper], seaweed: SeaweedS3
) -> None:
    cluster = await make_cluster()
    cluster.start_api()
    cluster.start_worker()
    shop = shopper_for(cluster)
    canary, order = await shop.fulfilled_canary_order(within=90)

    assert await shop.reveal(order) == [canary]
    details = await shop.http.get(f"/admin/orders/{order['id']}", headers=cluster.admin)
    errors = [
        await shop.http.post(f"/fulfillment/{order['id']}/reveal", headers={"Authorization": "Bearer wrong"}),
        await shop.http.post(
            f"/fulfillment/{order['id']}/reveal",
            json={"itemId": "nope"},
            headers={"Authorization": f"Bearer {order['accessToken']}"},
        ),
        await shop.http.get("/d/forged-token"),
    ]
    webhooks = await shop.http.get("/admin/webhooks", headers=cluster.admin)
    # The delivery link itself, followed as a customer (and a mail scanner) would: its token is in
    # the path of these requests, and must be in no access line.
    link = await shop.http.get(
        f"/fulfillment/{order['id']}/download-link",
        headers={"Authorization": f"Bearer {order['accessToken']}"},
    )
    link_path = urlsplit(link.json()["signedUrl"]).path
    assert (await shop.http.get(link_path)).status_code == 200
    await asyncio.sleep(0.5)  # let the processes flush their logs

    assert canary not in details.text
    assert canary not in webhooks.text
    assert all(canary not in answer.text for answer in errors)
    hex_canary = canary.encode().hex()
    for name in ("api", "worker-1"):
        log = cluster.log(name)
        # Production logs JSON lines, each a JSON object (the access log's too).
        lines = json_lines(log)
        assert canary not in log, f"the key is in the {name} log"
        assert hex_canary not in log.lower(), f"the key is in the {name} log"
        # Production without SMTP owes the email but withholds its link: a link reveals the key. The
        # access lines name routes by their templates, which are no link.
        paths = log.replace("/d/{token}", "").replace("/o/{token}", "")
        assert "/d/" not in paths, f"a delivery link is in the {name} log"
        assert "/o/" not in paths, f"an order page link is in the {name} log"
        for token in (link_path.removeprefix("/d/"), "forged-token", order["accessToken"]):
            assert token not in log, f"a token is in the {name} log"
        assert all(line["level"] != "ERROR" for line in lines), f"an error in the {name} log"
    access = [line for line in json_lines(cluster.log("api")) if line["logger"] == "bitloot.access"]
    routes = {line["route"] for line in access}
    assert {"/d/{token}", "/fulfillment/{order_id}/reveal", "/payments/ipn"} <= routes, routes
    assert f"your order {order['id']} is ready" in cluster.log("worker-1") + cluster.log("api")
    assert f"your order {order['id']} was received" in cluster.log("worker-1") + cluster.log("api")
    stored = await database_text(cluster.env["BITLOOT_DATABASE_URL"])
    assert stored, "the database dump is empty: the search would prove nothing"
    assert canary not in stored
    assert hex_canary not in stored.lower()
    queued = await redis_bytes(cluster.env["BITLOOT_BROKER_URL"])
    assert canary.encode() not in queued
    blobs = await bucket_bytes(seaweed, cluster.env["BITLOOT_STORAGE_URL"].removeprefix("s3://"))
    assert blobs, "no sealed blob found: the search would prove nothing"
    assert canary.encode() not in blobs
