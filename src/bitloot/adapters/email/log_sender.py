"""The embedded email_sender: writes a one-line summary of the email it would send to the log.

A delivery link reveals keys and an order page link asks for them, so the links are written only in
development, where the log is the developer's own terminal. In production (no `BITLOOT_SMTP_URL`) the
line says the email is owed and withholds every link: a log is read by more people and kept longer
than a mailbox."""

import logging
from typing import Final

from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.domain.delivery_email import DeliveryEmailKind

log = logging.getLogger("bitloot.email")


class LogEmailSender:
    def __init__(self, *, show_links: bool = True) -> None:
        self._show_links = show_links

    async def send(self, outgoing: OutgoingEmail) -> None:
        email = outgoing.email
        what = _WHAT[email.kind]
        if not self._show_links:
            log.warning(
                "email to %s: your order %s %s; not sent and its links withheld from the log "
                "(set BITLOOT_SMTP_URL to send customer emails)",
                email.recipient,
                email.order_id,
                what,
            )
            return
        links = []
        if email.delivery_link is not None:
            expires = email.delivery_link.expires_at.isoformat(timespec="seconds")
            links.append(f"open {email.delivery_link.url} before {expires}")
        if email.payment_url is not None:
            links.append(f"pay at {email.payment_url}")
        links.append(f"order page {email.order_page.url}")
        log.info(
            "email to %s: your order %s %s (%s); %s",
            email.recipient,
            email.order_id,
            what,
            outgoing.rendered.subject,
            "; ".join(links),
        )


_WHAT: Final = {
    DeliveryEmailKind.ORDER_RECEIVED: "was received",
    DeliveryEmailKind.UNDERPAID: "is not fully paid",
    DeliveryEmailKind.ORDER_FAILED: "could not be delivered",
    DeliveryEmailKind.ORDER_FULFILLED: "is ready",
    DeliveryEmailKind.DELIVERY_RESENT: "is ready (link sent again)",
    DeliveryEmailKind.KEY_REPLACED: "has a replaced key",
    DeliveryEmailKind.LINK_REQUESTED: "is ready (the fresh link asked for)",
    DeliveryEmailKind.ORDER_LINK: "has its order page link (asked for)",
    DeliveryEmailKind.EXPIRED_PARTLY_PAID: "expired before it was fully paid",
}
