"""Factories for the domain entities. Related objects are tied by the caller (`product_id=`,
`order_id=`); what depends on other fields (an order's currency, a key's blob path) follows them."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from polyfactory import PostGenerated, Use
from polyfactory.factories import DataclassFactory
from polyfactory.field_meta import FieldMeta

from bitloot.domain.audit import ClientInfo, RevealChannel, RevealEvent, RevealOutcome
from bitloot.domain.ids import new_id
from bitloot.domain.keys import TEXT_KEY, SealedKey, StockKey, order_key_path, stock_key_path
from bitloot.domain.money import Money
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.payment import PaymentNotification, PaymentOutcome, PaymentRecord, PaymentStatus
from bitloot.domain.product import Product, SupplierKind
from bitloot.domain.webhook import WebhookDelivery
from tests.factories.seed import RANDOM, Reproducible, code, price

# Microseconds on purpose: they must survive every store.
T0 = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def eur(amount: str | Decimal | int) -> Money:
    return Money.of(amount, "EUR")


def digest_of(field: str) -> PostGenerated:
    """A SHA-256 hex digest of another field: unique whenever that field is."""
    return PostGenerated(lambda _, values: hashlib.sha256(str(values[field]).encode()).hexdigest())


class ProductFactory(Reproducible, DataclassFactory[Product]):
    """Own stock in EUR, none available; `supplier=SupplierKind.KINGUIN` gets a Kinguin product id."""

    id = Use(new_id)
    sku = Use(lambda: f"SKU-{code(10)}")
    name = PostGenerated(lambda _, values: f"Game {values['sku'].removeprefix('SKU-')}")
    price = Use(lambda: eur(price()))
    supplier = SupplierKind.STOCK
    supplier_product_id = PostGenerated(
        lambda _, values: f"kg-{code(8).lower()}" if values["supplier"] is SupplierKind.KINGUIN else None
    )

    @classmethod
    def should_use_default_value(cls, field_meta: FieldMeta) -> bool:
        # The Kinguin product id follows `supplier`, though the field defaults to None.
        return field_meta.name != "supplier_product_id" and super().should_use_default_value(field_meta)


class OrderItemFactory(Reproducible, DataclassFactory[OrderItem]):
    """One unit of some product, at a shop price in EUR."""

    id = Use(new_id)
    product_id = Use(new_id)
    quantity = 1
    unit_price = Use(lambda: eur(price()))


def _currency(_: str, values: dict[str, Any]) -> str:
    items: list[OrderItem] = values["items"]
    return items[0].unit_price.currency


class OrderFactory(Reproducible, DataclassFactory[Order]):
    """An order awaiting payment, of one item unless `items=` are given (its currency is theirs)."""

    id = Use(new_id)
    email = Use(lambda: f"buyer-{code(6).lower()}@example.com")
    currency = PostGenerated(_currency)
    items = Use(lambda: [OrderItemFactory.build()])
    access_token_hash = digest_of("id")
    created_at = T0
    updated_at = PostGenerated(lambda _, values: values["created_at"])


class StockKeyFactory(Reproducible, DataclassFactory[StockKey]):
    """A unit of own stock, sealed at import (not a real envelope: for the stores, not the vault)."""

    id = Use(new_id)
    product_id = Use(new_id)
    blob_path = PostGenerated(lambda _, values: stock_key_path(values["product_id"], values["id"]))
    wrapped_key = b"\x01" * 40
    key_version = 1
    blob_sha256 = digest_of("id")
    content_type = TEXT_KEY
    created_at = T0


class SealedKeyFactory(Reproducible, DataclassFactory[SealedKey]):
    """A key delivered to an item, from a source key (stock unit) of its own unless one is given."""

    id = Use(new_id)
    order_id = Use(new_id)
    item_id = Use(new_id)
    product_id = Use(new_id)
    source_key_id = Use(new_id)
    blob_path = PostGenerated(lambda _, values: order_key_path(values["order_id"], values["id"]))
    wrapped_key = b"\x02" * 40
    key_version = 1
    blob_sha256 = digest_of("id")
    content_type = TEXT_KEY
    created_at = T0


class PaymentRecordFactory(Reproducible, DataclassFactory[PaymentRecord]):
    """A NOWPayments payment that was applied: finished, in bitcoin."""

    id = Use(new_id)
    provider = "nowpayments"
    dedupe_key = digest_of("id")
    order_id = Use(new_id)
    payment_id = PostGenerated(lambda _, values: f"pay-{values['id'][-10:]}")
    status = PaymentStatus.FINISHED
    outcome = PaymentOutcome.APPLIED
    actually_paid = Decimal("0.00123456")
    pay_currency = "btc"
    received_at = T0
    pay_amount = Decimal("0.00123456")


class PaymentNotificationFactory(Reproducible, DataclassFactory[PaymentNotification]):
    """A `finished` notification paid in full (what was asked for in bitcoin arrived); the caller names
    the order and its total."""

    payment_id = Use(lambda: str(RANDOM.randint(10**9, 10**10 - 1)))
    order_id = Use(new_id)
    status = PaymentStatus.FINISHED
    price_amount = Use(price)
    price_currency = "eur"
    pay_amount = Decimal("0.0012")
    actually_paid = PostGenerated(lambda _, values: values["pay_amount"])
    pay_currency = "btc"


class RevealEventFactory(Reproducible, DataclassFactory[RevealEvent]):
    """A key revealed through a delivery link."""

    id = Use(new_id)
    order_id = Use(new_id)
    item_id = Use(new_id)
    key_id = Use(new_id)
    channel = RevealChannel.LINK
    outcome = RevealOutcome.REVEALED
    client = ClientInfo(ip="203.0.113.7", user_agent="Mozilla/5.0 (test)")
    at = T0


class WebhookDeliveryFactory(Reproducible, DataclassFactory[WebhookDelivery]):
    """A NOWPayments IPN kept as applied (with its HMAC header); `provider="kinguin"` gets a Kinguin
    event, whose secret is checked, never stored."""

    id = Use(new_id)
    provider = "nowpayments"
    event = PostGenerated(lambda _, v: "finished" if v["provider"] == "nowpayments" else "order.status")
    raw_body = b'{"payment_status":"finished","order_id":"order-1"}'
    signature = PostGenerated(lambda _, v: "ab" * 64 if v["provider"] == "nowpayments" else None)
    signature_valid = True
    dedupe_key = Use(lambda: f"{RANDOM.getrandbits(256):064x}")
    outcome = "applied"
    order_id = "order-1"
    received_at = T0
