"""A customer asks for a 15-minute link to their keys."""

from dataclasses import dataclass

from bitloot.application.access import order_for_token
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.links import DeliveryLink, DeliveryLinkSigner
from bitloot.application.ports.rate_limit import OrderAction, OrderLimits
from bitloot.application.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class IssuedLink:
    order_id: str
    link: DeliveryLink
    item_count: int


class IssueDeliveryLink:
    def __init__(self, uow: UnitOfWork, links: DeliveryLinkSigner, clock: Clock, limits: OrderLimits) -> None:
        self._uow = uow
        self._limits = limits
        self._links = links
        self._clock = clock

    async def execute(self, order_id: str, access_token: str) -> IssuedLink:
        """Counted against the order's limit once the token is proven (`TooManyRequests`). Only a
        fulfilled order gets a link (`NotFulfilledYet`); a refunded one never (`RevealsBlocked`)."""
        order = await order_for_token(self._uow, order_id, access_token)
        note_order(order.id)
        await self._uow.rollback()
        await self._limits.admit(OrderAction.LINK, order.id)
        order.ensure_revealable()
        return IssuedLink(
            order_id=order.id,
            link=self._links.issue(order.id, self._clock.now()),
            item_count=sum(item.quantity for item in order.items),
        )
