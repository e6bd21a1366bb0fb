"""The webhook inbox (the `WebhookInbox` port), and how a row maps to a `WebhookDelivery`."""

from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, insert, or_, select

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.webhooks import WEBHOOK_DELIVERIES
from bitloot.application.ports.webhooks import DeliveryFilter
from bitloot.domain.webhook import PROVIDERS, WebhookDelivery, WebhookProvider

_FIELDS = (
    "id",
    "event",
    "raw_body",
    "signature",
    "signature_valid",
    "dedupe_key",
    "outcome",
    "order_id",
    "received_at",
    "replayed_from",
)
_PROVIDERS: dict[str, WebhookProvider] = {name: name for name in PROVIDERS}


class SqlaWebhookInbox(SqlRepository):
    async def add(self, delivery: WebhookDelivery) -> None:
        await self._execute(_ADD, _values(delivery))

    async def get(self, delivery_id: str) -> WebhookDelivery | None:
        query = select(WEBHOOK_DELIVERIES).where(WEBHOOK_DELIVERIES.c.id == delivery_id)
        found = (await self._execute(query)).mappings().first()
        return None if found is None else _from_row(found)

    async def list_recent(
        self, limit: int, provider: str | None = None, where: DeliveryFilter | None = None
    ) -> list[WebhookDelivery]:
        if limit <= 0:
            return []
        query = select(WEBHOOK_DELIVERIES)
        if provider is not None:
            query = query.where(WEBHOOK_DELIVERIES.c.provider == provider)
        if where is not None:
            query = query.where(*_narrowed(where))
        query = query.order_by(WEBHOOK_DELIVERIES.c.received_at.desc(), WEBHOOK_DELIVERIES.c.id.desc()).limit(
            limit
        )
        return [_from_row(row) for row in (await self._execute(query)).mappings()]

    async def list_for_order(self, order_id: str) -> list[WebhookDelivery]:
        query = (
            select(WEBHOOK_DELIVERIES)
            .where(WEBHOOK_DELIVERIES.c.order_id == order_id)
            .order_by(WEBHOOK_DELIVERIES.c.received_at, WEBHOOK_DELIVERIES.c.id)
        )
        return [_from_row(row) for row in (await self._execute(query)).mappings()]


def _narrowed(where: DeliveryFilter) -> list[ColumnElement[bool]]:
    c = WEBHOOK_DELIVERIES.c
    conditions: list[ColumnElement[bool]] = []
    if where.outcome is not None:
        conditions.append(c.outcome == where.outcome)
    if where.received_from is not None:
        conditions.append(c.received_at >= where.received_from)
    if where.received_to is not None:
        conditions.append(c.received_at < where.received_to)
    if where.before is not None:
        at, delivery_id = where.before
        # `received_at <= at` lets the index on received_at start at the cursor.
        conditions.append(c.received_at <= at)
        conditions.append(or_(c.received_at < at, and_(c.received_at == at, c.id < delivery_id)))
    return conditions


# Built once (every webhook delivery's statement): see orders.py.
_ADD = insert(WEBHOOK_DELIVERIES)


def _from_row(row: RowMapping) -> WebhookDelivery:
    values: dict[str, Any] = {name: row[name] for name in _FIELDS}
    return WebhookDelivery(
        provider=_PROVIDERS[row["provider"]], **{**values, "raw_body": bytes(values["raw_body"])}
    )


def _values(delivery: WebhookDelivery) -> dict[str, Any]:
    return {"provider": delivery.provider, **{name: getattr(delivery, name) for name in _FIELDS}}
