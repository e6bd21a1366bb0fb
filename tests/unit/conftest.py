"""Use cases on in-memory adapters: a small world whose parts really behave."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import ClassVar

import pytest

from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.hmac_fingerprints import HmacKeyFingerprints
from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.adapters.email.address_rules import EmailValidatorAddresses
from bitloot.adapters.links.hmac_links import HmacDeliveryLinks, HmacOrderPageLinks
from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook
from bitloot.adapters.payments.simulator import SimulatorPaymentGateway
from bitloot.adapters.ratelimit.memory import MemoryRateLimiter
from bitloot.adapters.ratelimit.order_limits import CountedOrderLimits
from bitloot.adapters.suppliers.kinguin.orders import KinguinClient
from bitloot.adapters.suppliers.kinguin.supplier import KinguinSupplier
from bitloot.adapters.suppliers.own_stock import OwnStockSupplier
from bitloot.application.lease_heartbeat import LeaseHeartbeat
from bitloot.application.ports.rate_limit import OrderAction
from bitloot.application.ports.suppliers import KeySupplier
from bitloot.application.use_cases.apply_payment_notification import (
    ApplyPaymentNotification,
    NotificationResult,
)
from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.fulfill_batch import FulfillBatch
from bitloot.application.use_cases.fulfill_order import FulfillmentSettings, FulfillOrder, FulfillOutcome
from bitloot.application.use_cases.get_fulfillment_status import GetFulfillmentStatus
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.application.use_cases.issue_delivery_link import IssueDeliveryLink
from bitloot.application.use_cases.place_order import OrderLine, PlacedOrder, PlaceOrder, PlaceOrderRequest
from bitloot.application.use_cases.receive_payment_webhook import ReceivePaymentWebhook
from bitloot.application.use_cases.retry_fulfillment import RetryFulfillment
from bitloot.application.use_cases.reveal_keys import RevealKeys
from bitloot.application.use_cases.send_delivery_emails import DeliveryEmailSettings, SendDeliveryEmails
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentStatus
from bitloot.domain.product import Product, SupplierKind
from bitloot.domain.shop import ShopIdentity
from tests.factories.emails import RENDERER
from tests.fakes.blob_store import InMemoryBlobStore
from tests.fakes.clock import FrozenClock
from tests.fakes.email_sender import RecordingEmailSender
from tests.fakes.metrics import RecordingMetrics
from tests.fakes.queue import RecordingQueue
from tests.fakes.read_models import MemoryOrderProgressReader
from tests.fakes.state import MemoryDatabase
from tests.fakes.unit_of_work import InMemoryUnitOfWork, InMemoryUnitOfWorkFactory
from tests.support.actors import CLI
from tests.support.ipn import ipn_for

IPN_SECRET = b"test-ipn-secret"
LINK_SECRET = b"l" * 32
FINGERPRINT_SECRET = b"f" * 32
BASE_URL = "https://shop.example"


@dataclass
class World:
    """Everything a use case needs, in memory; each `uow()` is a fresh unit over the same data."""

    db: MemoryDatabase = field(default_factory=MemoryDatabase)
    clock: FrozenClock = field(default_factory=FrozenClock)
    vault: AesGcmKeyVault = field(default_factory=lambda: AesGcmKeyVault(MasterKeyring.generate()))
    store: InMemoryBlobStore = field(default_factory=InMemoryBlobStore)
    queue: RecordingQueue = field(default_factory=RecordingQueue)
    email_sender: RecordingEmailSender = field(default_factory=RecordingEmailSender)
    links: HmacDeliveryLinks = field(default_factory=lambda: HmacDeliveryLinks(LINK_SECRET, BASE_URL))
    order_pages: HmacOrderPageLinks = field(default_factory=lambda: HmacOrderPageLinks(LINK_SECRET, BASE_URL))
    webhook: NowPaymentsWebhook = field(default_factory=lambda: NowPaymentsWebhook(IPN_SECRET))
    fingerprints: HmacKeyFingerprints = field(default_factory=lambda: HmacKeyFingerprints(FINGERPRINT_SECRET))
    # A client of a (fake) Kinguin; None: this world has no Kinguin supplier.
    kinguin: KinguinClient | None = None
    order_limits: CountedOrderLimits = field(
        default_factory=lambda: CountedOrderLimits(
            MemoryRateLimiter(),
            {OrderAction.REVEAL: 10, OrderAction.LINK: 20, OrderAction.EMAIL: 3},
            window_seconds=60,
        )
    )
    # Who the emails are from.
    shop: ShopIdentity = field(default_factory=ShopIdentity)
    # What the use cases counted.
    metrics: RecordingMetrics = field(default_factory=RecordingMetrics)
    # Whether `fulfill_use_case` is the worker's batch (`FulfillBatch`) rather than `FulfillOrder`
    # alone: the fulfilment tests run both ways (tests/unit/use_cases/test_fulfill_order.py).
    batched: ClassVar[bool] = False

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.db)

    def place_order_use_case(self) -> PlaceOrder:
        return PlaceOrder(
            self.uow(),
            SimulatorPaymentGateway(BASE_URL),
            self.clock,
            EmailValidatorAddresses(),
            self.order_pages,
        )

    def apply_payment_use_case(self) -> ApplyPaymentNotification:
        return ApplyPaymentNotification(self.uow(), self.queue, self.clock)

    def payment_use_case(self) -> ReceivePaymentWebhook:
        return ReceivePaymentWebhook(self.webhook, self.apply_payment_use_case(), self.metrics)

    def fulfill_use_case(
        self, worker: str = "worker-1", lease: timedelta = timedelta(minutes=2)
    ) -> FulfillOrder | FulfillBatch:
        return (
            self.fulfill_batch_use_case(worker, lease)
            if self.batched
            else self.fulfill_one_use_case(worker, lease)
        )

    def fulfill_batch_use_case(
        self, worker: str = "worker-1", lease: timedelta = timedelta(minutes=2)
    ) -> FulfillBatch:
        """What the worker runs: orders fulfilled together, the unusual ones by `FulfillOrder`."""
        uow = self.uow()
        one_by_one = self.fulfill_one_use_case(worker, lease, uow)
        return FulfillBatch(
            uow,
            one_by_one,
            OwnStockSupplier(uow, self.vault, self.store),
            self.vault,
            self.store,
            self.clock,
            self.heartbeat(),
            FulfillmentSettings(worker_id=worker, lease=lease),
            self.metrics,
        )

    def fulfill_one_use_case(
        self,
        worker: str = "worker-1",
        lease: timedelta = timedelta(minutes=2),
        uow: InMemoryUnitOfWork | None = None,
    ) -> FulfillOrder:
        uow = self.uow() if uow is None else uow
        suppliers: dict[SupplierKind, KeySupplier] = {
            SupplierKind.STOCK: OwnStockSupplier(uow, self.vault, self.store)
        }
        if self.kinguin is not None:
            suppliers[SupplierKind.KINGUIN] = KinguinSupplier(uow, self.kinguin)
        return FulfillOrder(
            uow,
            suppliers,
            self.vault,
            self.store,
            self.clock,
            self.heartbeat(),
            FulfillmentSettings(worker_id=worker, lease=lease),
            self.fingerprints,
            self.metrics,
        )

    def retry_use_case(self) -> RetryFulfillment:
        """The operator's retry, knowing the suppliers `fulfill_use_case` runs."""
        uow = self.uow()
        suppliers: dict[SupplierKind, KeySupplier] = {
            SupplierKind.STOCK: OwnStockSupplier(uow, self.vault, self.store)
        }
        if self.kinguin is not None:
            suppliers[SupplierKind.KINGUIN] = KinguinSupplier(uow, self.kinguin)
        return RetryFulfillment(uow, self.queue, self.clock, suppliers)

    def heartbeat(self) -> LeaseHeartbeat:
        return LeaseHeartbeat(InMemoryUnitOfWorkFactory(self.db), self.clock)

    def status_use_case(self) -> GetFulfillmentStatus:
        return GetFulfillmentStatus(MemoryOrderProgressReader(self.db))

    def link_use_case(self) -> IssueDeliveryLink:
        return IssueDeliveryLink(self.uow(), self.links, self.clock, self.order_limits)

    def reveal_use_case(self) -> RevealKeys:
        return RevealKeys(
            self.uow(), self.vault, self.store, self.links, self.clock, self.order_limits, self.metrics
        )

    def send_delivery_emails_use_case(self, lease: timedelta = timedelta(minutes=2)) -> SendDeliveryEmails:
        return SendDeliveryEmails(
            self.uow(),
            self.links,
            self.order_pages,
            self.shop,
            RENDERER,
            self.email_sender,
            self.clock,
            DeliveryEmailSettings(lease=lease),
        )

    async def product(self, sku: str = "GAME-1", price: str = "19.99", keys: Sequence[str] = ()) -> Product:
        product = await CreateProduct(self.uow(), self.clock).execute(
            CreateProductRequest(sku, f"Game {sku}", Decimal(price), "EUR", SupplierKind.STOCK), CLI
        )
        if keys:
            await self.import_stock().execute(product.id, list(keys), CLI)
        return product

    def import_stock(self) -> ImportStock:
        return ImportStock(self.uow(), self.vault, self.store, self.clock, self.fingerprints)

    async def order(self, product: Product, quantity: int = 1) -> PlacedOrder:
        return await self.place_order_use_case().execute(
            PlaceOrderRequest("player@example.com", [OrderLine(product.id, quantity)])
        )

    def ipn(
        self, order: Order, status: PaymentStatus = PaymentStatus.FINISHED, **changes: object
    ) -> tuple[bytes, str]:
        """A correctly signed IPN for `order` (a fresh payment id each time), changed before signing."""
        return ipn_for(order, IPN_SECRET, status, **changes)

    async def pay(
        self, placed: PlacedOrder, status: PaymentStatus = PaymentStatus.FINISHED
    ) -> NotificationResult:
        return await self.payment_use_case().execute(*self.ipn(placed.order, status))

    async def fulfilled_order(self, keys: Sequence[str] = ("KEY-1",), quantity: int = 1) -> PlacedOrder:
        product = await self.product(keys=keys)
        placed = await self.order(product, quantity)
        await self.pay(placed)
        assert await self.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
        return placed


@pytest.fixture
def world() -> World:
    return World()


# --- racing: use cases that really interleave ---------------------------------------------------------


class YieldingUnitOfWork(InMemoryUnitOfWork):
    """Gives other tasks a turn right before each commit, so concurrent use cases really interleave:
    every one of them reads and decides before any of them commits (as separate transactions would)."""

    async def commit(self) -> None:
        await asyncio.sleep(0)
        await super().commit()


class YieldingBlobStore(InMemoryBlobStore):
    """A store with network-like pauses: every call lets other tasks run."""

    async def put(self, path: str, blob: bytes) -> None:
        await asyncio.sleep(0)
        await super().put(path, blob)

    async def get(self, path: str) -> bytes | None:
        await asyncio.sleep(0)
        return await super().get(path)


@dataclass
class RacyWorld(World):
    """A world whose units and blob store yield, so `asyncio.gather` over its use cases is a race."""

    store: InMemoryBlobStore = field(default_factory=YieldingBlobStore)

    def uow(self) -> InMemoryUnitOfWork:
        return YieldingUnitOfWork(self.db)


@pytest.fixture(params=["sequential", "interleaved"])
def any_world(request: pytest.FixtureRequest) -> World:
    """Each racing test twice: on a world whose use cases run one step each, and on a racy one."""
    return World() if request.param == "sequential" else RacyWorld()
