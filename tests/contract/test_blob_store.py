"""One contract for `SealedBlobStore`, run against memory, a local folder and a real S3 (SeaweedFS)."""

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bitloot.adapters.storage.local_directory import LocalDirectoryBlobStore
from bitloot.adapters.storage.s3 import S3BlobStore
from bitloot.adapters.storage.s3_settings import S3Settings
from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.storage import SealedBlobStore, StoredBlob
from tests.fakes.blob_store import InMemoryBlobStore
from tests.infra.ports import free_ports
from tests.infra.seaweed import SeaweedS3
from tests.infra.tcp_proxy import TcpProxy, tcp_proxy

Broken = Callable[[], Awaitable[SealedBlobStore]]


def s3_settings(seaweed: SeaweedS3, **changes: str) -> S3Settings:
    values = {
        "bucket": "bitloot-contract",
        "endpoint_url": seaweed.endpoint_url,
        "region": "us-east-1",
        "access_key_id": seaweed.access_key_id,
        "secret_access_key": seaweed.secret_access_key,
        **changes,
    }
    return S3Settings(**values, connect_timeout_seconds=1, read_timeout_seconds=2, max_attempts=1)


@pytest.fixture(params=["memory", "local", "s3"])
async def store_and_broken(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[SealedBlobStore, Broken]]:
    if request.param == "memory":

        async def broken_memory() -> SealedBlobStore:
            down = InMemoryBlobStore()
            down.unavailable = True
            return down

        yield InMemoryBlobStore(), broken_memory
    elif request.param == "local":

        async def broken_local() -> SealedBlobStore:
            blocker = tmp_path / "not-a-folder"
            blocker.write_bytes(b"")
            return LocalDirectoryBlobStore(blocker)

        yield LocalDirectoryBlobStore(tmp_path / "objects"), broken_local
    else:
        seaweed: SeaweedS3 = request.getfixturevalue("seaweed")
        store = S3BlobStore(s3_settings(seaweed))
        await store.open()
        await store.ensure_bucket()
        opened: list[S3BlobStore] = [store]

        async def broken_s3() -> SealedBlobStore:
            (closed_port,) = free_ports(1)
            down = S3BlobStore(s3_settings(seaweed, endpoint_url=f"http://127.0.0.1:{closed_port}"))
            await down.open()
            opened.append(down)
            return down

        try:
            yield store, broken_s3
        finally:
            for each in opened:
                await each.close()


@pytest.fixture
def store(store_and_broken: tuple[SealedBlobStore, Broken]) -> SealedBlobStore:
    return store_and_broken[0]


def a_path() -> str:
    return f"keys/{secrets.token_hex(8)}/{secrets.token_hex(8)}"


async def test_a_blob_reads_back_byte_for_byte(store: SealedBlobStore) -> None:
    path, blob = a_path(), os.urandom(300) + b"\x00\xff"
    await store.put(path, blob)
    assert await store.get(path) == blob


async def test_a_missing_blob_is_none(store: SealedBlobStore) -> None:
    assert await store.get(a_path()) is None


async def test_putting_a_path_again_keeps_the_last_bytes(store: SealedBlobStore) -> None:
    path = a_path()
    await store.put(path, b"first")
    await store.put(path, b"second")
    assert await store.get(path) == b"second"


async def test_a_deleted_blob_is_gone_and_deleting_twice_is_fine(store: SealedBlobStore) -> None:
    path = a_path()
    await store.put(path, b"blob")
    await store.delete(path)
    assert await store.get(path) is None
    await store.delete(path)


async def test_blobs_do_not_share_paths(store: SealedBlobStore) -> None:
    first, second = a_path(), a_path()
    await store.put(first, b"one")
    await store.put(second, b"two")
    assert (await store.get(first), await store.get(second)) == (b"one", b"two")


async def listed(store: SealedBlobStore, prefix: str, page: int) -> list[StoredBlob]:
    """Every blob under `prefix`, a page of `page` at a time, as the orphan sweeper goes through them."""
    found: list[StoredBlob] = []
    after = ""
    while True:
        batch = await store.list_blobs(prefix, after, page)
        assert len(batch) <= page
        found += batch
        if len(batch) < page:
            return found
        after = batch[-1].path


async def test_blobs_are_listed_under_a_prefix_in_path_order_page_by_page(store: SealedBlobStore) -> None:
    run = secrets.token_hex(8)
    prefix = f"keys/{run}/"
    # No name is a prefix of a sibling's (`a` and `a-b`): stores built on folders (SeaweedFS, the local
    # one) may list those in folder order rather than byte order. Blob paths are ids of one length.
    inside = [f"{prefix}{name}" for name in ("b", "a/2", "ab", "a/1", "c/d/e", "a_b")]
    outside = [f"keys/{run}x/a", f"stock/{run}/a", f"keys/{run[:-1]}"]
    for path in inside + outside:
        await store.put(path, b"blob")

    everything = await store.list_blobs(prefix, "", 100)
    assert [blob.path for blob in everything] == sorted(inside)
    for page in (1, 2, 4, 6):
        assert await listed(store, prefix, page) == everything
    assert [b.path for b in await store.list_blobs(prefix, f"{prefix}a/1", 2)] == [
        f"{prefix}a/2",
        f"{prefix}a_b",
    ]
    assert [b.path for b in await store.list_blobs(prefix, f"{prefix}a/1", 100)] == sorted(inside)[1:]
    assert await store.list_blobs(prefix, f"{prefix}c/d/e", 100) == []
    assert [b.path for b in await store.list_blobs(f"{prefix}a/", "", 100)] == [
        f"{prefix}a/1",
        f"{prefix}a/2",
    ]
    assert await store.list_blobs(f"keys/{run}/nothing/", "", 100) == []
    assert await store.list_blobs(f"keys/{run}/b/", "", 100) == []


async def test_a_listed_blob_says_when_it_was_written_and_a_deleted_one_is_not_listed(
    store: SealedBlobStore,
) -> None:
    prefix = f"keys/{secrets.token_hex(8)}/"
    before = datetime.now(UTC)
    await store.put(f"{prefix}kept", b"one")
    await store.put(f"{prefix}deleted", b"two")
    written = datetime.now(UTC)
    await store.delete(f"{prefix}deleted")

    [blob] = await store.list_blobs(prefix, "", 10)
    assert blob.path == f"{prefix}kept"
    assert blob.modified_at.utcoffset() == timedelta(0)
    # S3 keeps whole seconds.
    assert before - timedelta(seconds=2) <= blob.modified_at <= written + timedelta(seconds=2)


async def test_a_healthy_store_passes_its_check(store: SealedBlobStore) -> None:
    await store.check()


async def test_an_unreachable_store_raises_storage_unavailable_everywhere(
    store_and_broken: tuple[SealedBlobStore, Broken],
) -> None:
    broken = await store_and_broken[1]()
    path = a_path()
    calls = (
        broken.check(),
        broken.put(path, b"x"),
        broken.get(path),
        broken.delete(path),
        broken.list_blobs("keys/", "", 10),
    )
    for call in calls:
        with pytest.raises(StorageUnavailable) as caught:
            await call
        assert str(caught.value) == StorageUnavailable.message


async def test_s3_with_a_wrong_secret_is_unavailable_and_says_nothing_of_it(seaweed: SeaweedS3) -> None:
    wrong = "w" * 40
    store = S3BlobStore(s3_settings(seaweed, secret_access_key=wrong))
    await store.open()
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await store.get(a_path())
        assert wrong not in str(caught.value)
        assert wrong not in repr(store)
        assert seaweed.secret_access_key not in repr(S3BlobStore(s3_settings(seaweed)))
    finally:
        await store.close()


# How a frozen S3 fails, and why each fault costs a bounded wait, never a hung job.
FAULTS: dict[str, Callable[[TcpProxy], Awaitable[None]]] = {
    # Connections accepted, nothing answered: the 2 s read timeout (one attempt) ends each call.
    "never-answers": lambda proxy: proxy.hang(),
    # A byte every half second never trips the 2 s read timeout: only the call's own deadline,
    # (1 + 2) * 1 + 1 = 4 s here, ends the call.
    "a-byte-at-a-time": lambda proxy: proxy.trickle(0.5),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_s3_that_stalls_is_unavailable_well_inside_10_seconds(
    seaweed: SeaweedS3, fault: Callable[[TcpProxy], Awaitable[None]]
) -> None:
    endpoint = urlsplit(seaweed.endpoint_url)
    assert endpoint.hostname is not None
    assert endpoint.port is not None
    async with tcp_proxy(endpoint.hostname, endpoint.port) as proxy:
        await fault(proxy)
        store = S3BlobStore(s3_settings(seaweed, endpoint_url=proxy.url))
        await store.open()
        try:
            calls: list[Callable[[], Awaitable[object]]] = [
                store.check,
                lambda: store.put(a_path(), b"x"),
                lambda: store.get(a_path()),
                lambda: store.list_blobs("keys/", "", 10),
            ]
            for call in calls:
                started = time.monotonic()
                with pytest.raises(StorageUnavailable):
                    await asyncio.wait_for(call(), 10)
                assert time.monotonic() - started < 8
        finally:
            await store.close()
