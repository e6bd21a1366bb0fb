"""The `DeliveryLinkSigner` and `OrderPageLinkSigner` ports with HMAC-SHA256 tokens.

A token is `base64url(payload) "." base64url(HMAC-SHA256(secret, domain + payload))`, both unpadded,
where `payload = order_id "|" expires_unix` and `domain` names the kind of link (`bitloot-link|` for a
delivery link, `bitloot-order|` for an order page link), so a token of one kind never opens the other.
A link is dead from `expires_at` on, to the second.
"""

import base64
import binascii
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from bitloot.application.errors import InvalidDeliveryLink, InvalidOrderPageLink
from bitloot.application.ports.links import DeliveryLink
from bitloot.domain.errors import Refusal

MIN_SECRET_BYTES = 32
MAX_TOKEN_CHARS = 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class _HmacLinks:
    """Issues and resolves links of the form `{public_base_url}{PATH}{token}`."""

    __slots__ = ("_base_url", "_secret", "_ttl")
    DOMAIN: bytes
    PATH: str
    INVALID: type[Refusal]
    DEFAULT_TTL: timedelta

    def __init__(self, secret: bytes, public_base_url: str, ttl: timedelta | None = None) -> None:
        ttl = self.DEFAULT_TTL if ttl is None else ttl
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"The delivery link secret must be at least {MIN_SECRET_BYTES} bytes.")
        if not public_base_url.startswith(("https://", "http://")):
            raise ValueError("The public base URL must start with https:// or http://.")
        if ttl <= timedelta(0):
            raise ValueError("The delivery link lifetime must be positive.")
        self._secret = bytes(secret)
        self._base_url = public_base_url.rstrip("/")
        self._ttl = ttl

    def issue(self, order_id: str, now: datetime) -> DeliveryLink:
        if not order_id:
            raise ValueError("A delivery link needs an order id.")
        expires_unix = int((_aware(now) + self._ttl).timestamp())
        payload = f"{order_id}|{expires_unix}".encode()
        token = f"{_b64(payload)}.{_b64(self._sign(payload))}"
        return DeliveryLink(
            token=token,
            url=f"{self._base_url}{self.PATH}{token}",
            expires_at=datetime.fromtimestamp(expires_unix, tz=UTC),
        )

    def resolve(self, token: str, now: datetime) -> str:
        """The order id; `INVALID` alike for a malformed, forged, altered or expired token."""
        order_id, expires_unix = self._signed(token)
        if _aware(now).timestamp() >= expires_unix:
            raise self.INVALID
        return order_id

    def issued_for(self, token: str) -> str:
        """The order id of a token this secret signed, expired or not; `INVALID` for any other."""
        return self._signed(token)[0]

    def _signed(self, token: str) -> tuple[str, int]:
        payload = self._verified_payload(token)
        order_id, _, expires_text = payload.rpartition("|")
        if not order_id or not _UNIX_SECONDS.fullmatch(expires_text):
            raise self.INVALID
        return order_id, int(expires_text)

    def _verified_payload(self, token: str) -> str:
        """Structure first, then the signature; only a payload this secret signed is decoded."""
        if len(token) > MAX_TOKEN_CHARS:
            raise self.INVALID
        payload_text, dot, signature_text = token.partition(".")
        if not dot or not _BASE64URL.fullmatch(payload_text) or not _BASE64URL.fullmatch(signature_text):
            raise self.INVALID
        payload = _unb64(payload_text)
        if payload is None:
            raise self.INVALID
        expected = _b64(self._sign(payload))
        if not hmac.compare_digest(expected.encode("ascii"), signature_text.encode("ascii")):
            raise self.INVALID
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            raise self.INVALID from None

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, self.DOMAIN + payload, hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(public_base_url={self._base_url!r}, ttl={self._ttl!r})"

    __str__ = __repr__


class HmacDeliveryLinks(_HmacLinks):
    """Delivery links, `{public_base_url}/d/{token}`: short-lived (15 minutes), they open the keys."""

    __slots__ = ()
    DOMAIN = b"bitloot-link|"
    PATH = "/d/"
    INVALID = InvalidDeliveryLink
    DEFAULT_TTL = timedelta(minutes=15)


class HmacOrderPageLinks(_HmacLinks):
    """Order page links, `{public_base_url}/o/{token}`: long-lived (30 days), they show the order's
    state and never a key."""

    __slots__ = ()
    DOMAIN = b"bitloot-order|"
    PATH = "/o/"
    INVALID = InvalidOrderPageLink
    DEFAULT_TTL = timedelta(days=30)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Signed links need an aware datetime.")
    return moment


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict: only the canonical unpadded encoding of some bytes decodes (no two tokens for one
    payload); None for any other text."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        return None
    return data if _b64(data) == text else None
