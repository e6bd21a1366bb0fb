"""Give an operator a new password (a one-time one, or theirs); their open sessions end now
(docs/console.md)."""

from dataclasses import dataclass

from bitloot.application.operator_lookup import operator_named
from bitloot.application.operator_passwords import chosen_or_new
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.passwords import PasswordHasher
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.operators import Operator


@dataclass(frozen=True, slots=True)
class PasswordReset:
    operator: Operator
    one_time_password: str | None


class ResetPassword:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def execute(self, email: str, actor: Actor, password: str | None = None) -> PasswordReset:
        operator = await operator_named(self._uow, email)
        password_hash, shown = await chosen_or_new(self._hasher, password)
        now = self._clock.now()
        operator.password_hash = password_hash
        operator.password_changed_at = now
        await self._uow.operators.save(operator)
        ended = await self._uow.console_sessions.revoke_all(operator.id, now)
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.PASSWORD_RESET,
                TargetKind.OPERATOR,
                operator.id,
                now,
                f"{operator.email}; {ended} sessions ended",
            )
        )
        await self._uow.commit()
        return PasswordReset(operator, shown)
