"""The operator use cases on the in-memory unit of work (docs/console.md)."""

from datetime import timedelta

import pytest

from bitloot.adapters.crypto.argon2_passwords import Argon2PasswordHasher
from bitloot.application.operator_errors import LastOwner, NoSuchOperator, OperatorExists, SignInRefused
from bitloot.application.use_cases.add_operator import AddOperator
from bitloot.application.use_cases.disable_operator import DisableOperator
from bitloot.application.use_cases.reset_password import ResetPassword
from bitloot.application.use_cases.resolve_session import ResolveSession
from bitloot.application.use_cases.sign_in import SignIn
from bitloot.domain.console_sessions import SessionLimits
from bitloot.domain.errors import InvalidValue
from bitloot.domain.operator_audit import ActionKind, Actor
from bitloot.domain.operators import Role
from tests.fakes.clock import FrozenClock
from tests.fakes.state import MemoryDatabase
from tests.fakes.unit_of_work import InMemoryUnitOfWork

CLI = Actor.command_line()
PASSWORD = "correct horse battery"


class CountingHasher:
    """The real Argon2id (cheap), counting verifications."""

    def __init__(self) -> None:
        self._real = Argon2PasswordHasher.cheap()
        self.verified: list[bool] = []

    async def hash(self, password: str) -> str:
        return await self._real.hash(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append(password_hash is None)
        return await self._real.verify(password_hash, password)


class World:
    def __init__(self) -> None:
        self.db = MemoryDatabase()
        self.clock = FrozenClock()
        self.hasher = CountingHasher()

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.db)

    async def add(self, email: str, role: Role = Role.OWNER, password: str | None = PASSWORD) -> str | None:
        added = await AddOperator(self.uow(), self.hasher, self.clock).execute(email, role, CLI, password)
        return added.one_time_password

    async def sign_in(self, email: str, password: str = PASSWORD) -> str:
        signed = await SignIn(self.uow(), self.hasher, self.clock).execute(email, password, "203.0.113.7")
        return signed.token

    def resolve(self) -> ResolveSession:
        return ResolveSession(self.uow(), self.clock, SessionLimits())


@pytest.fixture
def world() -> World:
    return World()


async def test_adding_generates_a_strong_one_time_password_and_refuses_a_taken_email(world: World) -> None:
    shown = await world.add("Owner@Shop.example", password=None)
    assert shown is not None
    assert len(shown) >= 24
    assert await world.sign_in("owner@shop.example", shown)
    with pytest.raises(OperatorExists, match="exists already"):
        await world.add("OWNER@shop.example", Role.SUPPORT)
    with pytest.raises(InvalidValue, match="12 to 256 characters"):
        await world.add("short@shop.example", password="short")
    kinds = [a.kind for a in world.db.operator_actions]
    assert kinds == [ActionKind.OPERATOR_ADDED, ActionKind.SIGNED_IN]
    assert shown not in repr(world.db.operators.operators)


async def test_an_unknown_email_costs_a_verification_like_a_wrong_password(world: World) -> None:
    await world.add("owner@shop.example")
    for email, password in [("owner@shop.example", "wrong password!"), ("nobody@shop.example", PASSWORD)]:
        with pytest.raises(SignInRefused, match="email or password is not right"):
            await world.sign_in(email, password)
    assert world.hasher.verified == [False, True], "one verification each; the unknown one on a dummy hash"


async def test_disabling_ends_sessions_refuses_sign_in_and_keeps_the_last_owner(world: World) -> None:
    await world.add("owner@shop.example")
    await world.add("second@shop.example")
    token = await world.sign_in("second@shop.example")
    assert await world.resolve().execute(token) is not None

    await DisableOperator(world.uow(), world.clock).execute("second@shop.example", CLI)

    assert await world.resolve().execute(token) is None
    with pytest.raises(SignInRefused):
        await world.sign_in("second@shop.example")
    with pytest.raises(LastOwner, match="last active owner"):
        await DisableOperator(world.uow(), world.clock).execute("owner@shop.example", CLI)
    with pytest.raises(NoSuchOperator):
        await DisableOperator(world.uow(), world.clock).execute("nobody@shop.example", CLI)


async def test_a_password_reset_ends_sessions_and_replaces_the_password(world: World) -> None:
    await world.add("owner@shop.example")
    token = await world.sign_in("owner@shop.example")

    reset = await ResetPassword(world.uow(), world.hasher, world.clock).execute("owner@shop.example", CLI)

    assert reset.one_time_password
    assert await world.resolve().execute(token) is None
    with pytest.raises(SignInRefused):
        await world.sign_in("owner@shop.example")
    assert await world.sign_in("owner@shop.example", reset.one_time_password)


async def test_a_session_is_touched_at_most_once_a_minute_and_ends_idle(world: World) -> None:
    await world.add("owner@shop.example")
    token = await world.sign_in("owner@shop.example")
    session_id = token.partition(".")[0]

    world.clock.advance(timedelta(seconds=30))
    assert await world.resolve().execute(token) is not None
    assert world.db.operators.sessions[session_id].last_seen_at == world.clock.now() - timedelta(seconds=30)
    world.clock.advance(timedelta(seconds=40))
    assert await world.resolve().execute(token) is not None
    assert world.db.operators.sessions[session_id].last_seen_at == world.clock.now()

    world.clock.advance(timedelta(minutes=30, seconds=1))
    assert await world.resolve().execute(token) is None
    for wrong in ("", "nonsense", f"{session_id}.wrong-secret", f"{session_id}.", ".secret"):
        assert await world.resolve().execute(wrong) is None
