"""Telling the customer."""

from dataclasses import dataclass
from typing import Protocol

from bitloot.application.ports.links import DeliveryLink
from bitloot.domain.delivery_email import DeliveryEmailKind


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One email of the outbox, with the link issued for it at send time; never a key."""

    email_id: str
    kind: DeliveryEmailKind
    order_id: str
    recipient: str
    link: DeliveryLink


class EmailSender(Protocol):
    """Sends the delivery link, never a key; the message (subject, words) follows `email.kind`."""

    async def send(self, email: OutgoingEmail) -> None:
        """Returns once the message was handed over (for SMTP: the server accepted it). Raises
        `EmailRejected` when it was refused for good (the caller never tries it again), and any other
        `EmailNotSent` when it was not handed over for now (the caller tries again later)."""
        ...
