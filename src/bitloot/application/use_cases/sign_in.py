"""Sign an operator in to the console: a new session (docs/console.md).

An unknown email, a disabled operator and a wrong password get the same answer (`SignInRefused`)
after the same work: the password is verified against a dummy hash when there is no operator, and
verified before the disabled check, so neither the message nor the time tells which it was."""

import secrets
from dataclasses import dataclass

from bitloot.application.operator_errors import SignInRefused
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.passwords import PasswordHasher
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.console_sessions import ConsoleSession, secret_hash
from bitloot.domain.errors import InvalidValue
from bitloot.domain.ids import new_id
from bitloot.domain.operator_audit import ActionKind, Actor, ActorKind, TargetKind
from bitloot.domain.operators import MAX_PASSWORD_LENGTH, Operator, normalized_email

SESSION_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class SignedIn:
    operator: Operator
    session: ConsoleSession
    # What the cookie holds: `<session id>.<secret>`. Shown to no one else, stored nowhere.
    token: str


class SignIn:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def execute(self, email: str, password: str, client_ip: str | None) -> SignedIn:
        operator = await self._find(email)
        await self._uow.rollback()
        # An overlong password is hashed as a short one would be: its length costs nothing extra.
        verified = await self._hasher.verify(
            None if operator is None else operator.password_hash, password[:MAX_PASSWORD_LENGTH]
        )
        if operator is None or not verified or not operator.active or len(password) > MAX_PASSWORD_LENGTH:
            raise SignInRefused
        now = self._clock.now()
        secret = secrets.token_urlsafe(SESSION_SECRET_BYTES)
        session = ConsoleSession(
            id=new_id(),
            operator_id=operator.id,
            secret_hash=secret_hash(secret),
            created_at=now,
            last_seen_at=now,
        )
        await self._uow.console_sessions.add(session)
        actor = Actor(ActorKind.OPERATOR, operator.email, operator.id, client_ip)
        await self._uow.operator_actions.add(
            actor.did(ActionKind.SIGNED_IN, TargetKind.OPERATOR, operator.id, now)
        )
        await self._uow.commit()
        return SignedIn(operator, session, f"{session.id}.{secret}")

    async def _find(self, email: str) -> Operator | None:
        try:
            return await self._uow.operators.get_by_email(normalized_email(email))
        except InvalidValue:
            return None
