"""Sign out: the session ends in the database, so its cookie signs no one in again (docs/console.md)."""

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind


class SignOut:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, session_id: str, actor: Actor) -> None:
        now = self._clock.now()
        await self._uow.console_sessions.revoke(session_id, now)
        await self._uow.operator_actions.add(
            actor.did(ActionKind.SIGNED_OUT, TargetKind.OPERATOR, actor.operator_id or session_id, now)
        )
        await self._uow.commit()
