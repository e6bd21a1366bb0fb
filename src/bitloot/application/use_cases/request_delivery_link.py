"""The customer asks for a fresh delivery link by email: from the order page, or from a delivery link
that expired. The link goes only to the order's own address and is never shown on a page."""

from enum import StrEnum

from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.rate_limit import OrderAction, OrderLimits
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.delivery_email import (
    CARRIES_DELIVERY_LINK,
    DeliveryEmail,
    DeliveryEmailKind,
    DeliveryEmailStatus,
)
from bitloot.domain.errors import NotFulfilledYet
from bitloot.domain.ids import new_id


class LinkRequestOutcome(StrEnum):
    # A fresh link was staged for the order's address.
    STAGED = "staged"
    # An email with a link is already waiting to be sent: it is the fresh one.
    ALREADY_WAITING = "already_waiting"


class RequestDeliveryLink:
    def __init__(self, uow: UnitOfWork, clock: Clock, limits: OrderLimits) -> None:
        self._uow = uow
        self._clock = clock
        self._limits = limits

    async def execute(self, order_id: str) -> LinkRequestOutcome:
        """For an order the caller has proved (its order page link, or a delivery link this shop
        signed, even expired). Counted against the order's email limit (`TooManyRequests`); only a
        fulfilled order gets a link (`NotFulfilledYet`), a refunded one never (`RevealsBlocked`); an
        unknown order is `NotFulfilledYet` too, so the answer says nothing about which orders exist."""
        note_order(order_id)
        await self._limits.admit(OrderAction.EMAIL, order_id)
        return await in_transaction(self._uow, lambda: self._request(order_id))

    async def _request(self, order_id: str) -> LinkRequestOutcome:
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise NotFulfilledYet
        order.ensure_revealable()
        emails = await self._uow.emails.list_for_order(order.id)
        if any(e.status is DeliveryEmailStatus.PENDING and e.kind in CARRIES_DELIVERY_LINK for e in emails):
            return LinkRequestOutcome.ALREADY_WAITING
        now = self._clock.now()
        email = DeliveryEmail.owed(
            DeliveryEmailKind.LINK_REQUESTED, order.id, order.email, now, email_id=new_id(), cause=new_id()
        )
        await self._uow.emails.add(email)
        # Saved too, so two requests at once conflict and the second finds the first one waiting.
        await self._uow.orders.save(order)
        return LinkRequestOutcome.STAGED
