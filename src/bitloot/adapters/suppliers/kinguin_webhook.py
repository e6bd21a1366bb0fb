"""Kinguin's webhook deliveries: the shared secret in `X-Event-Secret`, the event in `X-Event-Name`."""

import hmac
import json
from typing import Any

from bitloot.adapters.json_nesting import check_nesting
from bitloot.adapters.suppliers.kinguin_client import parse_kinguin_time
from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.application.ports.kinguin import KinguinEvent, OrderStatusEvent, OtherEvent, ProductUpdateEvent

ORDER_STATUS = "order.status"
PRODUCT_UPDATE = "product.update"


class KinguinWebhook:
    """Reads a delivery whose `X-Event-Secret` equals the configured secret (compared in constant
    time); without a configured secret every delivery is refused."""

    def __init__(self, secret: bytes | None) -> None:
        self._secret = secret

    def __repr__(self) -> str:
        return "KinguinWebhook(secret=***)"

    def read(self, event_name: str | None, secret: str | None, raw_body: bytes) -> KinguinEvent:
        if self._secret is None or secret is None:
            raise InvalidSignature
        if not hmac.compare_digest(secret.encode("utf-8"), self._secret):
            raise InvalidSignature
        return self.read_verified(event_name, raw_body)

    def read_verified(self, event_name: str | None, raw_body: bytes) -> KinguinEvent:
        try:
            check_nesting(raw_body)
            body = json.loads(raw_body)
        except ValueError:
            raise MalformedNotification from None
        if not isinstance(body, dict):
            raise MalformedNotification
        name = (event_name or "").strip().lower()
        if name == ORDER_STATUS:
            return _order_status(body)
        if name == PRODUCT_UPDATE:
            return _product_update(body)
        return OtherEvent((event_name or "")[:64])


def _order_status(body: dict[str, Any]) -> OrderStatusEvent:
    order_id, external_id, status = body.get("orderId"), body.get("orderExternalId"), body.get("status")
    updated_at = parse_kinguin_time(body.get("updatedAt"))
    if not _id(order_id) or not _id(external_id) or not isinstance(status, str) or updated_at is None:
        raise MalformedNotification(
            "An order.status event needs orderId, orderExternalId, status, updatedAt."
        )
    return OrderStatusEvent(str(order_id), str(external_id), status, updated_at)


def _product_update(body: dict[str, Any]) -> ProductUpdateEvent:
    kinguin_id, quantity = body.get("kinguinId"), body.get("qty")
    updated_at = parse_kinguin_time(body.get("updatedAt"))
    if (
        not _id(kinguin_id)
        or isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or updated_at is None
    ):
        raise MalformedNotification("A product.update event needs kinguinId, qty and updatedAt.")
    return ProductUpdateEvent(str(kinguin_id), max(quantity, 0), updated_at)


def _id(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and 0 < len(str(value)) <= 64
