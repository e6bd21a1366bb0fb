"""A small demo catalog with stock, so an embedded shop has something to sell on first start."""

import logging
import secrets
from decimal import Decimal

from dishka import AsyncContainer

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.domain.operator_audit import Actor
from bitloot.domain.product import SupplierKind

log = logging.getLogger(__name__)

DEMO_PRODUCTS = (
    ("DEMO-STARFALL", "Starfall Odyssey (Steam key)", Decimal("19.99")),
    ("DEMO-IRONVALE", "Ironvale Tactics (Steam key)", Decimal("9.50")),
    ("DEMO-NEONDRIFT", "Neon Drift Deluxe (GOG key)", Decimal("4.99")),
)
KEYS_PER_PRODUCT = 25


def demo_key() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(3))


async def seed_demo_catalog(container: AsyncContainer) -> bool:
    """Create the demo products with stock, once: a catalog that has any product is left alone."""
    async with container() as request:
        uow = await request.get(UnitOfWork)
        if await uow.products.list():
            await uow.rollback()
            return False
        await uow.rollback()
    for sku, name, price in DEMO_PRODUCTS:
        async with container() as request:
            product = await (await request.get(CreateProduct)).execute(
                CreateProductRequest(
                    sku=sku, name=name, price=price, currency="EUR", supplier=SupplierKind.STOCK
                ),
                Actor.command_line(),
            )
        async with container() as request:
            keys = [demo_key() for _ in range(KEYS_PER_PRODUCT)]
            await (await request.get(ImportStock)).execute(product.id, keys, Actor.command_line())
    log.info("seeded a demo catalog of %d products with %d keys each", len(DEMO_PRODUCTS), KEYS_PER_PRODUCT)
    return True
