"""Who a console cookie signs in, if anyone (docs/console.md).

A session counts while it is not revoked, was seen within the idle limit and is younger than the
absolute limit, and its operator is active. `last_seen_at` is written at most once a minute, so a
busy console does not write on every page."""

from dataclasses import dataclass

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.console_sessions import ConsoleSession, SessionLimits
from bitloot.domain.errors import InvalidValue
from bitloot.domain.operators import Operator


@dataclass(frozen=True, slots=True)
class CurrentSession:
    operator: Operator
    session: ConsoleSession


class ResolveSession:
    def __init__(self, uow: UnitOfWork, clock: Clock, limits: SessionLimits) -> None:
        self._uow = uow
        self._clock = clock
        self._limits = limits

    async def execute(self, token: str | None) -> CurrentSession | None:
        session_id, _, secret = (token or "").partition(".")
        if not session_id or not secret:
            return None
        try:
            session = await self._uow.console_sessions.get(session_id)
        except InvalidValue:  # an id the database cannot hold is no session's
            session = None
        now = self._clock.now()
        if session is None or not session.matches(secret) or not session.live(now, self._limits):
            await self._uow.rollback()
            return None
        operator = await self._uow.operators.get(session.operator_id)
        if operator is None or not operator.active:
            await self._uow.rollback()
            return None
        if session.due_for_touch(now):
            await self._uow.console_sessions.touch(session.id, now)
            await self._uow.commit()
            session.last_seen_at = now
        else:
            await self._uow.rollback()
        return CurrentSession(operator, session)
