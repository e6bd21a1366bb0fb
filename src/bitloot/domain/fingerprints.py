"""Key fingerprints (docs/stock-integrity.md): what makes "this key is already ours" a fact the database
checks.

A fingerprint is a keyed hash of a key as imported, after trimming surrounding whitespace and Unicode
NFC; the hash itself is the crypto adapter's. Recorded fingerprints are unique: a key string the shop
holds or has delivered is never taken in a second time."""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from bitloot.domain.keys import TEXT_KEY, KeyMaterial


def fingerprint_input(material: KeyMaterial) -> bytes:
    """The bytes a key's fingerprint is taken over: a text key trimmed and in Unicode NFC (so the
    same key typed or pasted differently is one key), any other key (an image) as it is. The two kinds
    are kept apart by a prefix, so a text key never matches an image that happens to hold its bytes."""
    if material.content_type == TEXT_KEY:
        try:
            text = material.secret.decode("utf-8")
        except UnicodeDecodeError:
            return b"bytes\x00" + material.secret
        return b"text\x00" + unicodedata.normalize("NFC", text.strip()).encode("utf-8")
    return b"bytes\x00" + material.secret


@dataclass(frozen=True, slots=True)
class KeyFingerprint:
    """A recorded fingerprint and what holds that key: a stock unit (`stock_key_id`), or a key a
    supplier delivered (`sealed_key_id`, with its order, item and the supplier's key id).

    Read back, `order_id` and `item_id` of a stock unit's fingerprint say where the unit went once it
    was allocated (None while it is in stock)."""

    value: str = field(repr=False)
    product_id: str
    created_at: datetime
    stock_key_id: str | None = None
    sealed_key_id: str | None = None
    order_id: str | None = None
    item_id: str | None = None
    source_key_id: str | None = None

    @property
    def delivered(self) -> bool:
        """The key went to a customer (a sold stock unit, or a supplier's delivered key)."""
        return self.item_id is not None

    def describe(self) -> str:
        """What holds the key, by id, never the key: "stock unit U, in stock", "stock unit U, sold to
        order O", "delivered key K of order O"."""
        if self.stock_key_id is not None:
            where = f"sold to order {self.order_id}" if self.order_id else "in stock"
            return f"stock unit {self.stock_key_id}, {where}"
        return f"delivered key {self.sealed_key_id} of order {self.order_id}"
