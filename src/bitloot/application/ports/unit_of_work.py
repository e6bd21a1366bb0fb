"""The unit of work: one transaction over every repository."""

from typing import Protocol

from bitloot.application.ports.kinguin import KinguinOrderRepository
from bitloot.application.ports.notification_outbox import NotificationOutbox
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
    def notifications(self) -> NotificationOutbox: ...

    @property
    def kinguin_orders(self) -> KinguinOrderRepository: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
