"""Kinguin tells us about an order or a product through its webhook (docs/suppliers.md webhooks)."""

from bitloot.application.ports.kinguin import KinguinEvents
from bitloot.application.ports.metrics import ShopMetrics
from bitloot.application.use_cases.apply_kinguin_event import (
    PROVIDER,
    ApplyKinguinEvent,
    KinguinEventResult,
    ReceivedKinguinEvent,
)
from bitloot.application.webhook_counting import counted_delivery
from bitloot.domain.errors import InvalidValue
from bitloot.domain.webhook import MAX_BODY_BYTES


class ReceiveKinguinWebhook:
    def __init__(self, events: KinguinEvents, apply: ApplyKinguinEvent, metrics: ShopMetrics) -> None:
        self._events = events
        self._apply = apply
        self._metrics = metrics

    async def execute(
        self, event_name: str | None, secret: str | None, raw_body: bytes
    ) -> KinguinEventResult:
        """Authenticate one delivery, then apply it and keep it in the webhook inbox
        (`ApplyKinguinEvent`). A wrong or missing secret writes nothing (`InvalidSignature`). Each
        delivery is counted by how it ended (`bitloot_ipn_total`)."""
        return await counted_delivery(
            self._metrics,
            PROVIDER,
            lambda: self._receive(event_name, secret, raw_body),
            lambda result: result.outcome,
        )

    async def _receive(
        self, event_name: str | None, secret: str | None, raw_body: bytes
    ) -> KinguinEventResult:
        if len(raw_body) > MAX_BODY_BYTES:
            raise InvalidValue("The event body is too large.")
        event = self._events.read(event_name, secret, raw_body)
        return await self._apply.execute(event, ReceivedKinguinEvent((event_name or "")[:64], raw_body))
