"""The operator inspects one order: items, payments, delivered keys (metadata only), reveals, the
webhook deliveries about it, its emails (sent, pending or failed, with the last error), its key reports
and key replacements."""

from dataclasses import dataclass, field

from bitloot.application.errors import NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.audit import RevealEvent
from bitloot.domain.delivery_email import DeliveryEmail
from bitloot.domain.key_replacement import KeyReplacement
from bitloot.domain.key_reports import KeyReport
from bitloot.domain.keys import SealedKey
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.webhook import WebhookDelivery


@dataclass(frozen=True, slots=True)
class OrderDetails:
    order: Order
    payments: list[PaymentRecord]
    keys: list[SealedKey]
    reveals: list[RevealEvent]
    # The webhook deliveries that named this order, oldest first.
    webhooks: list[WebhookDelivery] = field(default_factory=list)
    # The emails the order owes or was sent, oldest first (none until it is fulfilled).
    emails: list[DeliveryEmail] = field(default_factory=list)
    key_reports: list[KeyReport] = field(default_factory=list)
    key_replacements: list[KeyReplacement] = field(default_factory=list)
    # The name of each product the order's items name (a product id missing from it is unknown).
    product_names: dict[str, str] = field(default_factory=dict)

    @property
    def email(self) -> DeliveryEmail | None:
        """The latest email (None until the order is fulfilled)."""
        return self.emails[-1] if self.emails else None


class GetOrderDetails:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, order_id: str) -> OrderDetails:
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise NotFound("No such order.")
        details = OrderDetails(
            order=order,
            payments=await self._uow.payments.list_for_order(order.id),
            keys=await self._uow.keys.list_for_order(order.id),
            reveals=await self._uow.reveals.list_for_order(order.id),
            webhooks=await self._uow.webhooks.list_for_order(order.id),
            emails=await self._uow.emails.list_for_order(order.id),
            key_reports=await self._uow.key_reports.list_for_order(order.id),
            key_replacements=await self._uow.key_replacements.list_for_order(order.id),
            product_names={
                p.id: p.name
                for p in (await self._uow.products.get_many([i.product_id for i in order.items])).values()
            },
        )
        await self._uow.rollback()
        return details
