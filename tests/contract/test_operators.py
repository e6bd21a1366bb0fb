"""Operators and console sessions (`UnitOfWork.operators`, `.console_sessions`) on every adapter:
written only by commit, one operator per email, sessions revoked one by one or all at once."""

from collections.abc import Awaitable

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.console_sessions import ConsoleSession, secret_hash
from bitloot.domain.ids import new_id
from bitloot.domain.operators import Operator, Role
from tests.contract.conftest import UowFactory
from tests.contract.factories import assert_same_fields, at


def operator(email: str, seconds: float = 0, role: Role = Role.SUPPORT) -> Operator:
    return Operator(
        id=new_id(),
        email=email,
        role=role,
        password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        created_at=at(seconds),
        password_changed_at=at(seconds),
    )


def session(operator_id: str, seconds: float = 0) -> ConsoleSession:
    return ConsoleSession(
        id=new_id(),
        operator_id=operator_id,
        secret_hash=secret_hash(new_id()),
        created_at=at(seconds),
        last_seen_at=at(seconds),
    )


async def stored(
    uow_factory: UowFactory, *operators: Operator, sessions: tuple[ConsoleSession, ...] = ()
) -> None:
    uow = uow_factory()
    for each in operators:
        await uow.operators.add(each)
    for each_session in sessions:
        await uow.console_sessions.add(each_session)
    await uow.commit()


async def add_and_commit(adding: Awaitable[None], uow: UnitOfWork) -> None:
    """SQL refuses at the insert, the fake at the commit: either is the refusal."""
    await adding
    await uow.commit()


async def test_an_operator_keeps_every_field_and_is_written_only_by_commit(uow_factory: UowFactory) -> None:
    alice, bob = operator("alice@shop.example", 1, Role.OWNER), operator("bob@shop.example", 2)
    uow = uow_factory()
    await uow.operators.add(alice)
    await uow.rollback()
    assert await uow.operators.get(alice.id) is None
    await uow.rollback()

    await stored(uow_factory, bob, alice)

    reader = uow_factory()
    found = await reader.operators.get_by_email("alice@shop.example")
    assert found is not None
    assert_same_fields(found, alice)
    assert [o.email for o in await reader.operators.all()] == ["alice@shop.example", "bob@shop.example"]
    assert await reader.operators.get_by_email("carol@shop.example") is None
    await reader.rollback()


async def test_two_operators_never_share_an_email(uow_factory: UowFactory) -> None:
    await stored(uow_factory, operator("alice@shop.example"))
    uow = uow_factory()
    with pytest.raises(ConcurrencyConflict):
        await add_and_commit(uow.operators.add(operator("alice@shop.example")), uow)
    await uow.rollback()
    reader = uow_factory()
    assert len(await reader.operators.all()) == 1
    await reader.rollback()


async def test_a_saved_operator_keeps_its_changes(uow_factory: UowFactory) -> None:
    alice = operator("alice@shop.example")
    await stored(uow_factory, alice)
    alice.disabled_at = at(5)
    alice.password_hash = "$argon2id$new"
    alice.password_changed_at = at(5)
    uow = uow_factory()
    await uow.operators.save(alice)
    await uow.commit()
    found = await uow.operators.get(alice.id)
    await uow.rollback()
    assert found is not None
    assert_same_fields(found, alice)


async def test_sessions_are_touched_and_revoked_one_by_one_or_all_at_once(uow_factory: UowFactory) -> None:
    alice, bob = operator("alice@shop.example"), operator("bob@shop.example")
    first, second, bobs = session(alice.id), session(alice.id), session(bob.id)
    await stored(uow_factory, alice, bob, sessions=(first, second, bobs))

    uow = uow_factory()
    await uow.console_sessions.touch(first.id, at(60))
    await uow.console_sessions.revoke(second.id, at(61))
    await uow.commit()
    uow = uow_factory()
    got = await uow.console_sessions.get(first.id)
    assert got is not None
    assert (got.last_seen_at, got.revoked_at, got.secret_hash) == (at(60), None, first.secret_hash)
    revoked = await uow.console_sessions.get(second.id)
    assert revoked is not None
    assert revoked.revoked_at == at(61)
    assert await uow.console_sessions.revoke_all(alice.id, at(70)) == 1, "the live one only"
    await uow.commit()

    uow = uow_factory()
    first_now, second_now = (
        await uow.console_sessions.get(first.id),
        await uow.console_sessions.get(second.id),
    )
    bobs_now = await uow.console_sessions.get(bobs.id)
    assert first_now is not None
    assert first_now.revoked_at == at(70)
    assert second_now is not None
    assert second_now.revoked_at == at(61), "a revoked session keeps its time"
    assert bobs_now is not None
    assert bobs_now.revoked_at is None
    assert await uow.console_sessions.get(new_id()) is None
    await uow.rollback()


async def test_a_session_belongs_to_an_operator(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    with pytest.raises(ConcurrencyConflict):
        await add_and_commit(uow.console_sessions.add(session(new_id())), uow)
    await uow.rollback()
