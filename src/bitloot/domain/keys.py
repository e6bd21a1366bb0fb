"""Game keys: plaintext material (never printed) and the metadata of sealed keys."""

from dataclasses import dataclass, field
from datetime import datetime

from bitloot.domain.errors import InvalidValue

TEXT_KEY = "text/plain"
MAX_KEY_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """A plaintext key. Its repr and str never show the secret."""

    secret: bytes = field(repr=False)
    content_type: str = TEXT_KEY

    def __post_init__(self) -> None:
        if not self.secret or len(self.secret) > MAX_KEY_BYTES:
            raise InvalidValue("A key is between 1 byte and 512 KiB.")
        if not (self.content_type == TEXT_KEY or self.content_type.startswith("image/")):
            raise InvalidValue("A key is text/plain or an image.")

    @classmethod
    def text(cls, value: str) -> "KeyMaterial":
        return cls(value.strip().encode("utf-8"), TEXT_KEY)

    def __str__(self) -> str:
        return "KeyMaterial(***)"


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the vault gives back for a sealed key: the blob for object storage, the rest for the database."""

    blob: bytes = field(repr=False)
    wrapped_key: bytes = field(repr=False)
    key_version: int
    blob_sha256: str


@dataclass(frozen=True, slots=True)
class SealedKey:
    """A key delivered to one unit of an order item; its blob lives at `blob_path`.

    `id` is new for every sealing, and so is the blob path: two workers that raced on one item write
    two blobs, and the unique (item, source key) record decides which one is the key."""

    id: str
    order_id: str
    item_id: str
    product_id: str
    # The supplier's id for the key (a stock unit, a Kinguin key): one record per item and source key.
    source_key_id: str
    blob_path: str
    wrapped_key: bytes = field(repr=False)
    key_version: int
    blob_sha256: str
    content_type: str
    created_at: datetime
    # Set once the key was crypto-shredded after the retention period: blob deleted, wrapped key erased.
    purged_at: datetime | None = None
    # Set once the operator replaced the key (docs/vault.md): kept for the audit, never revealed again.
    revoked_at: datetime | None = None
    revoke_reason: str | None = None
    # The sealed key that replaced it.
    replaced_by: str | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class StockKey:
    """A key the operator imported, sealed at import; `item_id` is set once it is allocated, and
    `withdrawn_at` once the operator took it off sale (a withdrawn unit is never allocated, an
    allocated one never withdrawn; its sealed blob is kept, docs/stock-integrity.md)."""

    id: str
    product_id: str
    blob_path: str
    wrapped_key: bytes = field(repr=False)
    key_version: int
    blob_sha256: str
    content_type: str
    created_at: datetime
    order_id: str | None = None
    item_id: str | None = None
    withdrawn_at: datetime | None = None
    # Who withdrew it, as the operator audit names them (an operator's email, "admin token", ...).
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


def order_key_context(order_id: str, item_id: str, key_id: str) -> str:
    """Associated data that binds a sealed key to its order, item and key id (docs/vault.md)."""
    return f"order|{order_id}|{item_id}|{key_id}"


def stock_key_context(product_id: str, key_id: str) -> str:
    return f"stock|{product_id}|{key_id}"


# Every sealed blob's path starts with one of these (`order_key_path`, `stock_key_path`), in sort order.
BLOB_PREFIXES = ("keys/", "stock/")


def order_key_path(order_id: str, key_id: str) -> str:
    return f"keys/{order_id}/{key_id}"


def stock_key_path(product_id: str, key_id: str) -> str:
    return f"stock/{product_id}/{key_id}"
