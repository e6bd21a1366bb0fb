"""All the state of the in-memory database, in one place: what is committed (`MemoryDatabase`, shared
by every unit of work made from it) and what one unit of work has staged (`Staged`, applied at commit).

The fakes' modules depend on this one and on nothing else of theirs, except the unit of work, which
puts them together; so a repository reaches its unit's staged writes through `StagingUnit`, not by
importing the unit of work.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bitloot.domain.audit import RevealEvent
from bitloot.domain.delivery_email import DeliveryEmail
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.key_replacement import KeyReplacement
from bitloot.domain.key_reports import KeyReport
from bitloot.domain.keys import SealedKey, StockKey
from bitloot.domain.kinguin import KinguinOrder
from bitloot.domain.operator_audit import OperatorAction
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.product import Product
from bitloot.domain.request_context import NO_REQUEST, RequestContext
from bitloot.domain.webhook import WebhookDelivery
from tests.fakes.operator_state import OperatorsCommitted, OperatorsStaged


@dataclass
class FulfillmentRequestRow:
    order_id: str
    state: str
    updated_at: datetime
    context: RequestContext = NO_REQUEST


@dataclass
class KinguinState:
    """Committed: Kinguin orders by item id, and the supplier's time of each product's availability."""

    orders: dict[str, KinguinOrder] = field(default_factory=dict)
    availability_at: dict[str, datetime] = field(default_factory=dict)


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
    operator_actions: list[OperatorAction] = field(default_factory=list)
    operators: OperatorsCommitted = field(default_factory=OperatorsCommitted)
    key_reports: dict[str, KeyReport] = field(default_factory=dict)
    key_replacements: dict[str, KeyReplacement] = field(default_factory=dict)


@dataclass
class KinguinStaged:
    orders: dict[str, KinguinOrder] = field(default_factory=dict)
    # Items whose order this unit added (the others in `orders` are saves of committed ones).
    added: set[str] = field(default_factory=set)
    # Product id -> (available, supplier's time).
    availability: dict[str, tuple[int, datetime]] = field(default_factory=dict)


@dataclass
class Staged:
    orders: dict[str, Order] = field(default_factory=dict)
    # The version each staged order was read at, checked at commit.
    order_versions: dict[str, int | None] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    stock: dict[str, StockKey] = field(default_factory=dict)
    keys: dict[str, SealedKey] = field(default_factory=dict)
    # Changes to recorded keys (rotation, purge), unlike `keys`, which holds new ones.
    key_updates: dict[str, SealedKey] = field(default_factory=dict)
    payments: dict[str, PaymentRecord] = field(default_factory=dict)
    reveals: list[RevealEvent] = field(default_factory=list)
    requests: dict[str, FulfillmentRequestRow] = field(default_factory=dict)
    kinguin: KinguinStaged = field(default_factory=KinguinStaged)
    webhooks: dict[str, WebhookDelivery] = field(default_factory=dict)
    emails: dict[str, DeliveryEmail] = field(default_factory=dict)
    # The `next_attempt_at` each claimed email was read at, checked at commit.
    email_claims: dict[str, datetime] = field(default_factory=dict)
    # Stock units each item held in committed state when this unit allocated for it.
    item_units: dict[str, set[str]] = field(default_factory=dict)
    fingerprints: dict[str, KeyFingerprint] = field(default_factory=dict)
    # Lease renewals (order id: owner, new expiry), applied at commit on top of the orders.
    lease_renewals: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    operator_actions: list[OperatorAction] = field(default_factory=list)
    # Changes of stored products (`ProductRepository.save`), unlike `products`, which holds new ones.
    product_updates: dict[str, Product] = field(default_factory=dict)
    # Stock units this unit withdrew; at commit each must still be unwithdrawn and unallocated.
    withdrawn_units: set[str] = field(default_factory=set)
    operators: OperatorsStaged = field(default_factory=OperatorsStaged)
    key_reports: dict[str, KeyReport] = field(default_factory=dict)
    key_replacements: dict[str, KeyReplacement] = field(default_factory=dict)
    # Stock units moved from a key replacement's id to the item they were delivered to: unit id -> from.
    stock_moves: dict[str, str] = field(default_factory=dict)


class StagingUnit(Protocol):
    """What a repository needs of its unit of work: the writes staged so far. Read it on every use,
    since a commit or a rollback replaces it with a fresh `Staged`."""

    @property
    def staged(self) -> Staged: ...
