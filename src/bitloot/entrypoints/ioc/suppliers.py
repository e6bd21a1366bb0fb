"""Who supplies the keys of each product kind: the shop's own stock always, Kinguin when
`BITLOOT_KINGUIN_API_KEY` is set; and the check of Kinguin's webhook deliveries."""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from dishka import Provider, Scope, provide

from bitloot.adapters.metrics.counted_suppliers import CountedBatchSupplier
from bitloot.adapters.suppliers.kinguin.orders import KinguinClient
from bitloot.adapters.suppliers.kinguin.supplier import KinguinSupplier
from bitloot.adapters.suppliers.kinguin.webhook import KinguinWebhook
from bitloot.adapters.suppliers.own_stock import OwnStockSupplier
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.kinguin import KinguinEvents
from bitloot.application.ports.metrics import ShopMetrics
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.suppliers import BatchKeySupplier, KeySupplier
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.product import SupplierKind
from bitloot.entrypoints.config import Settings

Suppliers = Mapping[SupplierKind, KeySupplier]


@dataclass(frozen=True, slots=True)
class KinguinConnection:
    """The Kinguin API client of this process; None when `BITLOOT_KINGUIN_API_KEY` is not set."""

    client: KinguinClient | None


class SuppliersProvider(Provider):
    scope = Scope.APP

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

    @provide(scope=Scope.REQUEST)
    def suppliers(
        self, uow: UnitOfWork, vault: KeyVault, store: SealedBlobStore, kinguin: KinguinConnection
    ) -> Suppliers:
        """Per request: each supplier works in the request's unit of work."""
        chosen: dict[SupplierKind, KeySupplier] = {SupplierKind.STOCK: OwnStockSupplier(uow, vault, store)}
        if kinguin.client is not None:
            chosen[SupplierKind.KINGUIN] = KinguinSupplier(uow, kinguin.client)
        return chosen

    @provide(scope=Scope.REQUEST)
    def stock_batches(
        self, uow: UnitOfWork, vault: KeyVault, store: SealedBlobStore, metrics: ShopMetrics
    ) -> BatchKeySupplier:
        """Own stock for a batch of orders (`FulfillBatch`), its items counted as `Suppliers`' calls are."""
        return CountedBatchSupplier(OwnStockSupplier(uow, vault, store), metrics)
