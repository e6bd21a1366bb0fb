"""The reveal audit (the `RevealAuditRepository` port), and how a row maps to a `RevealEvent`."""

from typing import Any

from sqlalchemy import RowMapping, insert, select

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.reveals import REVEAL_EVENTS
from bitloot.domain.audit import ClientInfo, RevealChannel, RevealEvent, RevealOutcome


class SqlaRevealAuditRepository(SqlRepository):
    async def add(self, event: RevealEvent) -> None:
        await self._execute(insert(REVEAL_EVENTS).values(_values(event)))

    async def list_for_order(self, order_id: str) -> list[RevealEvent]:
        query = (
            select(REVEAL_EVENTS)
            .where(REVEAL_EVENTS.c.order_id == order_id)
            .order_by(REVEAL_EVENTS.c.at, REVEAL_EVENTS.c.id)
        )
        return [_from_row(row) for row in (await self._execute(query)).mappings()]


def _from_row(row: RowMapping) -> RevealEvent:
    return RevealEvent(
        id=row["id"],
        order_id=row["order_id"],
        item_id=row["item_id"],
        key_id=row["key_id"],
        channel=RevealChannel(row["channel"]),
        outcome=RevealOutcome(row["outcome"]),
        client=ClientInfo(ip=row["ip"], user_agent=row["user_agent"]),
        at=row["at"],
    )


def _values(event: RevealEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "order_id": event.order_id,
        "item_id": event.item_id,
        "key_id": event.key_id,
        "channel": event.channel.value,
        "outcome": event.outcome.value,
        "ip": event.client.ip,
        "user_agent": (event.client.user_agent or "")[:512] or None,
        "at": event.at,
    }
