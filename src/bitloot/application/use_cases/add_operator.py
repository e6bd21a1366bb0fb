"""Add an operator: an owner or support person who signs in to the console (docs/console.md)."""

from dataclasses import dataclass

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.operator_errors import OperatorExists
from bitloot.application.operator_passwords import chosen_or_new
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.passwords import PasswordHasher
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.ids import new_id
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.operators import Operator, Role, normalized_email


@dataclass(frozen=True, slots=True)
class AddedOperator:
    operator: Operator
    # The generated password, to show once; None when the operator chose their own.
    one_time_password: str | None


class AddOperator:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def execute(
        self, email: str, role: Role, actor: Actor, password: str | None = None
    ) -> AddedOperator:
        """Refuses an email another operator has (`OperatorExists`), also when two adds race."""
        email = normalized_email(email)
        if await self._uow.operators.get_by_email(email) is not None:
            await self._uow.rollback()
            raise OperatorExists
        password_hash, shown = await chosen_or_new(self._hasher, password)
        now = self._clock.now()
        operator = Operator(
            id=new_id(),
            email=email,
            role=role,
            password_hash=password_hash,
            created_at=now,
            password_changed_at=now,
        )
        try:
            await self._uow.operators.add(operator)
            await self._uow.operator_actions.add(
                actor.did(
                    ActionKind.OPERATOR_ADDED, TargetKind.OPERATOR, operator.id, now, f"{email} as {role}"
                )
            )
            await self._uow.commit()
        except ConcurrencyConflict:  # another add of this email committed first
            await self._uow.rollback()
            raise OperatorExists from None
        return AddedOperator(operator, shown)
