"""The operator looks at the webhook inbox, newest first, of one provider or all; filtered by
outcome and time, in keyset pages (docs/http-api.md)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bitloot.application.page_cursor import decode_cursor, encode_cursor
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.ports.webhooks import DeliveryFilter
from bitloot.domain.errors import InvalidValue
from bitloot.domain.webhook import MAX_OUTCOME_LENGTH, WebhookDelivery

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class WebhookPage:
    deliveries: Sequence[WebhookDelivery]
    # Pass back as `cursor` for the next page; None on the last page.
    next: str | None


class ListWebhookDeliveries:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, provider: str | None = None, limit: int = 50) -> list[WebhookDelivery]:
        deliveries = await self._uow.webhooks.list_recent(max(1, min(limit, MAX_LIMIT)), provider)
        await self._uow.rollback()
        return deliveries

    async def page(
        self,
        provider: str | None = None,
        limit: int = 50,
        *,
        outcome: str | None = None,
        received_from: datetime | None = None,
        received_to: datetime | None = None,
        cursor: str | None = None,
    ) -> WebhookPage:
        """One page; `received_from` inclusive, `received_to` exclusive. Raises `InvalidValue` for a
        cursor this inbox did not give, or an outcome longer than any recorded one (a 400)."""
        if outcome is not None and len(outcome) > MAX_OUTCOME_LENGTH:
            raise InvalidValue("No delivery has an outcome that long.")
        size = max(1, min(limit, MAX_LIMIT))
        where = DeliveryFilter(
            outcome=outcome,
            received_from=received_from,
            received_to=received_to,
            before=decode_cursor(cursor) if cursor is not None else None,
        )
        found = await self._uow.webhooks.list_recent(size + 1, provider, where)
        await self._uow.rollback()
        page = found[:size]
        more = len(found) > size
        return WebhookPage(page, encode_cursor(page[-1].received_at, page[-1].id) if more else None)
