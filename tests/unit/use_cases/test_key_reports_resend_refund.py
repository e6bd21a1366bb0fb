"""Key reports (one open per key), ResendDeliveryEmail (one pending at a time) and MarkRefunded
(only where the state machine allows it; reveals then answer 410)."""

import pytest

from bitloot.application.errors import Conflict, InvalidDeliveryLink, NotFound
from bitloot.application.use_cases.mark_refunded import MarkRefunded
from bitloot.application.use_cases.report_key import ReportKey, ReportKeyRequest
from bitloot.application.use_cases.resend_delivery_email import ResendDeliveryEmail
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, LinkCredential, RevealRequest
from bitloot.domain.audit import ClientInfo
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.errors import InvalidValue, RevealsBlocked
from bitloot.domain.operator_audit import ActionKind, Actor, OperatorAction, TargetKind
from tests.unit.conftest import World

ACTOR = Actor.api_token("198.51.100.4")


def order_actions(world: World) -> list[OperatorAction]:
    """The audit records of what the tests do to orders and keys (creating the products and
    importing their stock is audited too, and is not what these tests are about)."""
    return [a for a in world.db.operator_actions if a.target_kind is not TargetKind.PRODUCT]


async def test_one_open_report_per_key_and_a_second_changes_nothing(world: World) -> None:
    placed = await world.fulfilled_order()
    [key] = world.db.keys.values()
    issued = await world.link_use_case().execute(placed.order.id, placed.access_token)
    use_case = ReportKey(world.uow(), world.links, world.clock)

    first = await use_case.execute(
        ReportKeyRequest(LinkCredential(issued.link.token), key.id, "used already")
    )
    second = await use_case.execute(
        ReportKeyRequest(AccessTokenCredential(placed.order.id, placed.access_token), key.id, "still broken")
    )

    assert not first.already_reported
    assert second.already_reported
    assert second.report.id == first.report.id
    [stored] = world.db.key_reports.values()
    assert stored.message == "used already"


async def test_a_report_needs_a_good_credential_a_key_of_the_order_and_a_message(world: World) -> None:
    placed = await world.fulfilled_order()
    [key] = world.db.keys.values()
    use_case = ReportKey(world.uow(), world.links, world.clock)
    token = AccessTokenCredential(placed.order.id, placed.access_token)
    with pytest.raises(InvalidDeliveryLink):
        await use_case.execute(ReportKeyRequest(LinkCredential("forged"), key.id, "broken"))
    with pytest.raises(NotFound):
        await use_case.execute(ReportKeyRequest(AccessTokenCredential(placed.order.id, "wrong"), key.id, "x"))
    with pytest.raises(NotFound, match="No such key in this order"):
        await use_case.execute(ReportKeyRequest(token, "another-key", "broken"))
    with pytest.raises(InvalidValue, match="1 to 1000 characters"):
        await use_case.execute(ReportKeyRequest(token, key.id, "x" * 1001))
    with pytest.raises(InvalidValue, match="1 to 1000 characters"):
        await use_case.execute(ReportKeyRequest(token, key.id, "   "))
    assert world.db.key_reports == {}


async def test_a_resend_stages_one_email_and_refuses_while_one_is_pending(world: World) -> None:
    placed = await world.fulfilled_order()
    resend = ResendDeliveryEmail(world.uow(), world.clock)
    with pytest.raises(Conflict, match="An email is already waiting to be sent"):
        await resend.execute(placed.order.id, ACTOR)  # the delivery email itself is still pending

    await world.send_delivery_emails_use_case().execute()
    email = await resend.execute(placed.order.id, ACTOR)
    with pytest.raises(Conflict, match="An email is already waiting to be sent"):
        await resend.execute(placed.order.id, ACTOR)
    await world.send_delivery_emails_use_case().execute()

    assert email.kind is DeliveryEmailKind.DELIVERY_RESENT
    sent = [n.kind for n in world.email_sender.sent]
    # The order's first two emails were owed at the same instant here: sent in either order.
    assert set(sent[:2]) == {DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.ORDER_FULFILLED}
    assert sent[2:] == [DeliveryEmailKind.DELIVERY_RESENT]
    assert [a.kind for a in order_actions(world)] == [ActionKind.EMAIL_RESENT]
    assert order_actions(world)[0].id == email.dedupe_key.removeprefix("resent:")


async def test_only_a_fulfilled_order_gets_its_email_again(world: World) -> None:
    placed = await world.order(await world.product(keys=["KEY-1"]))
    with pytest.raises(Conflict, match="this one is awaiting_payment"):
        await ResendDeliveryEmail(world.uow(), world.clock).execute(placed.order.id, ACTOR)
    assert order_actions(world) == []


async def test_a_refund_blocks_the_keys_and_is_audited(world: World) -> None:
    placed = await world.fulfilled_order()
    order = await MarkRefunded(world.uow(), world.clock).execute(placed.order.id, "chargeback", ACTOR)

    assert order.status.value == "refunded"
    [action] = order_actions(world)
    assert (action.kind, action.detail) == (ActionKind.ORDER_REFUNDED, "refunded from fulfilled: chargeback")
    with pytest.raises(RevealsBlocked):
        await world.reveal_use_case().execute(
            RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), ClientInfo(None, None))
        )
    with pytest.raises(Conflict, match="An order that is refunded cannot be marked refunded"):
        await MarkRefunded(world.uow(), world.clock).execute(placed.order.id, "again", ACTOR)
    with pytest.raises(Conflict, match="this one is refunded"):
        await ResendDeliveryEmail(world.uow(), world.clock).execute(placed.order.id, ACTOR)


async def test_a_refund_needs_a_reason_and_an_allowed_state(world: World) -> None:
    placed = await world.order(await world.product(keys=["KEY-1"]))
    with pytest.raises(InvalidValue, match="1 to 300 characters"):
        await MarkRefunded(world.uow(), world.clock).execute(placed.order.id, " ", ACTOR)
    with pytest.raises(Conflict, match="An order that is awaiting_payment cannot be marked refunded"):
        await MarkRefunded(world.uow(), world.clock).execute(placed.order.id, "customer asked", ACTOR)
    assert world.db.orders[placed.order.id].status.value == "awaiting_payment"
    assert order_actions(world) == []
