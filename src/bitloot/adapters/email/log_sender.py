"""The embedded email_sender: writes the email it would send to the log.

A delivery link reveals keys, so the link itself is written only in development, where the log is the
developer's own terminal. In production (no `BITLOOT_SMTP_URL`) the line says the email is owed and
withholds the link: a log is read by more people and kept longer than a mailbox."""

import logging

from bitloot.application.ports.links import DeliveryLink

log = logging.getLogger("bitloot.email")


class LogEmailSender:
    def __init__(self, *, show_links: bool = True) -> None:
        self._show_links = show_links

    async def order_fulfilled(self, order_id: str, email: str, link: DeliveryLink) -> None:
        if not self._show_links:
            log.warning(
                "email to %s: your order %s is ready; not sent and its link withheld from the log "
                "(set BITLOOT_SMTP_URL to send delivery emails)",
                email,
                order_id,
            )
            return
        log.info(
            "email to %s: your order %s is ready; open %s before %s",
            email,
            order_id,
            link.url,
            link.expires_at.isoformat(timespec="seconds"),
        )
