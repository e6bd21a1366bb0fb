"""The operator's order search, order timeline and overview (`/admin/orders/search`,
`/admin/orders/{id}/timeline`, `/admin/overview`), and the audited retry and replay."""

import base64
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.clock import FrozenClock
from tests.http.conftest import ClockProvider, Shop, assert_problem, open_shop, webhooks
from tests.http.test_access import statements

SECRET_KEY = "KEY-NEVER-SHOWN-7Q"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def timed_shop(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Shop]:
    async with open_shop(tmp_path, ClockProvider(clock)) as shop:
        yield shop


async def search(shop: Shop, *pairs: tuple[str, str], **params: Any) -> Any:
    answer = await shop.client.get(
        "/admin/orders/search", params=[*pairs, *params.items()], headers=shop.admin
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_search_finds_an_order_by_id_email_and_invoice_with_its_summary(shop: Shop) -> None:
    product = await shop.product(["K-1", "K-2"])
    order = await shop.order(product["id"], quantity=2)
    other = await shop.order(product["id"])
    await shop.pay(order)
    [ipn] = [d for d in await webhooks(shop) if d["orderId"] == order["id"]]
    assert ipn["outcome"] == "applied"

    found = await search(shop, q=order["id"])

    assert found["next"] is None
    [summary] = found["orders"]
    assert summary["id"] == order["id"]
    assert summary["email"] == "player@example.com"
    assert summary["status"] == "fulfilled"
    assert (summary["total"], summary["currency"]) == ("39.98", "EUR")
    assert (summary["itemCount"], summary["unitCount"]) == (1, 2)
    assert set(summary) == {
        "id", "email", "status", "total", "currency", "itemCount", "unitCount",
        "createdAt", "updatedAt", "paymentReference", "failureReason",
    }  # fmt: skip
    by_email = await search(shop, q="PLAYER@example.com")
    assert [o["id"] for o in by_email["orders"]] == [other["id"], order["id"]]
    paid = await search(shop, ("status", "fulfilled"), ("status", "failed"))
    assert [o["id"] for o in paid["orders"]] == [order["id"]]


async def test_search_pages_with_an_opaque_cursor(shop: Shop) -> None:
    product = await shop.product([f"K-{n}" for n in range(5)])
    placed = [await shop.order(product["id"]) for _ in range(5)]

    first = await search(shop, limit=3)
    second = await search(shop, limit=3, cursor=first["next"])

    assert second["next"] is None
    seen = [o["id"] for o in first["orders"] + second["orders"]]
    assert sorted(seen) == sorted(o["id"] for o in placed)
    assert len(set(seen)) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": base64.urlsafe_b64encode(b'{"at":"yesterday","id":"x"}').decode()},
        {"cursor": base64.urlsafe_b64encode(b'["at"]').decode()},
        {"cursor": base64.urlsafe_b64encode(b'{"at":"2026-01-01T00:00:00","id":"x"}').decode()},
        {"cursor": "\u00e9" * 10},
        {"limit": "101"},
        {"limit": "0"},
        {"status": "shipped"},
        {"createdFrom": "2026-01-01T00:00:00"},
        {"createdFrom": "2026-02-01T00:00:00Z", "createdTo": "2026-01-01T00:00:00Z"},
        {"q": "x" * 255},
        {"q": "bad\x00id"},
    ],
)
async def test_bad_search_input_is_a_400(shop: Shop, params: dict[str, str]) -> None:
    answer = await shop.client.get("/admin/orders/search", params=params, headers=shop.admin)
    assert_problem(answer, 400)


async def test_a_tampered_cursor_says_to_start_again(shop: Shop) -> None:
    answer = await shop.client.get("/admin/orders/search?cursor=eyJ", headers=shop.admin)
    assert (
        assert_problem(answer, 400)["detail"] == "The cursor is not valid; start again from the first page."
    )


async def test_the_operator_routes_need_the_admin_token(shop: Shop) -> None:
    for path in ("/admin/orders/search", f"/admin/orders/{'0' * 36}/timeline", "/admin/overview"):
        assert (await shop.client.get(path)).status_code == 401


async def test_a_search_page_costs_the_same_statements_whatever_its_size(shop: Shop) -> None:
    product = await shop.product([f"K-{n}" for n in range(20)])
    for _ in range(8):
        await shop.order(product["id"], quantity=2)

    with statements() as small:
        assert len((await search(shop, limit=2))["orders"]) == 2
    with statements() as large:
        assert len((await search(shop, limit=8))["orders"]) == 8
    with statements() as filtered:
        await search(shop, q="player@example.com", status="awaiting_payment", limit=6)

    selects = [s for s in small if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2  # the page, and its items
    assert len(large) == len(small) == len(filtered)


async def test_the_timeline_of_a_paid_fulfilled_revealed_order(timed_shop: Shop, clock: FrozenClock) -> None:
    shop = timed_shop
    product = await shop.product([SECRET_KEY])
    placed_at = clock.now()
    order = await shop.order(product["id"])
    clock.advance(timedelta(minutes=1))
    await shop.pay(order)
    clock.advance(timedelta(minutes=1))
    revealed = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", headers={**shop.bearer(order), "User-Agent": "timeline-test"}
    )
    assert revealed.status_code == 200, revealed.text

    answer = await shop.client.get(f"/admin/orders/{order['id']}/timeline", headers=shop.admin)

    assert answer.status_code == 200, answer.text
    assert SECRET_KEY not in answer.text
    timeline = answer.json()
    assert (timeline["orderId"], timeline["status"]) == (order["id"], "fulfilled")
    assert "derived" in timeline["note"]
    entries = timeline["entries"]
    kinds = [e["kind"] for e in entries]
    # The simulator makes no invoice id: the request names the payment page's host, not its address.
    # Then the "order received" email, owed with the order.
    assert kinds[:3] == ["placed", "payment_requested", "email"]
    assert entries[2]["title"] == "Order received email owed"
    assert set(entries[1]["detail"]) == {"paymentPage"}
    assert "/simulator/pay/" not in answer.text
    assert entries[0]["at"].startswith(placed_at.isoformat()[:19])
    assert kinds.index("webhook") < kinds.index("payment") < kinds.index("state")
    delivery = [e["title"] for e in entries].index("Delivery email owed")
    assert kinds.index("state") < kinds.index("key_delivered") < delivery < kinds.index("reveal")
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    webhook = next(e for e in entries if e["kind"] == "webhook")
    assert (webhook["outcome"], webhook["detail"]["provider"], webhook["detail"]["signatureValid"]) == (
        "applied", "nowpayments", "yes",
    )  # fmt: skip
    payment = next(e for e in entries if e["kind"] == "payment")
    assert (payment["title"], payment["outcome"]) == ("Payment finished", "applied")
    states = [e["outcome"] for e in entries if e["kind"] == "state"]
    assert states == ["paid", "fulfilled"]
    key = next(e for e in entries if e["kind"] == "key_delivered")
    assert key["detail"]["productId"] == product["id"]
    assert set(key["detail"]) == {"keyId", "itemId", "productId"}
    reveal = next(e for e in entries if e["kind"] == "reveal")
    assert reveal["outcome"] == "revealed"
    assert (reveal["detail"]["channel"], reveal["detail"]["userAgent"]) == ("api", "timeline-test")
    assert reveal["detail"]["keyId"] == key["detail"]["keyId"]
    assert reveal["at"] > payment["at"] > entries[0]["at"]


async def test_the_timeline_of_an_unknown_order_is_a_404(shop: Shop) -> None:
    assert_problem(await shop.client.get(f"/admin/orders/{'0' * 36}/timeline", headers=shop.admin), 404)


async def test_a_refused_then_accepted_retry_is_audited_once_on_the_timeline(shop: Shop) -> None:
    product = await shop.product(["ONLY-ONE"])
    first, second = await shop.order(product["id"]), await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second)
    refused = await shop.client.post(f"/admin/orders/{second['id']}/retry", headers=shop.admin)
    assert_problem(refused, 409)
    await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": ["MORE"]}, headers=shop.admin
    )

    retried = await shop.client.post(f"/admin/orders/{second['id']}/retry", headers=shop.admin)

    assert retried.status_code == 202, retried.text
    timeline = (await shop.client.get(f"/admin/orders/{second['id']}/timeline", headers=shop.admin)).json()
    actions = [e for e in timeline["entries"] if e["kind"] == "operator_action"]
    assert [(a["title"], a["detail"]["actor"]) for a in actions] == [("Fulfillment retried", "admin token")]
    assert actions[0]["detail"]["detail"] == "retried from failed: 1 unit(s) to deliver"
    assert any(e["kind"] == "state" and e["outcome"] == "failed" for e in timeline["entries"]) is False
    assert timeline["status"] == "fulfilled"


async def test_a_replay_is_audited_on_the_order_timeline_through_its_delivery(shop: Shop) -> None:
    product = await shop.product(["K-1"])
    order = await shop.order(product["id"])
    await shop.pay(order)
    [delivery] = await webhooks(shop)

    replayed = await shop.client.post(f"/admin/webhooks/{delivery['id']}/replay", headers=shop.admin)

    assert replayed.status_code == 200, replayed.text
    timeline = (await shop.client.get(f"/admin/orders/{order['id']}/timeline", headers=shop.admin)).json()
    replays = [e for e in timeline["entries"] if e["kind"] == "webhook" and e["detail"].get("replayOf")]
    assert [(r["outcome"], r["detail"]["replayOf"]) for r in replays] == [("duplicate", delivery["id"])]


async def test_the_webhook_inbox_filters_by_outcome_and_pages_with_a_header(shop: Shop) -> None:
    product = await shop.product(["K-1", "K-2", "K-3"])
    for _ in range(3):
        order = await shop.order(product["id"])
        await shop.pay(order)
        await shop.pay(order)

    duplicates = await shop.client.get("/admin/webhooks?outcome=duplicate&limit=2", headers=shop.admin)
    rest = await shop.client.get(
        "/admin/webhooks", params={"outcome": "duplicate", "cursor": duplicates.headers["x-next-cursor"]},
        headers=shop.admin,
    )  # fmt: skip

    assert [d["outcome"] for d in duplicates.json() + rest.json()] == ["duplicate"] * 3
    assert "x-next-cursor" not in rest.headers
    assert len(await webhooks(shop)) == 6
    assert_problem(await shop.client.get("/admin/webhooks?cursor=zz", headers=shop.admin), 400)
    future = await shop.client.get("/admin/webhooks?receivedFrom=2999-01-01T00:00:00Z", headers=shop.admin)
    assert future.json() == []


async def test_the_overview_counts_what_needs_a_look(timed_shop: Shop, clock: FrozenClock) -> None:
    shop = timed_shop
    product = await shop.product(["ONLY-ONE"])
    first, second = await shop.order(product["id"]), await shop.order(product["id"])
    await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second)

    answer = await shop.client.get("/admin/overview", headers=shop.admin)

    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["today"] == {"fulfilled": 1, "failed": 1, "awaiting_payment": 1}
    assert view["last7Days"] == view["today"]
    assert view["failed"] == {
        "count": 1,
        "orders": [{"orderId": second["id"], "at": view["failed"]["orders"][0]["at"]}],
    }
    assert view["needsAttention"] == {"count": 0, "orders": []}
    assert view["paidNotFulfilled"] == {"count": 0, "orders": []}
    assert view["health"]["ok"] is True
    assert set(view["health"]["checks"]) == {"database", "storage", "queue"}
    # Its one key sold, the product is at or below its low-stock threshold; no key was reported.
    assert (view["openKeyReports"], view["lowStockProducts"]) == (0, 1)
    assert set(view["emailBacklog"]) == {"pending", "oldestPendingAt", "oldestPendingAgeSeconds", "failed"}
    assert view["fulfillmentBacklog"]["count"] >= 0

    clock.advance(timedelta(days=1))
    tomorrow = (await shop.client.get("/admin/overview", headers=shop.admin)).json()
    assert tomorrow["today"] == {}
    assert tomorrow["last7Days"] == view["today"]
