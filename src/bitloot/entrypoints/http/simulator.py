"""The local payment simulator (embedded mode only; not mounted when BITLOOT_ENV=production).

The order's `paymentUrl` opens this page; its buttons send a NOWPayments-shaped IPN, signed with the
shop's IPN secret, through the same use case as `POST /payments/ipn`.
"""

from html import escape
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from bitloot.adapters.payments.simulator import SIMULATED_STATUSES, simulated_ipn
from bitloot.application.use_cases.get_order_details import GetOrderDetails
from bitloot.application.use_cases.receive_payment_webhook import ReceivePaymentWebhook
from bitloot.domain.payment import PaymentStatus
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.http.pages import button_form, page

_LABELS = {
    PaymentStatus.FINISHED: "Pay in full (finished)",
    PaymentStatus.PARTIALLY_PAID: "Pay half (partially_paid)",
    PaymentStatus.EXPIRED: "Let it expire (expired)",
}


class SimulatorController(Controller):
    path = "/simulator/pay/{order_id:str}"
    tags = ["simulator"]
    include_in_schema = False

    @get("/")
    async def show(self, order_id: FromPath[str], details: FromDishka[GetOrderDetails]) -> Response[str]:
        """The local payment simulator's page for an order (only without a payment provider, never in
        production)."""
        order = (await details.execute(order_id)).order
        buttons = "".join(
            button_form(f"/simulator/pay/{order.id}", _LABELS[status], {"status": status.value})
            for status in SIMULATED_STATUSES
        )
        body = (
            "<p class=muted>Local payment simulator: no money moves. Each button sends a signed IPN.</p>"
            f"<p>Order <code>{escape(order.id)}</code>: <b>{escape(str(order.total))}</b>, "
            f"now <b>{escape(order.status.value)}</b>.</p>{buttons}"
        )
        return page("Pay with BitLoot's simulator", body)

    @post("/", status_code=200)
    async def pay(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        details: FromDishka[GetOrderDetails],
        notifications: FromDishka[ReceivePaymentWebhook],
        data: URLEncodedBody[dict[str, str]],
    ) -> Response[str]:
        """Pay an order through the local simulator: sends a correctly signed NOWPayments IPN for it."""
        status = next((st for st in SIMULATED_STATUSES if st.value == data.get("status")), None)
        if status is None:
            return page("Simulator", "<p>Choose finished, partially_paid or expired.</p>", status_code=400)
        settings: Settings = request.app.state.settings
        order = (await details.execute(order_id)).order
        body, signature = simulated_ipn(order, status, settings.secrets.ipn_secret)
        result = await notifications.execute(body, signature)
        outcome = escape(result.outcome.value if result.outcome else "duplicate")
        return page(
            "Payment sent",
            f"<p>IPN <b>{escape(status.value)}</b> delivered: {outcome}.</p>"
            f"<p>Check the order's status with its access token at "
            f"<code>/fulfillment/{escape(order.id)}/status</code>.</p>",
        )
