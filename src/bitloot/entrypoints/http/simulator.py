"""The local payment simulator (embedded mode only; not mounted when BITLOOT_ENV=production).

The order's `paymentUrl` opens this page; its buttons send a NOWPayments-shaped IPN, signed with the
shop's IPN secret, through the same use case as `POST /payments/ipn`. Its result page then leads
where the payment provider would send the customer back: `/paid` with the order page link's token
after a full payment, the order page itself otherwise.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from bitloot.adapters.payments.simulator import SIMULATED_STATUSES, simulated_ipn
from bitloot.application.errors import NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.links import OrderPageLinkSigner
from bitloot.application.use_cases.get_order_details import GetOrderDetails
from bitloot.application.use_cases.receive_payment_webhook import ReceivePaymentWebhook
from bitloot.domain.payment import PaymentStatus
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.http.shop_pages import shop_page

_LABELS = {
    PaymentStatus.FINISHED: "Pay in full (finished)",
    PaymentStatus.PARTIALLY_PAID: "Pay half (partially_paid)",
    PaymentStatus.EXPIRED: "Let it expire (expired)",
}
TITLE = "Pay with the simulator"


@dataclass(frozen=True, slots=True)
class Choice:
    status: str
    label: str


def _unknown(request: Request[Any, Any, Any]) -> Template:
    return shop_page(request, "simulator_sent.html.j2", TITLE, status_code=404, error="No such order.")


class SimulatorController(Controller):
    path = "/simulator/pay/{order_id:str}"
    tags = ["simulator"]
    include_in_schema = False

    @get("/")
    async def show(
        self, order_id: FromPath[str], request: Request[Any, Any, Any], details: FromDishka[GetOrderDetails]
    ) -> Template:
        """The local payment simulator's page for an order (only without a payment provider, never in
        production)."""
        try:
            order = (await details.execute(order_id)).order
        except NotFound:
            return _unknown(request)
        choices = [Choice(status.value, _LABELS[status]) for status in SIMULATED_STATUSES]
        return shop_page(request, "simulator.html.j2", TITLE, order=order, choices=choices)

    @post("/", status_code=200)
    async def pay(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        details: FromDishka[GetOrderDetails],
        notifications: FromDishka[ReceivePaymentWebhook],
        order_pages: FromDishka[OrderPageLinkSigner],
        clock: FromDishka[Clock],
    ) -> Template:
        """Pay an order through the local simulator: sends a correctly signed NOWPayments IPN for it."""
        form = await request.form()
        status = next((st for st in SIMULATED_STATUSES if st.value == form.get("status")), None)
        if status is None:
            error = "Choose finished, partially_paid or expired."
            return shop_page(request, "simulator_sent.html.j2", TITLE, status_code=400, error=error)
        try:
            order = (await details.execute(order_id)).order
        except NotFound:
            return _unknown(request)
        settings: Settings = request.app.state.settings
        body, signature = simulated_ipn(order, status, settings.secrets.ipn_secret)
        result = await notifications.execute(body, signature)
        token = order_pages.issue(order.id, clock.now()).token
        if status is PaymentStatus.FINISHED:
            back_url, back_label = f"/paid?order={quote(order.id)}&page={quote(token)}", "Return to the shop"
        else:
            back_url, back_label = f"/o/{token}", "Back to your order"
        return shop_page(
            request,
            "simulator_sent.html.j2",
            "Payment sent",
            status=status.value,
            outcome=result.outcome.value if result.outcome else "duplicate",
            back_url=back_url,
            back_label=back_label,
        )
