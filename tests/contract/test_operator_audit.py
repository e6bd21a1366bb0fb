"""The operator audit log (`UnitOfWork.operator_actions`): written with the action's transaction, read
newest first in pages, and per target oldest first."""

import pytest

from bitloot.domain.errors import InvalidValue
from bitloot.domain.ids import new_id
from bitloot.domain.operator_audit import (
    MAX_DETAIL_LENGTH,
    ActionKind,
    Actor,
    ActorKind,
    AuditCursor,
    OperatorAction,
    TargetKind,
)
from tests.contract.conftest import UowFactory
from tests.contract.factories import assert_same_fields, at

ALICE = Actor(ActorKind.OPERATOR, "alice@shop.example", operator_id=new_id(), client_ip="203.0.113.7")


def action(
    seconds: float, *, actor: Actor = ALICE, target_id: str = "order-1", **fields: object
) -> OperatorAction:
    values: dict[str, object] = {
        "kind": ActionKind.FULFILLMENT_RETRIED,
        "target_kind": TargetKind.ORDER,
        "detail": "queued again",
        **fields,
    }
    return OperatorAction(id=new_id(), actor=actor, target_id=target_id, at=at(seconds), **values)  # type: ignore[arg-type]


async def page(uow_factory: UowFactory, limit: int, **where: object) -> list[OperatorAction]:
    uow = uow_factory()
    found = await uow.operator_actions.page(limit, **where)  # type: ignore[arg-type]
    await uow.rollback()
    return found


async def history(uow_factory: UowFactory, kind: TargetKind, target_id: str) -> list[OperatorAction]:
    uow = uow_factory()
    found = await uow.operator_actions.for_target(kind, target_id)
    await uow.rollback()
    return found


async def stored(uow_factory: UowFactory, *records: OperatorAction) -> None:
    uow = uow_factory()
    for record in records:
        await uow.operator_actions.add(record)
    await uow.commit()


async def test_a_record_keeps_every_field_and_is_written_only_by_commit(uow_factory: UowFactory) -> None:
    record = action(1, detail="d" * MAX_DETAIL_LENGTH)
    automation = action(
        2,
        actor=Actor.api_token("198.51.100.1"),
        kind=ActionKind.STOCK_IMPORTED,
        target_kind=TargetKind.PRODUCT,
        target_id="product-1",
    )
    cli = action(
        3,
        actor=Actor.command_line(),
        kind=ActionKind.OPERATOR_ADDED,
        target_kind=TargetKind.OPERATOR,
        target_id="op-1",
        detail="",
    )
    uow = uow_factory()
    await uow.operator_actions.add(record)
    await uow.rollback()
    assert await page(uow_factory, 10) == []

    await stored(uow_factory, record, automation, cli)
    newest = await page(uow_factory, 10)
    assert [r.id for r in newest] == [cli.id, automation.id, record.id]
    for got, expected in zip(newest, [cli, automation, record], strict=True):
        assert_same_fields(got, expected)
        assert_same_fields(got.actor, expected.actor)


async def test_pages_run_newest_first_without_gaps_or_repeats(uow_factory: UowFactory) -> None:
    # Two records share a time: the id breaks the tie, so a page boundary between them loses neither.
    records = [action(float(i // 2)) for i in range(7)]
    await stored(uow_factory, *records)
    seen: list[str] = []
    cursor: AuditCursor | None = None
    while True:
        found = await page(uow_factory, 3, before=cursor)
        if not found:
            break
        seen += [r.id for r in found]
        cursor = AuditCursor(found[-1].at, found[-1].id)
    expected = sorted(records, key=lambda r: (r.at, r.id), reverse=True)
    assert seen == [r.id for r in expected]


async def test_one_operators_records_and_one_targets_history(uow_factory: UowFactory) -> None:
    bob = Actor(ActorKind.OPERATOR, "bob@shop.example", operator_id=new_id())
    first, other, second = action(1), action(2, actor=bob), action(3, target_id="order-2")
    last = action(4, kind=ActionKind.EMAIL_RESENT)
    await stored(uow_factory, first, other, second, last)

    assert [r.id for r in await page(uow_factory, 10, operator_id=bob.operator_id)] == [other.id]
    records = await history(uow_factory, TargetKind.ORDER, "order-1")
    assert [r.id for r in records] == [first.id, other.id, last.id]
    assert await history(uow_factory, TargetKind.PRODUCT, "order-1") == []


def test_a_record_refuses_an_overlong_detail_and_a_blank_target() -> None:
    with pytest.raises(InvalidValue, match="at most 300"):
        action(1, detail="d" * (MAX_DETAIL_LENGTH + 1))
    with pytest.raises(InvalidValue, match="names its target"):
        action(1, target_id="")


def test_an_actor_records_what_it_did_with_a_detail_cut_to_the_limit() -> None:
    record = ALICE.did(ActionKind.ORDER_REFUNDED, TargetKind.ORDER, "order-1", at(5), "r" * 400)
    assert (record.actor, record.kind, record.target_kind, record.target_id, record.at) == (
        ALICE, ActionKind.ORDER_REFUNDED, TargetKind.ORDER, "order-1", at(5)
    )  # fmt: skip
    assert record.detail == "r" * (MAX_DETAIL_LENGTH - 1) + "…"
    assert ALICE.did(ActionKind.SIGNED_IN, TargetKind.OPERATOR, "op", at(1)).id != record.id
    assert ALICE.did(ActionKind.SIGNED_IN, TargetKind.OPERATOR, "op", at(1), action_id="a-1").id == "a-1"
