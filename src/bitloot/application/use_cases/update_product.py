"""The operator changes a product: its name, price, whether it is on sale, its low-stock threshold and
its redemption instructions; never its SKU or supplier. Audited (`product_updated`, naming the fields
that changed; docs/console.md)."""

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum
from typing import TypeVar

from bitloot.application.errors import NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.money import Money
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.product import Product
from bitloot.domain.redemption import Redemption


class Keep(Enum):
    """A field the request leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP
T = TypeVar("T")


def _pick(wanted: T | Keep, current: T) -> T:
    return current if isinstance(wanted, Keep) else wanted


@dataclass(frozen=True, slots=True)
class UpdateProductRequest:
    """What to change; `KEEP` (the default) leaves a field alone. `redemption=None` removes it. A
    price amount or a currency sent alone keeps the other one."""

    product_id: str
    name: str | Keep = KEEP
    price: Decimal | Keep = KEEP
    currency: str | Keep = KEEP
    listed: bool | Keep = KEEP
    low_stock_threshold: int | Keep = KEEP
    redemption: Redemption | Keep | None = KEEP


@dataclass(frozen=True, slots=True)
class ProductUpdated:
    product: Product
    # The fields that changed, by their API names ("price", "listed", ...); empty when none did.
    changed: tuple[str, ...]


class UpdateProduct:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, request: UpdateProductRequest, actor: Actor) -> ProductUpdated:
        """Apply the changes the domain accepts (`InvalidValue` otherwise, nothing changed); `NotFound`
        for an unknown product. A request that changes nothing writes nothing and is not audited."""
        return await in_transaction(self._uow, lambda: self._update(request, actor))

    async def _update(self, request: UpdateProductRequest, actor: Actor) -> ProductUpdated:
        product = await self._uow.products.get(request.product_id)
        if product is None:
            raise NotFound("No such product.")
        name = request.name.strip() if isinstance(request.name, str) else request.name
        # `replace` runs the product's checks: a bad value raises before anything is staged.
        updated = replace(
            product,
            name=_pick(name, product.name),
            price=Money(
                _pick(request.price, product.price.amount), _pick(request.currency, product.price.currency)
            ),
            listed=_pick(request.listed, product.listed),
            low_stock_threshold=_pick(request.low_stock_threshold, product.low_stock_threshold),
            redemption=_pick(request.redemption, product.redemption),
        )
        changed = tuple(
            api for field, api in _API_NAMES.items() if getattr(updated, field) != getattr(product, field)
        )
        if not changed:
            return ProductUpdated(product, ())
        await self._uow.products.save(updated)
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.PRODUCT_UPDATED,
                TargetKind.PRODUCT,
                product.id,
                self._clock.now(),
                "changed " + ", ".join(changed),
            )
        )
        return ProductUpdated(updated, changed)


_API_NAMES = {
    "name": "name",
    "price": "price",
    "listed": "listed",
    "low_stock_threshold": "lowStockThreshold",
    "redemption": "redemption",
}
