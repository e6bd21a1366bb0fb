"""A notifier that keeps what it would have sent."""

from dataclasses import dataclass

from bitloot.application.ports.links import DeliveryLink


@dataclass(frozen=True, slots=True)
class SentNotice:
    order_id: str
    email: str
    link: DeliveryLink


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[SentNotice] = []

    async def order_fulfilled(self, order_id: str, email: str, link: DeliveryLink) -> None:
        self.sent.append(SentNotice(order_id, email, link))
