"""Sealed blobs in Cloudflare R2 or any S3-compatible store: S3's REST API over one aiohttp session,
each request signed by botocore's SigV4 signer. A botocore client spent about 1 ms of CPU per call on
its hooks, endpoint rules and parsers, and its service model cost each process tens of MB."""

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from yarl import URL

from bitloot.adapters.storage.s3_requests import S3Error, S3Requests, SignedRequest, error_code, listed_blobs
from bitloot.adapters.storage.s3_settings import S3Settings
from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.storage import StoredBlob

_MISSING = {"NoSuchKey", "404", "NotFound"}
# ListObjectsV2 answers at most this many keys per call.
_LIST_MAX_KEYS = 1000
_MAX_CONNECTIONS = 50
# Retried as botocore's standard mode retries: transient statuses and codes, throttling codes.
_RETRY_STATUSES = {429, 500, 502, 503, 504}
_RETRY_CODES = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "Throttling",
    "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
}  # fmt: skip
_MAX_BACKOFF_SECONDS = 20.0


class S3BlobStore:
    """One long-lived session per process (opened by `open()`, closed by `close()`); every failure of
    the network or the server becomes `StorageUnavailable`, whose message names no bucket, key or
    credential."""

    def __init__(self, settings: S3Settings) -> None:
        self._settings = settings
        self._requests = S3Requests(settings)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self._settings.bucket!r}, endpoint={self._settings.endpoint_url!r})"

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=_MAX_CONNECTIONS),
            timeout=aiohttp.ClientTimeout(
                total=None,
                sock_connect=self._settings.connect_timeout_seconds,
                sock_read=self._settings.read_timeout_seconds,
            ),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        """One call, retries included, within its deadline; any failure is an outage."""
        try:
            async with asyncio.timeout(self._settings.call_deadline_seconds):
                yield
        except (aiohttp.ClientError, TimeoutError, S3Error) as exc:
            raise StorageUnavailable from exc

    async def _send(self, request: SignedRequest) -> tuple[int, bytes]:
        """The answer's status and body, after up to `max_attempts` attempts: a connection failure, a
        read timeout or a transient answer is tried again after a jittered exponential backoff."""
        if self._session is None:
            raise RuntimeError("S3BlobStore.open() first")
        url = URL(request.url, encoded=True)
        for attempt in range(1, self._settings.max_attempts + 1):
            last = attempt == self._settings.max_attempts
            try:
                async with self._session.request(
                    request.method, url, data=request.body or None, headers=request.headers
                ) as response:
                    status, body = response.status, await response.read()
            except aiohttp.ClientError:
                if last:
                    raise
            else:
                if status < 300 or last or not _transient(status, body):
                    return status, body
            jitter = random.random()  # noqa: S311 - a backoff's jitter, not a secret
            await asyncio.sleep(jitter * min(2.0 ** (attempt - 1), _MAX_BACKOFF_SECONDS))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _call(self, request: SignedRequest) -> bytes:
        status, body = await self._send(request)
        if status >= 300:
            raise S3Error(f"{status} {error_code(status, body)}")
        return body

    async def put(self, path: str, blob: bytes) -> None:
        request = self._requests.to_object("PUT", path, blob, {"Content-Type": "application/octet-stream"})
        async with self._bounded():
            await self._call(request)

    async def get(self, path: str) -> bytes | None:
        async with self._bounded():
            status, body = await self._send(self._requests.to_object("GET", path))
            if status == 404 and error_code(status, body) in _MISSING:
                return None
            if status >= 300:
                raise S3Error(f"{status} {error_code(status, body)}")
            return body

    async def delete(self, path: str) -> None:
        async with self._bounded():
            await self._call(self._requests.to_object("DELETE", path))

    async def check(self) -> None:
        async with self._bounded():
            await self._call(self._requests.to_bucket("HEAD"))

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        """ListObjectsV2 from `start-after`, as many calls (each within its deadline) as `limit` needs:
        a store may answer fewer keys than asked and still have more."""
        found: list[StoredBlob] = []
        start_after = after
        while len(found) < limit:
            query = {
                "list-type": "2",
                "encoding-type": "url",
                "prefix": prefix,
                "max-keys": str(min(limit - len(found), _LIST_MAX_KEYS)),
            }
            if start_after:
                query["start-after"] = start_after
            async with self._bounded():
                contents, truncated = listed_blobs(await self._call(self._requests.to_bucket("GET", query)))
            found += contents
            if not contents or not truncated:
                break
            start_after = contents[-1].path
        return found[:limit]

    async def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (used by tests and first-time setup)."""
        async with self._bounded():
            status, _ = await self._send(self._requests.to_bucket("HEAD"))
            if status >= 300:
                await self._call(self._requests.to_bucket("PUT"))


def _transient(status: int, body: bytes) -> bool:
    return status in _RETRY_STATUSES or (status == 400 and error_code(status, body) in _RETRY_CODES)
