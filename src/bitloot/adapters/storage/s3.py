"""Sealed blobs in Cloudflare R2 or any S3-compatible store, through aiobotocore."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from bitloot.adapters.storage.s3_settings import S3Settings
from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.storage import StoredBlob

_MISSING = {"NoSuchKey", "404", "NotFound"}
# ListObjectsV2 answers at most this many keys per call.
_LIST_MAX_KEYS = 1000


def client_config(settings: S3Settings) -> AioConfig:
    """SigV4, path-style addressing, bounded timeouts and standard retries. Checksums only when an
    operation requires them: botocore's default CRC32 checksums break uploads to R2."""
    return AioConfig(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        retries={"mode": "standard", "max_attempts": settings.max_attempts},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=50,
    )


class S3BlobStore:
    """One long-lived client per process (opened by `open()`, closed by `close()`); every library
    error becomes `StorageUnavailable`, whose message names no bucket, key or credential."""

    def __init__(self, settings: S3Settings) -> None:
        self._settings = settings
        self._stack = AsyncExitStack()
        self._client: Any = None

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self._settings.bucket!r}, endpoint={self._settings.endpoint_url!r})"

    async def open(self) -> None:
        session = get_session()
        self._client = await self._stack.enter_async_context(
            session.create_client(
                "s3",
                endpoint_url=self._settings.endpoint_url,
                region_name=self._settings.region,
                aws_access_key_id=self._settings.access_key_id,
                aws_secret_access_key=self._settings.secret_access_key,
                config=client_config(self._settings),
            )
        )

    async def close(self) -> None:
        await self._stack.aclose()

    @asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        """One call, within its deadline; any failure of the library or the server is an outage."""
        try:
            async with asyncio.timeout(self._settings.call_deadline_seconds):
                yield
        except (BotoCoreError, ClientError, TimeoutError) as exc:
            raise StorageUnavailable from exc

    async def put(self, path: str, blob: bytes) -> None:
        async with self._bounded():
            await self._client.put_object(
                Bucket=self._settings.bucket, Key=path, Body=blob, ContentType="application/octet-stream"
            )

    async def get(self, path: str) -> bytes | None:
        async with self._bounded():
            try:
                response = await self._client.get_object(Bucket=self._settings.bucket, Key=path)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _MISSING:
                    return None
                raise
            async with response["Body"] as stream:
                data: bytes = await stream.read()
                return data

    async def delete(self, path: str) -> None:
        async with self._bounded():
            await self._client.delete_object(Bucket=self._settings.bucket, Key=path)

    async def check(self) -> None:
        async with self._bounded():
            await self._client.head_bucket(Bucket=self._settings.bucket)

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        """ListObjectsV2 from `StartAfter`, as many calls (each within its deadline) as `limit` needs:
        a store may answer fewer keys than asked and still have more."""
        found: list[StoredBlob] = []
        start_after = after
        while len(found) < limit:
            request: dict[str, Any] = {
                "Bucket": self._settings.bucket,
                "Prefix": prefix,
                "MaxKeys": min(limit - len(found), _LIST_MAX_KEYS),
            }
            if start_after:
                request["StartAfter"] = start_after
            async with self._bounded():
                response = await self._client.list_objects_v2(**request)
            contents = response.get("Contents", [])
            found += [StoredBlob(item["Key"], item["LastModified"].astimezone(UTC)) for item in contents]
            if not contents or not response.get("IsTruncated"):
                break
            start_after = contents[-1]["Key"]
        return found[:limit]

    async def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (used by tests and first-time setup)."""
        try:
            await self._client.head_bucket(Bucket=self._settings.bucket)
        except ClientError:
            try:
                await self._client.create_bucket(Bucket=self._settings.bucket)
            except (BotoCoreError, ClientError) as exc:
                raise StorageUnavailable from exc


async def open_s3_store(settings: S3Settings) -> AsyncIterator[S3BlobStore]:
    store = S3BlobStore(settings)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
