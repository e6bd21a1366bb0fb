"""The composition root: dishka providers that decide which adapter serves each port.

`container_for(settings, broker)` builds the production wiring; tests pass override providers (for
example `MemoryPersistenceProvider`) that replace one part in one line.
"""

import os
import secrets
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dishka import AnyOf, AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import AsyncBroker

from bitloot.adapters.clock import SystemClock
from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.hmac_fingerprints import HmacKeyFingerprints
from bitloot.adapters.email.address_rules import EmailValidatorAddresses
from bitloot.adapters.email.log_sender import LogEmailSender
from bitloot.adapters.email.smtp_sender import SmtpEmailSender
from bitloot.adapters.health import CallableProbe, SqlDatabaseProbe
from bitloot.adapters.links.hmac_links import HmacDeliveryLinks
from bitloot.adapters.memory.database import MemoryDatabase
from bitloot.adapters.memory.read_models import MemoryOrderProgressReader
from bitloot.adapters.memory.unit_of_work import InMemoryUnitOfWork, InMemoryUnitOfWorkFactory
from bitloot.adapters.payments.nowpayments.gateway import NowPaymentsGateway
from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook
from bitloot.adapters.payments.simulator import SimulatorPaymentGateway
from bitloot.adapters.persistence.sqla.engine import DatabaseSettings, create_engine, session_factory
from bitloot.adapters.persistence.sqla.read_models import SqlOrderProgressReader
from bitloot.adapters.persistence.sqla.unit_of_work import SqlaUnitOfWork, SqlaUnitOfWorkFactory
from bitloot.adapters.queue.taskiq_queue import TaskiqFulfillmentQueue
from bitloot.adapters.ratelimit.memory import MemoryRateLimiter
from bitloot.adapters.ratelimit.order_limits import CountedOrderLimits
from bitloot.adapters.ratelimit.redis import RedisRateLimiter
from bitloot.adapters.storage.local_directory import LocalDirectoryBlobStore
from bitloot.adapters.storage.s3 import S3BlobStore
from bitloot.adapters.suppliers.kinguin.orders import KinguinClient
from bitloot.adapters.suppliers.kinguin.supplier import KinguinSupplier
from bitloot.adapters.suppliers.kinguin.webhook import KinguinWebhook
from bitloot.adapters.suppliers.own_stock import OwnStockSupplier
from bitloot.application.lease_heartbeat import LeaseHeartbeat
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyFingerprints, KeyVault
from bitloot.application.ports.email_addresses import EmailAddressRules
from bitloot.application.ports.email_sender import EmailSender
from bitloot.application.ports.health import HealthProbe
from bitloot.application.ports.kinguin import KinguinEvents
from bitloot.application.ports.links import DeliveryLinkSigner
from bitloot.application.ports.payments import PaymentGateway, PaymentLookup, PaymentWebhook
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.rate_limit import OrderAction, OrderLimits, RateLimiter
from bitloot.application.ports.read_models import OrderProgressReader
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.suppliers import KeySupplier
from bitloot.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bitloot.application.use_cases.apply_kinguin_event import ApplyKinguinEvent
from bitloot.application.use_cases.apply_payment_notification import ApplyPaymentNotification
from bitloot.application.use_cases.check_health import CheckHealth
from bitloot.application.use_cases.create_product import CreateProduct
from bitloot.application.use_cases.fulfill_order import FulfillmentSettings, FulfillOrder
from bitloot.application.use_cases.get_delivery_summary import GetDeliverySummary
from bitloot.application.use_cases.get_fulfillment_status import GetFulfillmentStatus
from bitloot.application.use_cases.get_order_details import GetOrderDetails
from bitloot.application.use_cases.get_webhook_delivery import GetWebhookDelivery
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.application.use_cases.issue_delivery_link import IssueDeliveryLink
from bitloot.application.use_cases.list_orders import ListOrders
from bitloot.application.use_cases.list_products import ListProducts
from bitloot.application.use_cases.list_webhook_deliveries import ListWebhookDeliveries
from bitloot.application.use_cases.place_order import PlaceOrder
from bitloot.application.use_cases.receive_kinguin_webhook import ReceiveKinguinWebhook
from bitloot.application.use_cases.receive_payment_webhook import ReceivePaymentWebhook
from bitloot.application.use_cases.reconcile_fulfillments import ReconcileFulfillments, ReconcileSettings
from bitloot.application.use_cases.reconcile_payments import PaymentReconcileSettings, ReconcilePayments
from bitloot.application.use_cases.replay_webhook import (
    KinguinWebhookReplayer,
    PaymentWebhookReplayer,
    ReplayWebhook,
    WebhookReplayers,
)
from bitloot.application.use_cases.retry_fulfillment import RetryFulfillment
from bitloot.application.use_cases.reveal_keys import RevealKeys
from bitloot.application.use_cases.send_delivery_emails import DeliveryEmailSettings, SendDeliveryEmails
from bitloot.application.use_cases.sweep_orphan_blobs import SweepOrphanBlobs, SweepSettings
from bitloot.domain.product import SupplierKind
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.limits import RateGuard
from bitloot.entrypoints.settings import Settings

Suppliers = Mapping[SupplierKind, KeySupplier]


@dataclass(frozen=True, slots=True)
class DatabaseHealth:
    probe: HealthProbe


@dataclass(frozen=True, slots=True)
class KinguinConnection:
    """The Kinguin API client of this process; None when `BITLOOT_KINGUIN_API_KEY` is not set."""

    client: KinguinClient | None


class ContextProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    broker = from_context(provides=AsyncBroker, scope=Scope.APP)


class SqlPersistenceProvider(Provider):
    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(
            DatabaseSettings(url=settings.database_url, pool_size=settings.tuning.database_pool_size)
        )
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    def sessions(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return session_factory(engine)

    @provide(scope=Scope.APP)
    def database_health(self, engine: AsyncEngine) -> DatabaseHealth:
        return DatabaseHealth(SqlDatabaseProbe(engine))

    @provide(scope=Scope.REQUEST)
    async def unit_of_work(self, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[UnitOfWork]:
        async with sessions() as session:
            yield SqlaUnitOfWork(session)

    @provide(scope=Scope.APP)
    async def lease_units(self, settings: Settings) -> AsyncIterator[UnitOfWorkFactory]:
        """Lease renewals (the fulfilment heartbeat) on a small pool of their own: a beat never waits
        for a connection behind the jobs it keeps alive. Connects only once a job runs."""
        engine = create_engine(DatabaseSettings(url=settings.database_url, pool_size=2, max_overflow=2))
        yield SqlaUnitOfWorkFactory(session_factory(engine))
        await engine.dispose()

    @provide(scope=Scope.APP)
    def progress_reader(self, engine: AsyncEngine) -> OrderProgressReader:
        return SqlOrderProgressReader(engine)


class MemoryPersistenceProvider(Provider):
    """Everything in one `MemoryDatabase`, for unit tests of the HTTP app and worker."""

    def __init__(self, database: MemoryDatabase | None = None) -> None:
        super().__init__()
        self.database = database or MemoryDatabase()

    @provide(scope=Scope.APP)
    def database_health(self) -> DatabaseHealth:
        async def always() -> None:
            return None

        return DatabaseHealth(CallableProbe("database", always))

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self.database)

    @provide(scope=Scope.APP)
    def lease_units(self) -> UnitOfWorkFactory:
        return InMemoryUnitOfWorkFactory(self.database)

    @provide(scope=Scope.APP)
    def progress_reader(self) -> OrderProgressReader:
        return MemoryOrderProgressReader(self.database)


class AdaptersProvider(Provider):
    scope = Scope.APP

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def email_addresses(self) -> EmailAddressRules:
        return EmailValidatorAddresses()

    @provide
    def vault(self, settings: Settings) -> KeyVault:
        return AesGcmKeyVault(settings.secrets.keyring)

    @provide
    def fingerprints(self, settings: Settings) -> KeyFingerprints:
        return HmacKeyFingerprints(settings.secrets.fingerprint_secret)

    @provide
    async def blob_store(self, settings: Settings) -> AsyncIterator[SealedBlobStore]:
        if settings.s3 is None:
            yield LocalDirectoryBlobStore(settings.storage_dir)
            return
        store = S3BlobStore(settings.s3)
        await store.open()
        yield store
        await store.close()

    @provide
    def links(self, settings: Settings) -> DeliveryLinkSigner:
        return HmacDeliveryLinks(settings.secrets.link_secret, settings.public_base_url)

    @provide
    def payment_webhook(self, settings: Settings) -> PaymentWebhook:
        return NowPaymentsWebhook(settings.secrets.ipn_secret)

    @provide(provides=AnyOf[PaymentGateway, PaymentLookup])
    async def payment_gateway(
        self, settings: Settings
    ) -> AsyncIterator[NowPaymentsGateway | SimulatorPaymentGateway]:
        """NOWPayments when its API key is set (always in production), else the local simulator.
        One HTTP client per process, closed with the container."""
        if settings.nowpayments is None:
            yield SimulatorPaymentGateway(settings.public_base_url)
            return
        gateway = NowPaymentsGateway(settings.nowpayments, settings.public_base_url)
        try:
            yield gateway
        finally:
            await gateway.aclose()

    @provide
    def payment_reconcile_settings(self) -> PaymentReconcileSettings:
        return PaymentReconcileSettings()

    @provide
    def email_sender(self, settings: Settings) -> EmailSender:
        # The embedded default writes the email to the log; BITLOOT_SMTP_URL sends it.
        if settings.smtp is None:
            return LogEmailSender(show_links=not settings.production)
        return SmtpEmailSender(settings.smtp)

    @provide
    def delivery_email_settings(self, settings: Settings) -> DeliveryEmailSettings:
        return DeliveryEmailSettings(lease=timedelta(seconds=settings.tuning.email_lease_seconds))

    @provide
    def queue(self, broker: AsyncBroker) -> FulfillmentQueue:
        return TaskiqFulfillmentQueue(broker)

    @provide
    def fulfillment_settings(self, settings: Settings) -> FulfillmentSettings:
        return FulfillmentSettings(
            worker_id=f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}",
            lease=timedelta(seconds=settings.tuning.lease_seconds),
        )

    @provide
    def sweep_settings(self) -> SweepSettings:
        return SweepSettings()

    @provide
    def reconcile_settings(self, settings: Settings) -> ReconcileSettings:
        return ReconcileSettings(grace=timedelta(seconds=settings.tuning.reconcile_grace_seconds))

    @provide
    async def kinguin(self, settings: Settings) -> AsyncIterator[KinguinConnection]:
        """One HTTP client per process, closed with the container."""
        if settings.kinguin is None:
            yield KinguinConnection(None)
            return
        client = KinguinClient(settings.kinguin)
        try:
            yield KinguinConnection(client)
        finally:
            await client.aclose()

    @provide
    def kinguin_events(self, settings: Settings) -> KinguinEvents:
        return KinguinWebhook(settings.kinguin_webhook_secret)

    @provide
    async def rate_limiter(self, settings: Settings) -> AsyncIterator[RateLimiter]:
        """Redis (`BITLOOT_RATE_LIMIT_URL`, else the broker's) shared by every API process; in-process
        counters in the embedded mode."""
        url = settings.rate_limit_url or settings.broker_url
        if url is None:
            yield MemoryRateLimiter()
            return
        limiter = RedisRateLimiter(url, prefix=f"{settings.queue_name}:ratelimit")
        try:
            yield limiter
        finally:
            await limiter.aclose()

    @provide
    def client_addresses(self, settings: Settings) -> ClientAddresses:
        return ClientAddresses(settings.trusted_proxies)

    @provide
    def rate_guard(self, settings: Settings, limiter: RateLimiter, addresses: ClientAddresses) -> RateGuard:
        return RateGuard(limiter, settings.tuning, addresses)

    @provide
    def order_limits(self, settings: Settings, limiter: RateLimiter) -> OrderLimits:
        tuning = settings.tuning
        return CountedOrderLimits(
            limiter,
            {
                OrderAction.REVEAL: tuning.reveal_limit_per_order,
                OrderAction.LINK: tuning.link_limit_per_order,
            },
            tuning.rate_limit_window_seconds,
        )


def _use_cases_provider() -> Provider:
    provider = Provider(scope=Scope.REQUEST)
    for use_case in (
        PlaceOrder,
        ApplyPaymentNotification,
        ReceivePaymentWebhook,
        ApplyKinguinEvent,
        ReceiveKinguinWebhook,
        FulfillOrder,
        IssueDeliveryLink,
        RevealKeys,
        CreateProduct,
        ImportStock,
        ListOrders,
        GetOrderDetails,
        RetryFulfillment,
        ListWebhookDeliveries,
        GetWebhookDelivery,
        ReplayWebhook,
        ListProducts,
        GetDeliverySummary,
        ReconcileFulfillments,
        ReconcilePayments,
        SendDeliveryEmails,
        SweepOrphanBlobs,
    ):
        provider.provide(use_case)

    def suppliers(
        uow: UnitOfWork, vault: KeyVault, store: SealedBlobStore, kinguin: KinguinConnection
    ) -> Suppliers:
        chosen: dict[SupplierKind, KeySupplier] = {SupplierKind.STOCK: OwnStockSupplier(uow, vault, store)}
        if kinguin.client is not None:
            chosen[SupplierKind.KINGUIN] = KinguinSupplier(uow, kinguin.client)
        return chosen

    def check_health(
        database: DatabaseHealth, store: SealedBlobStore, queue: FulfillmentQueue, clock: Clock
    ) -> CheckHealth:
        probes = [database.probe, CallableProbe("storage", store.check), CallableProbe("queue", queue.check)]
        return CheckHealth(probes, clock)

    def webhook_replayers(
        payment_webhook: PaymentWebhook,
        notifications: ApplyPaymentNotification,
        kinguin_events: KinguinEvents,
        kinguin: ApplyKinguinEvent,
    ) -> WebhookReplayers:
        # One replayer per provider whose deliveries the inbox keeps.
        return {
            "nowpayments": PaymentWebhookReplayer(payment_webhook, notifications),
            "kinguin": KinguinWebhookReplayer(kinguin_events, kinguin),
        }

    provider.provide(suppliers)
    provider.provide(webhook_replayers)
    provider.provide(check_health, scope=Scope.APP)
    # Read models need no unit of work: built once, not per request.
    provider.provide(GetFulfillmentStatus, scope=Scope.APP)
    provider.provide(LeaseHeartbeat, scope=Scope.APP)
    return provider


async def warm_up(container: AsyncContainer) -> None:
    """Build at start what each process builds once, so the first request or job does not wait for
    it: the blob store's S3 client (botocore loads its service model, about a second of CPU)."""
    await container.get(SealedBlobStore)


def container_for(settings: Settings, broker: AsyncBroker, *overrides: Provider) -> AsyncContainer:
    """The application's container; each provider in `overrides` replaces what it provides."""
    context: dict[Any, Any] = {Settings: settings, AsyncBroker: broker}
    return make_async_container(
        ContextProvider(),
        SqlPersistenceProvider(),
        AdaptersProvider(),
        _use_cases_provider(),
        *overrides,
        context=context,
    )
