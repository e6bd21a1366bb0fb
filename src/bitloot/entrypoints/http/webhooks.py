"""Provider webhooks. Each is persisted before it is answered (SPEC §6)."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post

from bitloot.application.use_cases.handle_payment_notification import HandlePaymentNotification

MAX_IPN_BYTES = 64 * 1024


class PaymentWebhookController(Controller):
    tags = ["webhooks"]

    @post("/payments/ipn", status_code=200, request_max_body_size=MAX_IPN_BYTES)
    async def nowpayments_ipn(
        self, request: Request[Any, Any, Any], use_case: FromDishka[HandlePaymentNotification]
    ) -> dict[str, object]:
        """NOWPayments IPN: 401 for a bad signature (nothing written), 400 for a body that is not
        JSON, 200 once recorded, including repeats and notifications for unknown orders."""
        result = await use_case.execute(await request.body(), request.headers.get("x-nowpayments-sig"))
        return {"ok": True, "duplicate": result.duplicate, "outcome": result.outcome}
