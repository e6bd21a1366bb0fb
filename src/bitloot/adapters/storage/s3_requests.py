"""The S3 requests the blob store sends and the answers it reads: path-style addresses
(`{endpoint}/{bucket}/{key}`), signed by botocore's SigV4 signer for S3 with the payload's SHA-256
(no checksum headers: R2 refuses botocore's default CRC32 ones)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote_plus
from xml.etree import ElementTree

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bitloot.adapters.storage.s3_settings import S3Settings
from bitloot.application.ports.storage import StoredBlob

# Characters S3's canonical request leaves unescaped in a query (RFC 3986 unreserved).
_UNRESERVED = "-_.~"


@dataclass(frozen=True, slots=True)
class SignedRequest:
    method: str
    url: str  # already percent-encoded, sent as it was signed
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)


class S3Requests:
    """Builds and signs each request; holds the credentials (never shown by a repr)."""

    def __init__(self, settings: S3Settings) -> None:
        endpoint = settings.endpoint_url or f"https://s3.{settings.region}.amazonaws.com"
        self._bucket_url = f"{endpoint.rstrip('/')}/{quote(settings.bucket, safe='')}"
        credentials = Credentials(settings.access_key_id, settings.secret_access_key)
        self._signer = S3SigV4Auth(credentials, "s3", settings.region)

    def __repr__(self) -> str:
        return "S3Requests()"

    def to_object(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> SignedRequest:
        return self._signed(method, f"{self._bucket_url}/{quote(path, safe='/~')}", body, headers)

    def to_bucket(self, method: str, query: dict[str, str] | None = None) -> SignedRequest:
        url = self._bucket_url
        if query:
            url += "?" + "&".join(
                f"{quote(name, safe=_UNRESERVED)}={quote(value, safe=_UNRESERVED)}"
                for name, value in sorted(query.items())
            )
        return self._signed(method, url, b"", None)

    def _signed(self, method: str, url: str, body: bytes, headers: dict[str, str] | None) -> SignedRequest:
        request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
        self._signer.add_auth(request)
        return SignedRequest(method, url, dict(request.headers.items()), body)


class S3Error(Exception):
    """An answer the store cannot use: a refusal (its status and code, never its message, which may
    name the bucket or key) or one it cannot read."""


def _text(element: ElementTree.Element, tag: str) -> str:
    """The text of the first child named `tag`, in S3's namespace or none."""
    return element.findtext(f"{{*}}{tag}") or ""


def error_code(status: int, body: bytes) -> str:
    """The `<Code>` of an error answer, or its status when it has none (a HEAD has no body), as
    botocore names them."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - the configured store's answer; expat 2.4+ refuses entity bombs
    except ElementTree.ParseError:
        return str(status)
    return _text(root, "Code") or str(status)


def listed_blobs(body: bytes) -> tuple[list[StoredBlob], bool]:
    """The blobs of a ListObjectsV2 answer asked with `encoding-type=url`, and whether it is truncated."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - as above
        blobs = [
            StoredBlob(
                unquote_plus(_text(item, "Key")),
                datetime.fromisoformat(_text(item, "LastModified")).astimezone(UTC),
            )
            for item in root.iterfind("{*}Contents")
        ]
    except (ElementTree.ParseError, ValueError) as exc:
        raise S3Error("unreadable listing") from exc
    return blobs, _text(root, "IsTruncated") == "true"
