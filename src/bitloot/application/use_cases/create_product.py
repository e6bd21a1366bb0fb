"""The operator adds a product to the catalog; audited (docs/console.md)."""

from dataclasses import dataclass
from decimal import Decimal

from bitloot.application.errors import Conflict
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.ids import new_id
from bitloot.domain.money import Money
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.product import DEFAULT_LOW_STOCK_THRESHOLD, Product, SupplierKind
from bitloot.domain.redemption import Redemption


@dataclass(frozen=True, slots=True)
class CreateProductRequest:
    sku: str
    name: str
    price: Decimal
    currency: str
    supplier: SupplierKind
    supplier_product_id: str | None = None
    listed: bool = True
    low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD
    redemption: Redemption | None = None


class CreateProduct:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, request: CreateProductRequest, actor: Actor) -> Product:
        """A SKU names one product; a second product with the same SKU is a `Conflict`. The product and
        its audit record (`product_created`) commit together."""
        product = Product(
            id=new_id(),
            sku=request.sku.strip(),
            name=request.name.strip(),
            price=Money(request.price, request.currency),
            supplier=request.supplier,
            supplier_product_id=request.supplier_product_id,
            listed=request.listed,
            low_stock_threshold=request.low_stock_threshold,
            redemption=request.redemption,
        )
        if await self._uow.products.get_by_sku(product.sku) is not None:
            raise Conflict("A product with this SKU exists.")
        await self._uow.products.add(product)
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.PRODUCT_CREATED,
                TargetKind.PRODUCT,
                product.id,
                self._clock.now(),
                f"{product.supplier.value} product, {'listed' if product.listed else 'not listed'}",
            )
        )
        await self._uow.commit()
        return product
