"""The unit of work: one transaction over every repository."""

from typing import Protocol

from bitloot.application.ports.repositories import (
    FulfillmentRequestRepository,
    OrderRepository,
    PaymentRepository,
    ProductRepository,
    RevealAuditRepository,
    SealedKeyRepository,
    StockRepository,
)


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

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
