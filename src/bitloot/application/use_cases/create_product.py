"""The operator adds a product to the catalog."""

from dataclasses import dataclass
from decimal import Decimal

from bitloot.application.errors import Conflict
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.ids import new_id
from bitloot.domain.money import Money
from bitloot.domain.product import Product, SupplierKind


@dataclass(frozen=True, slots=True)
class CreateProductRequest:
    sku: str
    name: str
    price: Decimal
    currency: str
    supplier: SupplierKind
    supplier_product_id: str | None = None


class CreateProduct:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, request: CreateProductRequest) -> Product:
        """A SKU names one product; a second product with the same SKU is a `Conflict`."""
        product = Product(
            id=new_id(),
            sku=request.sku.strip(),
            name=request.name.strip(),
            price=Money(request.price, request.currency),
            supplier=request.supplier,
            supplier_product_id=request.supplier_product_id,
        )
        if await self._uow.products.get_by_sku(product.sku) is not None:
            raise Conflict("A product with this SKU exists.")
        await self._uow.products.add(product)
        await self._uow.commit()
        return product
