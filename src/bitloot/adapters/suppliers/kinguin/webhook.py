"""Kinguin's webhook deliveries: the shared secret in `X-Event-Secret`, the event in `X-Event-Name`;
the body is read by the rules of `payload`."""

import hmac

from bitloot.adapters.suppliers.kinguin.payload import parse_json, read_order_status, read_product_update
from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.application.ports.kinguin import KinguinEvent, OtherEvent

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
            body = parse_json(raw_body)
        except ValueError:
            raise MalformedNotification from None
        if not isinstance(body, dict):
            raise MalformedNotification
        name = (event_name or "").strip().lower()
        if name == ORDER_STATUS:
            return read_order_status(body)
        if name == PRODUCT_UPDATE:
            return read_product_update(body)
        return OtherEvent((event_name or "")[:64])
