"""The JSON shapes of the HTTP API: camelCase msgspec structs. Requests refuse unknown fields."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec


class Schema(msgspec.Struct, rename="camel"):
    """Base of every response body."""


class RequestSchema(msgspec.Struct, rename="camel", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body."""


Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=20)]
# Money in responses: a decimal string in fixed notation, at least two places ("9.50", "0.00000001").
Amount = Annotated[str, msgspec.Meta(pattern=r"^\d+\.\d{2,8}$", examples=["19.99"])]


class ProductOut(Schema):
    id: str
    sku: str
    name: str
    price: Amount
    currency: str
    available: int
    supplier: str | msgspec.UnsetType = msgspec.UNSET


class OrderLineIn(RequestSchema, frozen=True):
    product_id: Id
    quantity: Quantity = 1


class PlaceOrderIn(RequestSchema, frozen=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    items: Annotated[list[OrderLineIn], msgspec.Meta(min_length=1, max_length=10)]


class OrderItemOut(Schema):
    item_id: str
    product_id: str
    quantity: int
    unit_price: Amount


class PlacedOrderOut(Schema):
    id: str
    status: str
    access_token: str
    email: str
    currency: str
    total: Amount
    payment_url: str | None
    items: list[OrderItemOut]
    created_at: datetime
    # The order page (30 days): its state live, and what to do next; never a key.
    order_page_url: str


class ItemStatusOut(Schema):
    item_id: str
    product_id: str
    quantity: int
    status: str
    fulfilled_at: datetime | None


class FulfillmentStatusOut(Schema):
    order_id: str
    status: str
    order_status: str
    items_total: int
    items_fulfilled: int
    items: list[ItemStatusOut]
    fulfilled_at: datetime | None
    updated_at: datetime


class DownloadLinkOut(Schema):
    order_id: str
    signed_url: str
    expires_at: datetime
    item_count: int


class RevealIn(RequestSchema, frozen=True):
    item_id: Id | None = None


class RevealedKeyOut(Schema):
    item_id: str
    product_id: str
    key: str
    content_type: str
    revealed_at: datetime
    # The sealed key's id, to report the key if it does not work.
    key_id: str = ""


class RevealOut(Schema):
    order_id: str
    keys: list[RevealedKeyOut]
    reveal_count: int


class HealthOut(Schema):
    ok: bool
    service: str
    timestamp: datetime
    checks: dict[str, str]


class ProductIn(RequestSchema, frozen=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    price: Decimal
    currency: Annotated[str, msgspec.Meta(min_length=2, max_length=12)]
    supplier: Literal["stock", "kinguin"] = "stock"
    supplier_product_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class KeysIn(RequestSchema, frozen=True):
    # One key per line; a blank or overlong line (over 512 characters) is refused by line, not the
    # request (the body cap bounds the rest).
    keys: Annotated[list[str], msgspec.Meta(min_length=1, max_length=1000)]


class RefusedLineOut(Schema):
    """A key not imported: its 1-based position in `keys`, and why (`blank`, `too_long`,
    `repeated_in_batch`, `already_in_stock`, `already_delivered`); never the key."""

    line: int
    reason: str


class ImportOut(Schema):
    imported: int
    available: int
    refused: list[RefusedLineOut] = msgspec.field(default_factory=list)


class AdminOrderOut(Schema):
    id: str
    email: str
    status: str
    currency: str
    total: Amount
    items: list[OrderItemOut]
    created_at: datetime
    updated_at: datetime
    fulfilled_at: datetime | None
    failure_reason: str | None
    reveal_count: int
    # NOWPayments' invoice id, to find the order in their dashboard (none for simulator orders).
    payment_reference: str | None = None


class PaymentOut(Schema):
    id: str
    provider: str
    order_id: str
    payment_id: str
    status: str
    outcome: str
    actually_paid: Amount
    pay_currency: str
    received_at: datetime


class SealedKeyOut(Schema):
    id: str
    item_id: str
    product_id: str
    content_type: str
    key_version: int
    created_at: datetime
    # Set once the operator replaced the key (it is kept, never revealed again), with its successor.
    revoked_at: datetime | None = None
    replaced_by: str | None = None


class RevealEventOut(Schema):
    id: str
    item_id: str
    key_id: str
    channel: str
    outcome: str
    ip: str | None
    user_agent: str | None
    at: datetime


class WebhookDeliveryOut(Schema):
    """A stored webhook delivery; never its signature header."""

    id: str
    provider: str
    event: str
    signature_valid: bool
    outcome: str
    order_id: str | None
    received_at: datetime
    replayed_from: str | None
    body_size: int


class WebhookDeliveryDetailOut(WebhookDeliveryOut):
    # The raw body as UTF-8 text (undecodable bytes replaced).
    body: str


class DeliveryEmailOut(Schema):
    """The order's delivery email: `pending` (being sent or tried again at `nextAttemptAt`), `sent`,
    or `failed` (refused for good or failing for 3 days; never tried again)."""

    status: str
    attempts: int
    # Why the last attempt failed: an SMTP code and the server's words, never a link or a token.
    last_error: str | None
    # Only while pending.
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # `order_fulfilled`, `delivery_resent` or `key_replaced`.
    kind: str = "order_fulfilled"


class AdminOrderDetailOut(Schema):
    order: AdminOrderOut
    payments: list[PaymentOut]
    keys: list[SealedKeyOut]
    reveals: list[RevealEventOut]
    webhooks: list[WebhookDeliveryOut]
    # The latest email; None until the order is fulfilled (and owes its email).
    email: DeliveryEmailOut | None = None
    # Every email of the order, oldest first.
    emails: list[DeliveryEmailOut] = msgspec.field(default_factory=list)
