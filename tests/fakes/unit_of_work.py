"""An in-memory unit of work with the semantics the SQL one has.

Reads see committed state plus this unit's own staged writes; `commit()` checks every conflict first
(stale order version, taken SKU or payload, a stock unit another unit allocated) and then applies all
writes at once, without awaiting in between, so no other task sees half of a commit.
"""

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.order_status import OrderStatus
from tests.fakes.blob_references import MemoryBlobReferences
from tests.fakes.email_outbox import (
    MemoryEmailOutbox,
    apply_emails,
    check_email_claims,
)
from tests.fakes.fingerprints import MemoryKeyFingerprints, check_fingerprints
from tests.fakes.key_reports import MemoryKeyReplacements, MemoryKeyReports, check_key_reports
from tests.fakes.kinguin import MemoryKinguinOrders, apply_kinguin, check_kinguin
from tests.fakes.operations_overview import MemoryOperationsOverview
from tests.fakes.operator_audit import MemoryOperatorAuditLog
from tests.fakes.operators import (
    MemoryConsoleSessions,
    MemoryOperators,
    apply_operators,
    check_operators,
)
from tests.fakes.order_search import MemoryOrderSearch
from tests.fakes.repositories import (
    MemoryFulfillmentRequests,
    MemoryKeys,
    MemoryOrders,
    MemoryPayments,
    MemoryProducts,
    MemoryReveals,
    MemoryStock,
)
from tests.fakes.state import MemoryDatabase, Staged
from tests.fakes.stock_views import apply_product_updates, check_withdrawals
from tests.fakes.webhooks import MemoryWebhookInbox


class InMemoryUnitOfWork:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.staged = Staged()
        self.committed = 0
        self.orders = MemoryOrders(db, self)
        self.products = MemoryProducts(db, self)
        self.stock = MemoryStock(db, self)
        self.keys = MemoryKeys(db, self)
        self.payments = MemoryPayments(db, self)
        self.reveals = MemoryReveals(db, self)
        self.fulfillment_requests = MemoryFulfillmentRequests(db, self)
        self.kinguin_orders = MemoryKinguinOrders(db, self)
        self.webhooks = MemoryWebhookInbox(db, self)
        self.emails = MemoryEmailOutbox(db, self)
        self.fingerprints = MemoryKeyFingerprints(db, self)
        self.blob_references = MemoryBlobReferences(db, self)
        self.operator_actions = MemoryOperatorAuditLog(db, self)
        self.order_search = MemoryOrderSearch(db, self)
        self.overview = MemoryOperationsOverview(db, self)
        self.operators = MemoryOperators(db, self)
        self.console_sessions = MemoryConsoleSessions(db, self)
        self.key_reports = MemoryKeyReports(db, self)
        self.key_replacements = MemoryKeyReplacements(db, self)

    async def commit(self) -> None:
        staged, self.staged = self.staged, Staged()
        self._check(staged)
        db = self._db
        for order in staged.orders.values():
            db.orders[order.id] = copy.deepcopy(order)
        for order_id, (owner, expires_at) in staged.lease_renewals.items():
            current = db.orders.get(order_id)
            if (
                current is not None
                and current.status is OrderStatus.FULFILLING
                and current.lease_owner == owner
            ):
                current.lease_expires_at = expires_at
        db.products.update(staged.products)
        apply_kinguin(db, staged.kinguin)
        db.stock.update(staged.stock)
        db.keys.update(staged.keys)
        db.keys.update({k: v for k, v in staged.key_updates.items() if k in db.keys})
        db.payments.update(staged.payments)
        db.reveals.extend(staged.reveals)
        db.requests.update({k: replace(v) for k, v in staged.requests.items()})
        db.webhooks.update(staged.webhooks)
        apply_emails(db, staged.emails)
        db.fingerprints.update(staged.fingerprints)
        db.operator_actions.extend(staged.operator_actions)
        apply_product_updates(db, staged.product_updates)
        apply_operators(db.operators, staged.operators)
        db.key_reports.update(staged.key_reports)
        db.key_replacements.update(staged.key_replacements)
        self.committed += 1

    async def rollback(self) -> None:
        self.staged = Staged()

    def _check(self, staged: Staged) -> None:
        db = self._db
        for order_id, read_version in staged.order_versions.items():
            current = db.orders.get(order_id)
            if (current.version if current else None) != read_version:
                raise ConcurrencyConflict
        # Like the SQL tables: a product id and a SKU are each taken once, also within one unit.
        if any(product_id in db.products for product_id in staged.products):
            raise ConcurrencyConflict
        skus = [p.sku for p in [*db.products.values(), *staged.products.values()]]
        if len(set(skus)) != len(skus):
            raise ConcurrencyConflict
        if any(key in db.payments for key in staged.payments):
            raise ConcurrencyConflict
        check_kinguin(db, staged.kinguin)
        if any(delivery_id in db.webhooks for delivery_id in staged.webhooks):
            raise ConcurrencyConflict
        check_email_claims(db, staged.email_claims)
        check_fingerprints(db, staged.fingerprints)
        check_operators(db.operators, staged.operators)
        delivered = {(k.item_id, k.source_key_id) for k in db.keys.values()}
        if any(k.id in db.keys or (k.item_id, k.source_key_id) in delivered for k in staged.keys.values()):
            raise ConcurrencyConflict
        for item_id, expected in staged.item_units.items():
            if {unit.id for unit in db.stock.values() if unit.item_id == item_id} != expected:
                raise ConcurrencyConflict
        for unit in staged.stock.values():
            current_unit = db.stock.get(unit.id)
            moved_from = staged.stock_moves.get(unit.id)
            if current_unit is not None and current_unit.item_id not in (None, unit.item_id, moved_from):
                raise ConcurrencyConflict
        check_withdrawals(db, staged)
        check_key_reports(db, staged.key_reports, staged.key_replacements)


class InMemoryUnitOfWorkFactory:
    """Each call opens a fresh unit over the same database."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork]:
        yield InMemoryUnitOfWork(self._db)
