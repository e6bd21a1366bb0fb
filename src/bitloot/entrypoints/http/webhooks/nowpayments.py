"""NOWPayments' IPN (docs/payments.md): persisted before it is answered."""

import logging
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post

from bitloot.application.errors import InvalidSignature
from bitloot.application.use_cases.receive_payment_webhook import ReceivePaymentWebhook
from bitloot.entrypoints.http.webhooks.shared import MAX_WEBHOOK_BYTES, sender

log = logging.getLogger(__name__)


class PaymentWebhookController(Controller):
    tags = ["webhooks"]

    @post(
        "/payments/ipn", status_code=200, summary="NOWPayments IPN", request_max_body_size=MAX_WEBHOOK_BYTES
    )
    async def nowpayments_ipn(
        self, request: Request[Any, Any, Any], use_case: FromDishka[ReceivePaymentWebhook]
    ) -> dict[str, object]:
        """NOWPayments IPN: 401 for a bad signature (nothing written), 400 for a body that is not
        JSON, 200 once recorded, including repeats and notifications for unknown orders."""
        body = await request.body()
        signature = request.headers.get("x-nowpayments-sig")
        try:
            result = await use_case.execute(body, signature)
        except InvalidSignature:
            # docs/payments.md: nothing written but a log line. Neither the body nor the signature is logged.
            log.warning(
                "refused an IPN with a %s signature (%d bytes) from %s",
                "missing" if not signature else "bad",
                len(body),
                sender(request),
            )
            raise
        return {"ok": True, "duplicate": result.duplicate, "outcome": result.outcome}
