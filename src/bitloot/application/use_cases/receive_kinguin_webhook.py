"""Kinguin tells us about an order or a product through its webhook (docs/suppliers.md webhooks)."""

from bitloot.application.ports.kinguin import KinguinEvents
from bitloot.application.use_cases.apply_kinguin_event import (
    ApplyKinguinEvent,
    KinguinEventResult,
    ReceivedKinguinEvent,
)
from bitloot.domain.errors import InvalidValue
from bitloot.domain.webhook import MAX_BODY_BYTES


class ReceiveKinguinWebhook:
    def __init__(self, events: KinguinEvents, apply: ApplyKinguinEvent) -> None:
        self._events = events
        self._apply = apply

    async def execute(
        self, event_name: str | None, secret: str | None, raw_body: bytes
    ) -> KinguinEventResult:
        """Authenticate one delivery, then apply it and keep it in the webhook inbox
        (`ApplyKinguinEvent`). A wrong or missing secret writes nothing (`InvalidSignature`)."""
        if len(raw_body) > MAX_BODY_BYTES:
            raise InvalidValue("The event body is too large.")
        event = self._events.read(event_name, secret, raw_body)
        return await self._apply.execute(event, ReceivedKinguinEvent((event_name or "")[:64], raw_body))
