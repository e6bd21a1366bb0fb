"""What Kinguin sends, read once by one set of rules: its API's orders and keys (`orders`) and its
webhook events (`webhook`).

The rules of a field are the same wherever it comes from:
- an id (`orderId`, `orderExternalId`, `kinguinId`) is a string or an integer (not a boolean), not
  blank, at most 64 characters; read as its text;
- a status is a non-empty string;
- a time is ISO 8601 (`2020-10-16T11:24:08+00:00`), read as aware UTC;
- a body is JSON nested at most `json_nesting.MAX_DEPTH` levels (refused before it is parsed).

What is required depends on what is read. An order in an API answer needs only its id: without a
status it is `unknown`, its time is `updatedAt` or else `createdAt`, and an `orderExternalId` that is
not an id is none. An `order.status` event needs all four of `orderId`, `orderExternalId`, `status`
and `updatedAt` (the time that orders events), and `product.update` needs `kinguinId`, an integer
`qty` and `updatedAt`. An unreadable answer is the supplier failing (`SupplierUnavailable`, or
`SupplierRefused` for a key without its serial); an unreadable event is `MalformedNotification`.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bitloot.adapters.json_nesting import check_nesting
from bitloot.application.errors import MalformedNotification, SupplierRefused, SupplierUnavailable
from bitloot.application.ports.kinguin import OrderStatusEvent, ProductUpdateEvent

MAX_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class RemoteOrder:
    order_id: str
    external_id: str | None
    status: str
    # Kinguin's `updatedAt` (or `createdAt`) of the order as it answered, when it said.
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class RemoteKey:
    """A key as Kinguin sent it. `serial` is the key itself (base64 for an image): never printed."""

    key_id: str | None
    serial: str = field(repr=False)
    content_type: str


def parse_json(raw: bytes) -> Any:
    """The body's JSON; `ValueError` when it is not JSON or nests too deeply."""
    check_nesting(raw)
    return json.loads(raw)


def parse_kinguin_time(value: object) -> datetime | None:
    """Kinguin's ISO 8601 times (`2020-10-16T11:24:08+00:00`), as aware UTC; None when not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def identifier(value: object) -> str | None:
    """An id's text: a string or an integer (not a boolean), not blank, at most 64 characters."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if text.strip() and len(text) <= MAX_ID_LENGTH else None


def status(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def read_order(entry: dict[str, Any]) -> RemoteOrder:
    """An order of an API answer."""
    order_id = identifier(entry.get("orderId"))
    if order_id is None:
        raise SupplierUnavailable("Kinguin sent an order without a usable orderId.")
    return RemoteOrder(
        order_id=order_id,
        external_id=identifier(entry.get("orderExternalId")),
        status=status(entry.get("status")) or "unknown",
        updated_at=parse_kinguin_time(entry.get("updatedAt")) or parse_kinguin_time(entry.get("createdAt")),
    )


def read_key(entry: dict[str, Any]) -> RemoteKey:
    """A key of an API answer; its id, when it has one, is kept whatever its length (see `supplier`)."""
    serial = entry.get("serial")
    if not isinstance(serial, str):
        raise SupplierRefused("Kinguin sent a key without a serial.")
    key_id = entry.get("id")
    content_type = entry.get("type")
    return RemoteKey(
        key_id=str(key_id) if isinstance(key_id, str | int) and str(key_id) else None,
        serial=serial,
        content_type=content_type.strip().lower() if isinstance(content_type, str) else "text/plain",
    )


def read_order_status(body: dict[str, Any]) -> OrderStatusEvent:
    """An `order.status` event."""
    order_id, external_id = identifier(body.get("orderId")), identifier(body.get("orderExternalId"))
    new_status, updated_at = status(body.get("status")), parse_kinguin_time(body.get("updatedAt"))
    if order_id is None or external_id is None or new_status is None or updated_at is None:
        raise MalformedNotification(
            "An order.status event needs orderId, orderExternalId, status, updatedAt."
        )
    return OrderStatusEvent(order_id, external_id, new_status, updated_at)


def read_product_update(body: dict[str, Any]) -> ProductUpdateEvent:
    """A `product.update` event; a negative `qty` is read as none."""
    kinguin_id, quantity = identifier(body.get("kinguinId")), body.get("qty")
    updated_at = parse_kinguin_time(body.get("updatedAt"))
    if (
        kinguin_id is None
        or isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or updated_at is None
    ):
        raise MalformedNotification("A product.update event needs kinguinId, qty and updatedAt.")
    return ProductUpdateEvent(kinguin_id, max(quantity, 0), updated_at)
