"""The operator records a refund made at the payment provider (docs/lifecycle.md): the order moves
to `refunded` where the state machine allows it, and its keys are blocked for good."""

from bitloot.application.errors import Conflict, NotFound
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.key_reports import resolution_note
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.order import Order
from bitloot.domain.order_actions import OrderAction, applies
from bitloot.domain.order_status import OrderStatus


class MarkRefunded:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, order_id: str, reason: str, actor: Actor) -> Order:
        """Audited as `ORDER_REFUNDED` with the reason (required, 1 to 300 characters) in the same
        transaction. From a state that forbids it (`awaiting_payment`, `expired`, `refunded`, ...) a
        `Conflict` names the state and nothing changes. Reveals of the order then answer 410."""
        note_order(order_id)
        checked = resolution_note(reason)
        return await in_transaction(self._uow, lambda: self._refund(order_id, checked, actor))

    async def _refund(self, order_id: str, reason: str, actor: Actor) -> Order:
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise NotFound("No such order.")
        if not applies(OrderAction.MARK_REFUNDED, order.status):
            raise Conflict(f"An order that is {order.status} cannot be marked refunded.")
        previous = order.status
        now = self._clock.now()
        order.transition_to(OrderStatus.REFUNDED, now)
        await self._uow.orders.save(order)
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.ORDER_REFUNDED,
                TargetKind.ORDER,
                order.id,
                now,
                f"refunded from {previous}: {reason}",
            )
        )
        return order
