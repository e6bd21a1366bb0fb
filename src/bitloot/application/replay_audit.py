"""The audit record of an operator's webhook replay (docs/console.md), staged with the delivery the
replay records, so both commit together or neither does."""

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.webhook import WebhookDelivery


async def stage_replay_audit(uow: UnitOfWork, actor: Actor | None, replayed: WebhookDelivery) -> None:
    """Nothing to record for a delivery from the provider (no `actor`, no `replayed_from`)."""
    if actor is None or replayed.replayed_from is None:
        return
    await uow.operator_actions.add(
        actor.did(
            ActionKind.WEBHOOK_REPLAYED,
            TargetKind.WEBHOOK,
            replayed.replayed_from,
            replayed.received_at,
            f"replayed as {replayed.id}: {replayed.outcome}",
        )
    )
