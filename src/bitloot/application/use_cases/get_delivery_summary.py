"""What a delivery link's page shows: the order and its items, never a key (mail scanners open links)."""

from dataclasses import dataclass

from bitloot.application.errors import DeliveryLinkExpired, InvalidDeliveryLink
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.links import DeliveryLinkSigner
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.order import Order
from bitloot.domain.product import Product


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    order: Order
    products: dict[str, Product]


class GetDeliverySummary:
    def __init__(self, uow: UnitOfWork, links: DeliveryLinkSigner, clock: Clock) -> None:
        self._uow = uow
        self._links = links
        self._clock = clock

    async def execute(self, link_token: str) -> DeliverySummary:
        """The order of a valid link and its products. A link this shop signed that expired is
        `DeliveryLinkExpired`; a forged or altered one `InvalidDeliveryLink`."""
        try:
            order_id = self._links.resolve(link_token, self._clock.now())
        except InvalidDeliveryLink:
            self._links.issued_for(link_token)
            raise DeliveryLinkExpired from None
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise InvalidDeliveryLink
        products = await self._uow.products.get_many([item.product_id for item in order.items])
        await self._uow.rollback()
        return DeliverySummary(order, products)
