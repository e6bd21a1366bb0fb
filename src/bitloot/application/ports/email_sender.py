"""Telling the customer."""

from typing import Protocol

from bitloot.application.ports.links import DeliveryLink


class EmailSender(Protocol):
    """Sends the delivery link, never a key."""

    async def order_fulfilled(self, order_id: str, email: str, link: DeliveryLink) -> None:
        """Returns once the message was handed over (for SMTP: the server accepted it). Raises
        `EmailRejected` when it was refused for good (the caller never tries it again), and any other
        `EmailNotSent` when it was not handed over for now (the caller tries again later)."""
        ...
