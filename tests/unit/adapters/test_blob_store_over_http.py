"""The S3 store's requests and its reading of answers, against a small local HTTP server playing S3:
what a real S3 (SeaweedFS, tests/contract/test_blob_store.py) cannot be made to answer on demand."""

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from aiohttp import web

from bitloot.adapters.storage.s3 import S3BlobStore
from bitloot.adapters.storage.s3_requests import S3Error, S3Requests, error_code, listed_blobs
from bitloot.adapters.storage.s3_settings import S3Settings
from bitloot.application.errors import StorageUnavailable

SECRET = "s" * 40
Answer = Callable[[web.Request], web.Response]
MakeStore = Callable[[list[Answer]], Awaitable[S3BlobStore]]


def settings(endpoint: str = "http://127.0.0.1:9", attempts: int = 1) -> S3Settings:
    return S3Settings("bucket", endpoint, "us-east-1", "AKID", SECRET, 1, 2, attempts)


def error(status: int, code: str) -> web.Response:
    return web.Response(status=status, body=f"<Error><Code>{code}</Code></Error>".encode())


@pytest.fixture
async def s3_answering() -> AsyncIterator[MakeStore]:
    """A store on a server that answers each request with the next of `answers`, and records them."""
    runners: list[web.AppRunner] = []
    stores: list[S3BlobStore] = []

    async def make(answers: list[Answer]) -> S3BlobStore:
        async def handle(request: web.Request) -> web.Response:
            await request.read()
            return answers.pop(0)(request)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        store = S3BlobStore(settings(f"http://127.0.0.1:{port}", attempts=2))
        await store.open()
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.close()
    for runner in runners:
        await runner.cleanup()


def test_a_request_is_path_style_and_signed_with_its_payload_hash() -> None:
    signed = S3Requests(settings()).to_object("PUT", "keys/a b/c~d", b"blob", {"Content-Type": "x/y"})
    assert signed.url == "http://127.0.0.1:9/bucket/keys/a%20b/c~d"
    authorization = signed.headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert "/us-east-1/s3/aws4_request" in authorization
    assert "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date," in authorization
    assert signed.headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"blob").hexdigest()
    assert SECRET not in repr(signed) + repr(S3Requests(settings())) + repr(S3BlobStore(settings()))


def test_a_listing_query_is_in_canonical_order_and_encoding() -> None:
    signed = S3Requests(settings()).to_bucket("GET", {"prefix": "keys/a b", "list-type": "2"})
    assert signed.url == "http://127.0.0.1:9/bucket?list-type=2&prefix=keys%2Fa%20b"


def test_an_answer_is_read_with_or_without_its_xml_namespace() -> None:
    listing = (
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated>'
        b"<Contents><Key>keys/a%2Bb/c</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified></Contents>"
        b"</ListBucketResult>"
    )
    [blob], truncated = listed_blobs(listing)
    assert (blob.path, blob.modified_at, truncated) == (
        "keys/a+b/c",
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        True,
    )
    assert listed_blobs(b"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>") == (
        [],
        False,
    )
    assert error_code(404, b"<Error><Code>NoSuchKey</Code></Error>") == "NoSuchKey"
    assert error_code(404, b"") == "404"
    with pytest.raises(S3Error):
        listed_blobs(b"<html>a proxy's page</html")


async def test_a_missing_key_is_none_but_a_missing_bucket_is_an_outage(
    s3_answering: MakeStore,
) -> None:
    store = await s3_answering([lambda _: error(404, "NoSuchKey"), lambda _: error(404, "NoSuchBucket")])
    assert await store.get("keys/a/b") is None
    with pytest.raises(StorageUnavailable):
        await store.get("keys/a/b")


async def test_a_transient_answer_is_tried_again_and_a_refusal_is_not(
    s3_answering: MakeStore,
) -> None:
    seen: list[str] = []

    def record(response: web.Response) -> Answer:
        def answer(request: web.Request) -> web.Response:
            seen.append(request.method)
            return response

        return answer

    store = await s3_answering(
        [
            record(error(503, "SlowDown")),
            record(web.Response(body=b"blob")),
            record(error(403, "AccessDenied")),
        ]
    )
    assert await store.get("keys/a/b") == b"blob"
    with pytest.raises(StorageUnavailable) as caught:
        await store.put("keys/a/b", b"blob")
    assert seen == ["GET", "GET", "PUT"]
    assert str(caught.value.__cause__) == "403 AccessDenied"
