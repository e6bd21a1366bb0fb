"""`container_for`: the application's container, one provider per concern; and `warm_up`."""

from typing import Any

from dishka import AsyncContainer, Provider, make_async_container
from taskiq import AsyncBroker

from bitloot.application.ports.payments import PaymentGateway
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.ioc.core import CoreProvider
from bitloot.entrypoints.ioc.emails import EmailProvider
from bitloot.entrypoints.ioc.jobs import JobsProvider
from bitloot.entrypoints.ioc.metrics import metrics_provider
from bitloot.entrypoints.ioc.operators import OperatorsProvider
from bitloot.entrypoints.ioc.payments import PaymentsProvider
from bitloot.entrypoints.ioc.persistence import BlobStoreProvider, SqlPersistenceProvider
from bitloot.entrypoints.ioc.security import SecurityProvider
from bitloot.entrypoints.ioc.suppliers import SuppliersProvider
from bitloot.entrypoints.ioc.use_cases import UseCasesProvider


def container_for(settings: Settings, broker: AsyncBroker, *overrides: Provider) -> AsyncContainer:
    """The application's container; each provider in `overrides` replaces what it provides."""
    context: dict[Any, Any] = {Settings: settings, AsyncBroker: broker}
    return make_async_container(
        CoreProvider(),
        SqlPersistenceProvider(),
        BlobStoreProvider(),
        SecurityProvider(),
        PaymentsProvider(),
        SuppliersProvider(),
        EmailProvider(),
        JobsProvider(),
        UseCasesProvider(),
        OperatorsProvider(),
        metrics_provider(settings),
        *overrides,
        context=context,
    )


async def warm_up(container: AsyncContainer) -> None:
    """Build at start what each process builds once, so the first request or job does not wait for
    it: the blob store's S3 session (importing aiohttp and botocore's signer, half a second) and the
    payment gateway's HTTP client (its TLS context, tens of milliseconds)."""
    await container.get(SealedBlobStore)
    await container.get(PaymentGateway)
