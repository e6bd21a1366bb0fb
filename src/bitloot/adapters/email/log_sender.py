"""The embedded email_sender: writes the email it would send to the log.

A delivery link reveals keys, so the link itself is written only in development, where the log is the
developer's own terminal. In production (no `BITLOOT_SMTP_URL`) the line says the email is owed and
withholds the link: a log is read by more people and kept longer than a mailbox."""

import logging

from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.domain.delivery_email import DeliveryEmailKind

log = logging.getLogger("bitloot.email")


class LogEmailSender:
    def __init__(self, *, show_links: bool = True) -> None:
        self._show_links = show_links

    async def send(self, email: OutgoingEmail) -> None:
        what = _WHAT[email.kind]
        if not self._show_links:
            log.warning(
                "email to %s: your order %s %s; not sent and its link withheld from the log "
                "(set BITLOOT_SMTP_URL to send delivery emails)",
                email.recipient,
                email.order_id,
                what,
            )
            return
        log.info(
            "email to %s: your order %s %s; open %s before %s",
            email.recipient,
            email.order_id,
            what,
            email.link.url,
            email.link.expires_at.isoformat(timespec="seconds"),
        )


_WHAT = {
    DeliveryEmailKind.ORDER_FULFILLED: "is ready",
    DeliveryEmailKind.DELIVERY_RESENT: "is ready (link sent again)",
    DeliveryEmailKind.KEY_REPLACED: "has a replaced key",
    DeliveryEmailKind.LINK_REQUESTED: "is ready (the fresh link asked for)",
    DeliveryEmailKind.ORDER_LINK: "(the order page link asked for)",
}
