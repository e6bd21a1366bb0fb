"""UpdateProduct and the audit of product care (docs/console.md, docs/stock-integrity.md): the operator
changes name, price, listing, threshold and redemption, never SKU or supplier; every change is
audited with the fields it changed, in its transaction; an unlisted product is off the catalog and
cannot be ordered."""

from decimal import Decimal

import pytest

from bitloot.application.errors import Conflict, NotFound
from bitloot.application.use_cases.list_products import ListProducts
from bitloot.application.use_cases.update_product import UpdateProduct, UpdateProductRequest
from bitloot.domain.errors import InvalidValue
from bitloot.domain.money import Money
from bitloot.domain.operator_audit import ActionKind, TargetKind
from bitloot.domain.redemption import Redemption
from tests.support.actors import ADMIN_TOKEN, CLI
from tests.unit.conftest import World

STEAM = Redemption("Steam", "Open Steam, then Games > Activate a product.", "https://store.steampowered.com/")


def update(world: World) -> UpdateProduct:
    return UpdateProduct(world.uow(), world.clock)


async def test_changes_are_saved_and_audited_with_the_fields_that_changed(world: World) -> None:
    product = await world.product("GAME-1", price="10.00")

    result = await update(world).execute(
        UpdateProductRequest(
            product.id,
            name=" Renamed ",
            price=Decimal("12.50"),
            listed=False,
            low_stock_threshold=2,
            redemption=STEAM,
        ),
        ADMIN_TOKEN,
    )

    stored = world.db.products[product.id]
    assert (stored.sku, stored.supplier) == (product.sku, product.supplier)
    assert (stored.name, stored.price, stored.listed, stored.low_stock_threshold) == (
        "Renamed",
        Money.of("12.50", "EUR"),
        False,
        2,
    )
    assert stored.redemption == STEAM
    assert result.changed == ("name", "price", "listed", "lowStockThreshold", "redemption")
    record = world.db.operator_actions[-1]
    assert (record.kind, record.target_kind, record.target_id, record.actor) == (
        ActionKind.PRODUCT_UPDATED,
        TargetKind.PRODUCT,
        product.id,
        ADMIN_TOKEN,
    )
    assert record.detail == "changed name, price, listed, lowStockThreshold, redemption"
    assert record.at == world.clock.now()


async def test_a_request_that_changes_nothing_writes_nothing(world: World) -> None:
    product = await world.product("GAME-1", price="10.00")
    audited = len(world.db.operator_actions)

    result = await update(world).execute(
        UpdateProductRequest(product.id, name=product.name, price=Decimal("10"), currency="eur", listed=True),
        CLI,
    )

    assert result.changed == ()
    assert len(world.db.operator_actions) == audited


async def test_redemption_can_be_removed(world: World) -> None:
    product = await world.product()
    await update(world).execute(UpdateProductRequest(product.id, redemption=STEAM), CLI)

    result = await update(world).execute(UpdateProductRequest(product.id, redemption=None), CLI)

    assert result.changed == ("redemption",)
    assert world.db.products[product.id].redemption is None


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"low_stock_threshold": -1}, "A low-stock threshold is 0 to 100000."),
        ({"name": "   "}, "A product name is 1 to 200 characters."),
    ],
)
async def test_a_bad_value_changes_nothing(
    world: World, request_fields: dict[str, object], message: str
) -> None:
    product = await world.product()
    audited = len(world.db.operator_actions)

    with pytest.raises(InvalidValue, match=message):
        await update(world).execute(UpdateProductRequest(product.id, **request_fields), CLI)  # type: ignore[arg-type]

    assert world.db.products[product.id] == product
    assert len(world.db.operator_actions) == audited


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"platform": "", "steps": "x"}, "A redemption platform is 1 to 40 characters."),
        ({"platform": "P" * 41, "steps": "x"}, "A redemption platform is 1 to 40 characters."),
        ({"platform": "Steam", "steps": " "}, "Redemption steps are 1 to 2000 characters."),
        ({"platform": "Steam", "steps": "s" * 2001}, "Redemption steps are 1 to 2000 characters."),
        ({"platform": "Steam", "steps": "x", "activation_url": "http://steam.example/"}, "https://"),
        ({"platform": "Steam", "steps": "x", "activation_url": "javascript:alert(1)"}, "https://"),
        ({"platform": "Steam", "steps": "x", "activation_url": "https://"}, "https://"),
        ({"platform": "Steam", "steps": "x", "activation_url": "https://a.example/" + "p" * 500}, "https://"),
    ],
)
def test_redemption_instructions_are_checked(fields: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        Redemption(**fields)


async def test_an_unknown_product_is_not_found(world: World) -> None:
    with pytest.raises(NotFound, match="No such product"):
        await update(world).execute(UpdateProductRequest("no-such-product", listed=False), CLI)


async def test_an_unlisted_product_is_off_the_catalog_and_cannot_be_ordered(world: World) -> None:
    on_sale = await world.product("ON-SALE", keys=["K-1"])
    hidden = await world.product("HIDDEN", keys=["K-2"])
    await update(world).execute(UpdateProductRequest(hidden.id, listed=False), CLI)

    catalog = await ListProducts(world.uow()).execute()

    assert [p.sku for p in catalog] == [on_sale.sku]
    with pytest.raises(Conflict, match="HIDDEN is not on sale"):
        await world.order(hidden)
    assert world.db.orders == {}


async def test_creating_and_importing_are_audited_with_the_counts(world: World) -> None:
    product = await world.product("GAME-1")
    result = await world.import_stock().execute(product.id, ["A", "B", "A", ""], ADMIN_TOKEN)

    created, imported = world.db.operator_actions
    assert (created.kind, created.target_id, created.actor) == (ActionKind.PRODUCT_CREATED, product.id, CLI)
    assert created.detail == "stock product, listed"
    assert (imported.kind, imported.target_id, imported.actor) == (
        ActionKind.STOCK_IMPORTED,
        product.id,
        ADMIN_TOKEN,
    )
    assert result.imported == 2
    assert imported.detail == "imported 2, refused 2"
    assert "A" not in imported.detail.replace("imported", "")


async def test_price_changes_keep_the_decimal_exact(world: World) -> None:
    product = await world.product(price="10.00")

    await update(world).execute(
        UpdateProductRequest(product.id, price=Decimal("0.00000001"), currency="btc"), CLI
    )

    assert world.db.products[product.id].price == Money(Decimal("0.00000001"), "BTC")
