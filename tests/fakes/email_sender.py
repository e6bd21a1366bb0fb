"""A email_sender that keeps what it would have sent."""

from dataclasses import dataclass

from bitloot.application.errors import EmailNotSent
from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.application.ports.links import DeliveryLink
from bitloot.domain.delivery_email import DeliveryEmailKind


@dataclass(frozen=True, slots=True)
class SentNotice:
    order_id: str
    email: str
    link: DeliveryLink
    kind: DeliveryEmailKind = DeliveryEmailKind.ORDER_FULFILLED


class RecordingEmailSender:
    def __init__(self) -> None:
        self.sent: list[SentNotice] = []
        # Set to make every send fail as a mail server outage would.
        self.unavailable = False
        self.attempts = 0

    async def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        if self.unavailable:
            raise EmailNotSent("connection refused")
        self.sent.append(SentNotice(email.order_id, email.recipient, email.link, email.kind))
