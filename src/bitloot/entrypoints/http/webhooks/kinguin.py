"""Kinguin's webhook (docs/http-api.md, docs/suppliers.md): persisted before it is answered."""

import logging
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post

from bitloot.application.errors import InvalidSignature
from bitloot.application.use_cases.receive_kinguin_webhook import ReceiveKinguinWebhook
from bitloot.entrypoints.http.webhooks.shared import MAX_WEBHOOK_BYTES, sender

log = logging.getLogger(__name__)


class KinguinWebhookController(Controller):
    tags = ["webhooks"]

    @post(
        "/webhooks/kinguin", status_code=204, summary="Kinguin event", request_max_body_size=MAX_WEBHOOK_BYTES
    )
    async def kinguin_event(
        self, request: Request[Any, Any, Any], use_case: FromDishka[ReceiveKinguinWebhook]
    ) -> None:
        """Kinguin events (`X-Event-Name`: `order.status`, `product.update`), authenticated by the
        shared secret in `X-Event-Secret`: 401 for a missing or wrong one (nothing written), 400 for a
        body that is not the event's JSON, 204 once recorded and applied."""
        body = await request.body()
        event_name = request.headers.get("x-event-name")
        secret = request.headers.get("x-event-secret")
        try:
            await use_case.execute(event_name, secret, body)
        except InvalidSignature:
            # Nothing written but this line; neither the secret nor the body is logged.
            log.warning(
                "refused a Kinguin %s event with a %s secret (%d bytes) from %s",
                (event_name or "unnamed")[:64].encode("ascii", "replace").decode(),
                "missing" if not secret else "wrong",
                len(body),
                sender(request),
            )
            raise
