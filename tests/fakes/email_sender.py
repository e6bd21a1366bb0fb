"""A email_sender that keeps what it would have sent."""

from dataclasses import dataclass

from bitloot.application.errors import EmailNotSent
from bitloot.application.ports.links import DeliveryLink


@dataclass(frozen=True, slots=True)
class SentNotice:
    order_id: str
    email: str
    link: DeliveryLink


class RecordingEmailSender:
    def __init__(self) -> None:
        self.sent: list[SentNotice] = []
        # Set to make every send fail as a mail server outage would.
        self.unavailable = False
        self.attempts = 0

    async def order_fulfilled(self, order_id: str, email: str, link: DeliveryLink) -> None:
        self.attempts += 1
        if self.unavailable:
            raise EmailNotSent("connection refused")
        self.sent.append(SentNotice(order_id, email, link))
