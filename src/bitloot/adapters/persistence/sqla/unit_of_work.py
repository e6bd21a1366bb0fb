"""One SQLAlchemy session as the unit of work over every repository."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bitloot.adapters.persistence.sqla.catalog import SqlaProductRepository, SqlaStockRepository
from bitloot.adapters.persistence.sqla.kinguin import SqlaKinguinOrderRepository
from bitloot.adapters.persistence.sqla.notifications import SqlaNotificationOutbox
from bitloot.adapters.persistence.sqla.orders import SqlaOrderRepository
from bitloot.adapters.persistence.sqla.records import (
    SqlaFulfillmentRequestRepository,
    SqlaPaymentRepository,
    SqlaRevealAuditRepository,
    SqlaSealedKeyRepository,
)
from bitloot.adapters.persistence.sqla.webhooks import SqlaWebhookInbox
from bitloot.application.errors import ConcurrencyConflict


class SqlaUnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.orders = SqlaOrderRepository(session)
        self.products = SqlaProductRepository(session)
        self.stock = SqlaStockRepository(session)
        self.keys = SqlaSealedKeyRepository(session)
        self.payments = SqlaPaymentRepository(session)
        self.reveals = SqlaRevealAuditRepository(session)
        self.fulfillment_requests = SqlaFulfillmentRequestRepository(session)
        self.kinguin_orders = SqlaKinguinOrderRepository(session)
        self.webhooks = SqlaWebhookInbox(session)
        self.notifications = SqlaNotificationOutbox(session)

    async def commit(self) -> None:
        try:
            await self._session.commit()
        except IntegrityError as exc:
            await self._session.rollback()
            raise ConcurrencyConflict from exc

    async def rollback(self) -> None:
        await self._session.rollback()
