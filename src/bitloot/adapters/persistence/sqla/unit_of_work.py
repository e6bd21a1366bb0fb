"""One SQLAlchemy session as the unit of work over every repository."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bitloot.adapters.persistence.sqla.repositories.blob_references import SqlaBlobReferences
from bitloot.adapters.persistence.sqla.repositories.email_outbox import SqlaEmailOutbox
from bitloot.adapters.persistence.sqla.repositories.fingerprints import SqlaKeyFingerprintRepository
from bitloot.adapters.persistence.sqla.repositories.fulfillment_requests import (
    SqlaFulfillmentRequestRepository,
)
from bitloot.adapters.persistence.sqla.repositories.key_reports import (
    SqlaKeyReplacementRepository,
    SqlaKeyReportRepository,
)
from bitloot.adapters.persistence.sqla.repositories.kinguin import SqlaKinguinOrderRepository
from bitloot.adapters.persistence.sqla.repositories.operations_overview import SqlaOperationsOverview
from bitloot.adapters.persistence.sqla.repositories.operator_audit import SqlaOperatorAuditLog
from bitloot.adapters.persistence.sqla.repositories.operators import (
    SqlaConsoleSessionRepository,
    SqlaOperatorRepository,
)
from bitloot.adapters.persistence.sqla.repositories.order_search import SqlaOrderSearch
from bitloot.adapters.persistence.sqla.repositories.orders import SqlaOrderRepository
from bitloot.adapters.persistence.sqla.repositories.payments import SqlaPaymentRepository
from bitloot.adapters.persistence.sqla.repositories.products import SqlaProductRepository
from bitloot.adapters.persistence.sqla.repositories.reveal_audit import SqlaRevealAuditRepository
from bitloot.adapters.persistence.sqla.repositories.sealed_keys import SqlaSealedKeyRepository
from bitloot.adapters.persistence.sqla.repositories.stock import SqlaStockRepository
from bitloot.adapters.persistence.sqla.repositories.webhooks import SqlaWebhookInbox
from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork


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
        self.emails = SqlaEmailOutbox(session)
        self.fingerprints = SqlaKeyFingerprintRepository(session)
        self.blob_references = SqlaBlobReferences(session)
        self.operator_actions = SqlaOperatorAuditLog(session)
        self.order_search = SqlaOrderSearch(session)
        self.overview = SqlaOperationsOverview(session)
        self.operators = SqlaOperatorRepository(session)
        self.console_sessions = SqlaConsoleSessionRepository(session)
        self.key_reports = SqlaKeyReportRepository(session)
        self.key_replacements = SqlaKeyReplacementRepository(session)

    async def commit(self) -> None:
        try:
            await self._session.commit()
        except IntegrityError as exc:
            await self._session.rollback()
            raise ConcurrencyConflict from exc

    async def rollback(self) -> None:
        await self._session.rollback()


class SqlaUnitOfWorkFactory:
    """Each call opens a session of its own, closed when the block ends."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork]:
        async with self._sessions() as session:
            yield SqlaUnitOfWork(session)
