"""The committed state of the in-memory database, shared by every unit of work made from it."""

from dataclasses import dataclass, field
from datetime import datetime

from bitloot.adapters.memory.kinguin import KinguinState
from bitloot.domain.audit import RevealEvent
from bitloot.domain.delivery_email import DeliveryEmail
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.keys import SealedKey, StockKey
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.product import Product
from bitloot.domain.webhook import WebhookDelivery


@dataclass
class FulfillmentRequestRow:
    order_id: str
    state: str
    updated_at: datetime


@dataclass
class MemoryDatabase:
    orders: dict[str, Order] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    stock: dict[str, StockKey] = field(default_factory=dict)
    keys: dict[str, SealedKey] = field(default_factory=dict)
    payments: dict[str, PaymentRecord] = field(default_factory=dict)
    reveals: list[RevealEvent] = field(default_factory=list)
    requests: dict[str, FulfillmentRequestRow] = field(default_factory=dict)
    kinguin: KinguinState = field(default_factory=KinguinState)
    webhooks: dict[str, WebhookDelivery] = field(default_factory=dict)
    emails: dict[str, DeliveryEmail] = field(default_factory=dict)
    # Key fingerprints by value (docs/stock-integrity.md).
    fingerprints: dict[str, KeyFingerprint] = field(default_factory=dict)
