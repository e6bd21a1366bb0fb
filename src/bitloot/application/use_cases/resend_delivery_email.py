"""The operator sends a fulfilled order's delivery link again (a customer lost the first email)."""

from bitloot.application.errors import Conflict, NotFound
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind, DeliveryEmailStatus
from bitloot.domain.ids import new_id
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.order_actions import OrderAction, applies

ALREADY_WAITING = "An email is already waiting to be sent."


class ResendDeliveryEmail:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, order_id: str, actor: Actor) -> DeliveryEmail:
        """Stage a `delivery_resent` email (the link is issued fresh when it is sent) and audit
        `EMAIL_RESENT`, in one transaction. Only for a `fulfilled` order; refused (`Conflict`) while
        any email of the order is still pending. The order is saved too, so two resends at once
        conflict and the second finds the first one pending."""
        note_order(order_id)
        return await in_transaction(self._uow, lambda: self._resend(order_id, actor))

    async def _resend(self, order_id: str, actor: Actor) -> DeliveryEmail:
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise NotFound("No such order.")
        if not applies(OrderAction.RESEND_EMAIL, order.status):
            raise Conflict(f"Only a fulfilled order's email is sent again; this one is {order.status}.")
        emails = await self._uow.emails.list_for_order(order.id)
        if any(e.status is DeliveryEmailStatus.PENDING for e in emails):
            raise Conflict(ALREADY_WAITING)
        now = self._clock.now()
        action_id = new_id()
        email = DeliveryEmail.owed(
            DeliveryEmailKind.DELIVERY_RESENT, order.id, order.email, now, email_id=new_id(), cause=action_id
        )
        await self._uow.emails.add(email)
        await self._uow.orders.save(order)
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.EMAIL_RESENT,
                TargetKind.ORDER,
                order.id,
                now,
                f"delivery email {email.id} staged",
                action_id=action_id,
            )
        )
        return email
