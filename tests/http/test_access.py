"""Order endpoints need the order's access token; a wrong token and an unknown order look alike
(docs/http-api.md)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.http.conftest import Shop, assert_problem, order_details

UNKNOWN_ORDER = "0190d8d0-0000-7000-8000-000000000000"
ENDPOINTS = [("GET", "status"), ("GET", "download-link"), ("POST", "reveal")]


async def call(shop: Shop, method: str, order_id: str, endpoint: str, headers: dict[str, str]) -> Any:
    url = f"/fulfillment/{order_id}/{endpoint}"
    if method == "GET":
        return await shop.client.get(url, headers=headers)
    return await shop.client.post(url, headers=headers)


@pytest.fixture
async def paid(shop: Shop) -> dict[str, Any]:
    """A fulfilled order, so that each endpoint would answer 200 to the right token."""
    product = await shop.product(["KEY-ACCESS-1", "KEY-ACCESS-2"])
    order = await shop.order(product["id"])
    await shop.pay(order)
    return order


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
async def test_right_token_is_let_in(shop: Shop, paid: dict[str, Any], method: str, endpoint: str) -> None:
    answer = await call(shop, method, paid["id"], endpoint, shop.bearer(paid))

    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
async def test_wrong_token_and_unknown_order_answer_the_same_404(
    shop: Shop, paid: dict[str, Any], method: str, endpoint: str
) -> None:
    wrong = {"Authorization": "Bearer " + "x" * len(paid["accessToken"])}

    wrong_token = await call(shop, method, paid["id"], endpoint, wrong)
    unknown_order = await call(shop, method, UNKNOWN_ORDER, endpoint, shop.bearer(paid))
    unknown_with_wrong = await call(shop, method, UNKNOWN_ORDER, endpoint, wrong)

    assert_problem(wrong_token, 404)
    assert wrong_token.content == unknown_order.content == unknown_with_wrong.content
    assert wrong_token.headers["content-type"] == unknown_order.headers["content-type"]
    assert paid["id"] not in wrong_token.text


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
async def test_another_orders_token_is_a_404_like_an_unknown_order(
    shop: Shop, paid: dict[str, Any], method: str, endpoint: str
) -> None:
    product = await shop.product(["KEY-OTHER"], sku="GAME-OTHER")
    other = await shop.order(product["id"])
    await shop.pay(other)

    borrowed = await call(shop, method, paid["id"], endpoint, shop.bearer(other))
    unknown_order = await call(shop, method, UNKNOWN_ORDER, endpoint, shop.bearer(other))

    assert_problem(borrowed, 404)
    assert borrowed.content == unknown_order.content


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "token"])
async def test_missing_bearer_token_is_a_401_with_a_challenge(
    shop: Shop, paid: dict[str, Any], method: str, endpoint: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    answer = await call(shop, method, paid["id"], endpoint, headers)

    assert_problem(answer, 401)
    assert answer.headers["www-authenticate"].lower().startswith("bearer")


async def test_a_refused_reveal_is_not_counted_or_audited(shop: Shop, paid: dict[str, Any]) -> None:
    wrong = {"Authorization": "Bearer not-the-token"}
    for headers in (wrong, {}):
        answer = await shop.client.post(f"/fulfillment/{paid['id']}/reveal", headers=headers)
        assert answer.status_code in (401, 404)
        assert "KEY-ACCESS" not in answer.text

    details = await order_details(shop, paid["id"])
    assert details["reveals"] == []
    assert details["order"]["revealCount"] == 0


async def test_the_token_of_an_unpaid_order_sees_its_pending_status(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])

    answer = await shop.client.get(f"/fulfillment/{order['id']}/status", headers=shop.bearer(order))

    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert set(status) == {
        "orderId",
        "status",
        "orderStatus",
        "itemsTotal",
        "itemsFulfilled",
        "items",
        "fulfilledAt",
        "updatedAt",
    }
    assert status["orderId"] == order["id"]
    assert status["status"] == "pending"
    assert status["orderStatus"] == "awaiting_payment"
    assert status["itemsTotal"] == 1
    assert status["itemsFulfilled"] == 0
    assert status["fulfilledAt"] is None
    [item] = status["items"]
    assert set(item) == {"itemId", "productId", "quantity", "status", "fulfilledAt"}
    assert item["itemId"] == order["items"][0]["itemId"]
    assert item["fulfilledAt"] is None


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL every engine of this process runs meanwhile (statement texts, never parameters)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
async def test_wrong_token_and_unknown_order_run_the_same_database_work(
    shop: Shop, paid: dict[str, Any], method: str, endpoint: str
) -> None:
    """Issue 9: a second query ran only when the order existed, so a wrong token on an existing
    order was measurably slower than an unknown order. Now both run the same statements."""
    wrong = {"Authorization": "Bearer " + "x" * len(paid["accessToken"])}
    await call(shop, method, UNKNOWN_ORDER, endpoint, wrong)  # warm every cache first

    with statements() as for_unknown:
        unknown = await call(shop, method, UNKNOWN_ORDER, endpoint, wrong)
    with statements() as for_wrong_token:
        wrong_token = await call(shop, method, paid["id"], endpoint, wrong)

    assert (unknown.status_code, wrong_token.status_code) == (404, 404)
    assert for_unknown, "the check reads the database"
    assert for_wrong_token == for_unknown
