"""The unit of work: one transaction over every repository."""

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bitloot.application.ports.blob_references import BlobReferences
from bitloot.application.ports.email_outbox import EmailOutbox
from bitloot.application.ports.fingerprints import KeyFingerprintRepository
from bitloot.application.ports.key_reports import KeyReplacementRepository, KeyReportRepository
from bitloot.application.ports.kinguin import KinguinOrderRepository
from bitloot.application.ports.operations_overview import OperationsOverview
from bitloot.application.ports.operator_audit import OperatorAuditLog
from bitloot.application.ports.operators import ConsoleSessionRepository, OperatorRepository
from bitloot.application.ports.order_search import OrderSearch
from bitloot.application.ports.repositories import (
    FulfillmentRequestRepository,
    OrderRepository,
    PaymentRepository,
    ProductRepository,
    RevealAuditRepository,
    SealedKeyRepository,
    StockRepository,
)
from bitloot.application.ports.webhooks import WebhookInbox


class UnitOfWork(Protocol):
    """Repositories that share one transaction.

    `commit()` makes every staged write durable at once, or raises `ConcurrencyConflict` and keeps none
    of them; `rollback()` drops them. After either, the next read starts a new transaction.
    """

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def products(self) -> ProductRepository: ...

    @property
    def stock(self) -> StockRepository: ...

    @property
    def keys(self) -> SealedKeyRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def reveals(self) -> RevealAuditRepository: ...

    @property
    def fulfillment_requests(self) -> FulfillmentRequestRepository: ...

    @property
    def webhooks(self) -> WebhookInbox: ...

    @property
    def emails(self) -> EmailOutbox: ...

    @property
    def kinguin_orders(self) -> KinguinOrderRepository: ...

    @property
    def fingerprints(self) -> KeyFingerprintRepository: ...

    @property
    def blob_references(self) -> BlobReferences: ...

    @property
    def operator_actions(self) -> OperatorAuditLog: ...

    @property
    def order_search(self) -> OrderSearch: ...

    @property
    def overview(self) -> OperationsOverview: ...

    @property
    def operators(self) -> OperatorRepository: ...

    @property
    def console_sessions(self) -> ConsoleSessionRepository: ...

    @property
    def key_reports(self) -> KeyReportRepository: ...

    @property
    def key_replacements(self) -> KeyReplacementRepository: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work of its own (on SQL, its own session and connection), for work that runs
    beside a use case's transaction, such as the heartbeat of a fulfilment lease; closed on exit."""

    def __call__(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
