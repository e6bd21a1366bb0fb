"""The webhook inbox in SQL."""

from typing import Any

from sqlalchemy import RowMapping, insert, select

from bitloot.adapters.persistence.sqla.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables_webhooks import WEBHOOK_DELIVERIES
from bitloot.domain.webhook import PROVIDERS, WebhookDelivery, WebhookProvider

_DELIVERY = WEBHOOK_DELIVERIES
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


def delivery_from_row(row: RowMapping) -> WebhookDelivery:
    values: dict[str, Any] = {name: row[name] for name in _FIELDS}
    return WebhookDelivery(
        provider=_PROVIDERS[row["provider"]], **{**values, "raw_body": bytes(values["raw_body"])}
    )


def delivery_values(delivery: WebhookDelivery) -> dict[str, Any]:
    return {"provider": delivery.provider, **{name: getattr(delivery, name) for name in _FIELDS}}


class SqlaWebhookInbox(SqlRepository):
    async def add(self, delivery: WebhookDelivery) -> None:
        await self._execute(insert(_DELIVERY).values(delivery_values(delivery)))

    async def get(self, delivery_id: str) -> WebhookDelivery | None:
        row = (await self._execute(select(_DELIVERY).where(_DELIVERY.c.id == delivery_id))).mappings()
        found = row.first()
        return None if found is None else delivery_from_row(found)

    async def list_recent(self, limit: int, provider: str | None = None) -> list[WebhookDelivery]:
        if limit <= 0:
            return []
        query = select(_DELIVERY)
        if provider is not None:
            query = query.where(_DELIVERY.c.provider == provider)
        query = query.order_by(_DELIVERY.c.received_at.desc(), _DELIVERY.c.id.desc()).limit(limit)
        return [delivery_from_row(row) for row in (await self._execute(query)).mappings()]

    async def list_for_order(self, order_id: str) -> list[WebhookDelivery]:
        query = (
            select(_DELIVERY)
            .where(_DELIVERY.c.order_id == order_id)
            .order_by(_DELIVERY.c.received_at, _DELIVERY.c.id)
        )
        return [delivery_from_row(row) for row in (await self._execute(query)).mappings()]
