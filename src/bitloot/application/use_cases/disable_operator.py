"""Disable an operator: they can no longer sign in, and their open sessions end now
(docs/console.md). The account stays, for the audit log's sake."""

from bitloot.application.operator_errors import LastOwner
from bitloot.application.operator_lookup import operator_named
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.operators import Operator, Role


class DisableOperator:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, email: str, actor: Actor) -> Operator:
        """Refuses to disable the last active owner (`LastOwner`): someone must be able to manage
        the operators. Disabling a disabled operator changes nothing and is not audited again."""
        return await in_transaction(self._uow, lambda: self._stage(email, actor))

    async def _stage(self, email: str, actor: Actor) -> Operator:
        operator = await operator_named(self._uow, email)
        if not operator.active:
            return operator
        if operator.role is Role.OWNER:
            owners = [o for o in await self._uow.operators.all() if o.role is Role.OWNER and o.active]
            if len(owners) <= 1:
                raise LastOwner
        now = self._clock.now()
        operator.disabled_at = now
        await self._uow.operators.save(operator)
        ended = await self._uow.console_sessions.revoke_all(operator.id, now)
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.OPERATOR_DISABLED,
                TargetKind.OPERATOR,
                operator.id,
                now,
                f"{operator.email}; {ended} sessions ended",
            )
        )
        return operator
