"""Telling the customer."""

from dataclasses import dataclass
from typing import Protocol

from bitloot.application.ports.email_renderer import OrderEmail, RenderedEmail


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One email of the outbox: what it says and its words, with the links issued for it at send
    time; never a key."""

    email: OrderEmail
    rendered: RenderedEmail


class EmailSender(Protocol):
    """Sends a rendered email (never a key) to `email.email.recipient`."""

    async def send(self, email: OutgoingEmail) -> None:
        """Returns once the message was handed over (for SMTP: the server accepted it). Raises
        `EmailRejected` when it was refused for good (the caller never tries it again), and any other
        `EmailNotSent` when it was not handed over for now (the caller tries again later)."""
        ...
