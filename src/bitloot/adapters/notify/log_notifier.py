"""The embedded notifier: writes the email it would send to the log."""

import logging

from bitloot.application.ports.links import DeliveryLink

log = logging.getLogger("bitloot.email")


class LogNotifier:
    async def order_fulfilled(self, order_id: str, email: str, link: DeliveryLink) -> None:
        log.info(
            "email to %s: your order %s is ready; open %s before %s",
            email,
            order_id,
            link.url,
            link.expires_at.isoformat(timespec="seconds"),
        )
