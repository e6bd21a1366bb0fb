"""The operator's products-and-stock API (docs/http-api.md, docs/stock-integrity.md): products with their
stock per state, changing a product, unlisted products off the catalog and refused on order, pages of
units, withdrawing available units only, low stock, the audit of every change, and no key in any
answer."""

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from bitloot.adapters.persistence.sqla.engine import DatabaseSettings, create_engine, session_factory
from bitloot.adapters.persistence.sqla.unit_of_work import SqlaUnitOfWork
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operator_audit import ActionKind, ActorKind, OperatorAction, TargetKind
from tests.factories.http import keys_body
from tests.http.conftest import Shop, assert_problem

SOME_ID = "0190d8d0-0000-7000-8000-000000000000"
ROUTES = [
    ("GET", "/admin/products"),
    ("GET", f"/admin/products/{SOME_ID}"),
    ("PATCH", f"/admin/products/{SOME_ID}"),
    ("GET", f"/admin/products/{SOME_ID}/stock"),
    ("POST", f"/admin/products/{SOME_ID}/stock/withdraw"),
    ("GET", "/admin/stock/low"),
]
T = TypeVar("T")


async def in_database(shop: Shop, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run `work` on a unit of work of the shop's own database (another process, as it were)."""
    engine = create_engine(DatabaseSettings(shop.settings.database_url))
    try:
        async with session_factory(engine)() as session:
            uow = SqlaUnitOfWork(session)
            result = await work(uow)
            await uow.commit()
            return result
    finally:
        await engine.dispose()


async def audit_of(shop: Shop, product_id: str) -> list[OperatorAction]:
    return await in_database(
        shop, lambda uow: uow.operator_actions.for_target(TargetKind.PRODUCT, product_id)
    )


async def admin_get(shop: Shop, url: str) -> Any:
    answer = await shop.client.get(url, headers=shop.admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def patch(shop: Shop, product_id: str, body: dict[str, Any]) -> Any:
    return await shop.client.patch(f"/admin/products/{product_id}", json=body, headers=shop.admin)


async def withdraw(shop: Shop, product_id: str, unit_ids: list[str], reason: str = "leaked") -> Any:
    return await shop.client.post(
        f"/admin/products/{product_id}/stock/withdraw",
        json={"unitIds": unit_ids, "reason": reason},
        headers=shop.admin,
    )


async def units(shop: Shop, product_id: str, query: str = "") -> list[dict[str, Any]]:
    page = await admin_get(shop, f"/admin/products/{product_id}/stock?limit=200{query}")
    found: list[dict[str, Any]] = page["units"]
    return found


@pytest.mark.parametrize(("method", "url"), ROUTES)
async def test_every_route_wants_the_admin_token(shop: Shop, method: str, url: str) -> None:
    body = {"unitIds": [SOME_ID], "reason": "x"} if method == "POST" else {"listed": False}
    answer = await shop.client.request(method, url, json=body if method != "GET" else None)

    assert_problem(answer, 401)


async def test_products_are_listed_with_their_stock_per_state(shop: Shop) -> None:
    product = await shop.product(["K-1", "K-2", "K-3"], sku="GAME-1")
    order = await shop.order(product["id"])
    await shop.pay(order)
    [sold] = await units(shop, product["id"], "&state=sold")
    await withdraw(shop, product["id"], [(await units(shop, product["id"], "&state=available"))[0]["id"]])

    listed = await admin_get(shop, "/admin/products")
    one = await admin_get(shop, f"/admin/products/{product['id']}")

    assert listed == [one]
    assert one == {
        "id": product["id"],
        "sku": "GAME-1",
        "name": product["name"],
        "price": "19.99",
        "currency": "EUR",
        "supplier": "stock",
        "supplierProductId": None,
        "listed": True,
        "lowStockThreshold": 5,
        "available": 1,
        "stock": {"available": 1, "reserved": 0, "sold": 1, "withdrawn": 1},
        "redemption": None,
    }
    assert sold["orderId"] == order["id"]
    assert_problem(await shop.client.get(f"/admin/products/{SOME_ID}", headers=shop.admin), 404)


async def test_a_patch_changes_only_what_it_sends_and_is_audited(shop: Shop) -> None:
    product = await shop.product([], sku="GAME-1")
    redemption = {
        "platform": "Steam",
        "steps": "Open Steam, then Games > Activate a Product on Steam.",
        "activationUrl": "https://store.steampowered.com/account/registerkey",
    }

    answer = await patch(
        shop, product["id"], {"price": "24.50", "lowStockThreshold": 0, "redemption": redemption}
    )
    renamed = await patch(shop, product["id"], {"name": "Renamed", "redemption": None})
    unchanged = await patch(shop, product["id"], {"name": "Renamed"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["price"], body["currency"], body["lowStockThreshold"], body["redemption"]) == (
        "24.50",
        "EUR",
        0,
        redemption,
    )
    assert (body["sku"], body["name"], body["listed"]) == ("GAME-1", product["name"], True)
    assert renamed.json()["name"] == "Renamed"
    assert renamed.json()["redemption"] is None
    assert unchanged.status_code == 200
    records = await audit_of(shop, product["id"])
    assert [(r.kind, r.detail) for r in records] == [
        (ActionKind.PRODUCT_CREATED, "stock product, listed"),
        (ActionKind.PRODUCT_UPDATED, "changed price, lowStockThreshold, redemption"),
        (ActionKind.PRODUCT_UPDATED, "changed name, redemption"),
    ]
    for record in records:
        assert record.actor.kind is ActorKind.AUTOMATION
        assert record.actor.label == "admin token"
        assert record.actor.client_ip == "testclient"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"lowStockThreshold": -1}, None),
        ({"sku": "OTHER"}, None),
        ({"supplier": "kinguin"}, None),
        ({"price": "-1"}, "An amount cannot be negative."),
        (
            {"redemption": {"platform": "Steam", "steps": "x", "activationUrl": "http://steam.example/"}},
            "An activation URL is an https:// address of at most 500 characters.",
        ),
        ({"name": "   "}, "A product name is 1 to 200 characters."),
    ],
)
async def test_a_bad_patch_is_a_400_and_changes_nothing(
    shop: Shop, body: dict[str, Any], detail: str | None
) -> None:
    product = await shop.product([], sku="GAME-1")
    before = await admin_get(shop, f"/admin/products/{product['id']}")

    problem = assert_problem(await patch(shop, product["id"], body), 400)

    if detail is not None:
        assert problem["detail"] == detail
    assert await admin_get(shop, f"/admin/products/{product['id']}") == before
    assert [r.kind for r in await audit_of(shop, product["id"])] == [ActionKind.PRODUCT_CREATED]


async def test_patching_an_unknown_product_is_a_404(shop: Shop) -> None:
    problem = assert_problem(await patch(shop, SOME_ID, {"listed": False}), 404)
    assert problem["detail"] == "No such product."


async def test_an_unlisted_product_is_off_the_catalog_and_refused_on_order(shop: Shop) -> None:
    product = await shop.product(["K-1"], sku="HIDDEN")
    await shop.product(["K-2"], sku="ON-SALE")

    assert (await patch(shop, product["id"], {"listed": False})).status_code == 200
    catalog = (await shop.client.get("/products")).json()
    placed = await shop.client.post(
        "/orders", json={"email": "player@example.com", "items": [{"productId": product["id"]}]}
    )

    assert [p["sku"] for p in catalog] == ["ON-SALE"]
    assert assert_problem(placed, 409)["detail"] == "HIDDEN is not on sale."
    assert (await shop.client.get("/admin/orders", headers=shop.admin)).json() == []
    # The operator still sees it, and can put it back on sale.
    assert (await admin_get(shop, f"/admin/products/{product['id']}"))["listed"] is False
    await patch(shop, product["id"], {"listed": True})
    await shop.order(product["id"])


async def test_units_page_by_state_with_a_cursor(shop: Shop) -> None:
    product = await shop.product([f"K-{n}" for n in range(5)], sku="GAME-1")
    url = f"/admin/products/{product['id']}/stock"

    first = await admin_get(shop, f"{url}?limit=2")
    second = await admin_get(shop, f"{url}?limit=2&after={first['next']}")
    third = await admin_get(shop, f"{url}?limit=2&after={second['next']}")
    sold = await admin_get(shop, f"{url}?state=sold")

    every = [u["id"] for page in (first, second, third) for u in page["units"]]
    assert len(every) == len(set(every)) == 5
    assert third["next"] is None
    assert {u["state"] for u in first["units"]} == {"available"}
    assert sold == {"units": [], "next": None}
    assert_problem(await shop.client.get(f"{url}?after=not-a-cursor", headers=shop.admin), 400)
    assert_problem(await shop.client.get(f"{url}?state=lost", headers=shop.admin), 400)
    assert_problem(await shop.client.get(f"{url}?limit=0", headers=shop.admin), 400)
    assert_problem(await shop.client.get(f"/admin/products/{SOME_ID}/stock", headers=shop.admin), 404)


async def test_withdraw_takes_available_units_and_refuses_sold_and_reserved_ones(shop: Shop) -> None:
    product = await shop.product(["SOLD-1", "FREE-1", "FREE-2", "RESERVED-1"], sku="GAME-1")
    sold_order = await shop.order(product["id"])
    await shop.pay(sold_order)
    waiting = await shop.order(product["id"])
    # A fulfilment in progress elsewhere: one unit allocated to the waiting order's item, not delivered.
    item_id = waiting["items"][0]["itemId"]
    await in_database(shop, lambda uow: uow.stock.allocate(product["id"], waiting["id"], item_id, 1))
    [sold] = await units(shop, product["id"], "&state=sold")
    [reserved] = await units(shop, product["id"], "&state=reserved")
    free = [u["id"] for u in await units(shop, product["id"], "&state=available")]
    other = await shop.product(["OTHER-1"], sku="OTHER")
    [foreign] = await units(shop, other["id"])

    answer = await withdraw(shop, product["id"], [free[0], sold["id"], reserved["id"], foreign["id"]])
    again = await withdraw(shop, product["id"], [free[0]], reason="again")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "withdrawn": 1,
        "available": 1,
        "units": [
            {"unitId": free[0], "outcome": "withdrawn", "reason": None},
            {"unitId": sold["id"], "outcome": "refused", "reason": "already sold"},
            {"unitId": reserved["id"], "outcome": "refused", "reason": f"reserved for order {waiting['id']}"},
            {"unitId": foreign["id"], "outcome": "refused", "reason": "not this product's"},
        ],
    }
    assert again.json()["units"] == [{"unitId": free[0], "outcome": "refused", "reason": "already withdrawn"}]
    [withdrawn] = await units(shop, product["id"], "&state=withdrawn")
    assert (withdrawn["id"], withdrawn["withdrawnBy"], withdrawn["withdrawnReason"]) == (
        free[0],
        "admin token",
        "leaked",
    )
    assert withdrawn["withdrawnAt"] is not None
    [record] = [r for r in await audit_of(shop, product["id"]) if r.kind is ActionKind.STOCK_WITHDRAWN]
    assert record.detail == "withdrew 1, refused 3: leaked"
    assert (record.actor.label, record.actor.client_ip) == ("admin token", "testclient")
    assert (await admin_get(shop, f"/admin/products/{product['id']}"))["stock"] == {
        "available": 1,
        "reserved": 1,
        "sold": 1,
        "withdrawn": 1,
    }


async def test_a_withdrawn_key_is_never_sold_and_never_imported_again(shop: Shop) -> None:
    product = await shop.product(["ONLY-KEY"], sku="GAME-1")
    [unit] = await units(shop, product["id"])
    await withdraw(shop, product["id"], [unit["id"]])

    order = await shop.client.post(
        "/orders", json={"email": "player@example.com", "items": [{"productId": product["id"]}]}
    )
    again = await shop.client.post(
        f"/admin/products/{product['id']}/keys", json=keys_body(["ONLY-KEY"]), headers=shop.admin
    )

    assert assert_problem(order, 409)["detail"] == "Only 0 of GAME-1 left in stock."
    assert again.json() == {
        "imported": 0,
        "available": 0,
        "refused": [{"line": 1, "reason": "already_in_stock"}],
    }


@pytest.mark.parametrize(
    "body",
    [
        {"unitIds": [], "reason": "x"},
        {"unitIds": [SOME_ID], "reason": ""},
        {"unitIds": [SOME_ID], "reason": "r" * 201},
        {"unitIds": [SOME_ID]},
        {"unitIds": [SOME_ID], "reason": "x", "force": True},
    ],
)
async def test_a_bad_withdrawal_is_a_400(shop: Shop, body: dict[str, Any]) -> None:
    product = await shop.product(["K-1"], sku="GAME-1")

    answer = await shop.client.post(
        f"/admin/products/{product['id']}/stock/withdraw", json=body, headers=shop.admin
    )

    assert_problem(answer, 400)
    assert (await admin_get(shop, f"/admin/products/{product['id']}"))["stock"]["withdrawn"] == 0


async def test_low_stock_lists_listed_own_stock_at_or_below_its_threshold(shop: Shop) -> None:
    low = await shop.product(["L-1", "L-2"], sku="A-LOW")
    plenty = await shop.product([f"P-{n}" for n in range(4)], sku="B-PLENTY")
    hidden = await shop.product([], sku="C-HIDDEN")
    await patch(shop, plenty["id"], {"lowStockThreshold": 3})
    await patch(shop, hidden["id"], {"listed": False})

    assert await admin_get(shop, "/admin/stock/low") == [
        {"productId": low["id"], "sku": "A-LOW", "name": low["name"], "available": 2, "lowStockThreshold": 5}
    ]
    [unit, *_] = await units(shop, plenty["id"])
    await withdraw(shop, plenty["id"], [unit["id"]])
    assert [p["sku"] for p in await admin_get(shop, "/admin/stock/low")] == ["A-LOW", "B-PLENTY"]


async def test_no_answer_carries_a_key(shop: Shop) -> None:
    keys = ["SECRET-AAAA-1111", "SECRET-BBBB-2222", "SECRET-CCCC-3333"]
    product = await shop.product(keys, sku="GAME-1")
    order = await shop.order(product["id"])
    await shop.pay(order)
    all_units = await units(shop, product["id"])
    bodies = [
        (await shop.client.get("/admin/products", headers=shop.admin)).text,
        (await shop.client.get(f"/admin/products/{product['id']}", headers=shop.admin)).text,
        (await patch(shop, product["id"], {"lowStockThreshold": 9})).text,
        (await shop.client.get(f"/admin/products/{product['id']}/stock", headers=shop.admin)).text,
        (await shop.client.get(f"/admin/products/{product['id']}/stock?state=sold", headers=shop.admin)).text,
        (await withdraw(shop, product["id"], [u["id"] for u in all_units])).text,
        (await shop.client.get("/admin/stock/low", headers=shop.admin)).text,
        json.dumps([r.detail for r in await audit_of(shop, product["id"])]),
    ]

    for body in bodies:
        for key in keys:
            assert key not in body
            assert key.lower() not in body.lower()
