"""Download links, the delivery page and revealing keys (docs/http-api.md, docs/vault.md)."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fakes.clock import FrozenClock
from tests.http.conftest import PROBLEM_JSON, ClockProvider, Shop, assert_problem, open_shop, order_details

KEYS = ["KEY-DELIVER-AAAA-1111", "KEY-DELIVER-BBBB-2222"]
JSON = {"Accept": "application/json"}


async def fulfilled(shop: Shop, keys: list[str] = KEYS, quantity: int = 2) -> dict[str, Any]:
    product = await shop.product(keys)
    order = await shop.order(product["id"], quantity=quantity)
    await shop.pay(order)
    return order


async def link_for(shop: Shop, order: dict[str, Any]) -> dict[str, Any]:
    answer = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
    assert answer.status_code == 200, answer.text
    link: dict[str, Any] = answer.json()
    return link


def path_of(link: dict[str, Any]) -> str:
    url: str = link["signedUrl"]
    return urlsplit(url).path


CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_in(page: str) -> str:
    """The CSRF token of the (first) form of a page."""
    found = CSRF_FIELD.search(page)
    assert found, "a form with its CSRF token"
    return found.group(1)


async def press_reveal(
    shop: Shop, path: str, headers: dict[str, str] | None = None, csrf: str | None = None
) -> Any:
    """Press the delivery page's reveal button as a browser does: the form with the page's token
    (`csrf`: of a page loaded earlier). The answer of the POST itself (a 303 to the keys page, or a
    refusal's page)."""
    token = csrf if csrf is not None else csrf_in((await shop.client.get(path)).text)
    return await shop.client.post(
        f"{path}/reveal", data={"csrf_token": token}, headers=headers, follow_redirects=False
    )


async def reveal_page(
    shop: Shop, path: str, headers: dict[str, str] | None = None, csrf: str | None = None
) -> Any:
    """Press the reveal button and follow the 303 to the keys page: the page the customer sees."""
    pressed = await press_reveal(shop, path, headers, csrf)
    if pressed.status_code != 303:
        return pressed
    return await shop.client.get(pressed.headers["location"], headers=headers)


def assert_page_headers(answer: Any) -> None:
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("payment", [None, "partially_paid", "waiting"])
async def test_no_download_link_until_fulfilled(shop: Shop, payment: str | None) -> None:
    product = await shop.product(KEYS)
    order = await shop.order(product["id"])
    if payment:
        await shop.pay(order, payment)

    answer = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
    revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))

    assert_problem(answer, 409)
    assert "signedUrl" not in answer.text
    assert_problem(revealed, 409)
    assert not any(key in revealed.text for key in KEYS)


async def test_download_link_points_at_the_public_base_url_for_15_minutes(shop: Shop) -> None:
    order = await fulfilled(shop)
    before = datetime.now(UTC)

    answer = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    link = answer.json()
    assert set(link) == {"orderId", "signedUrl", "expiresAt", "itemCount"}
    assert link["orderId"] == order["id"]
    assert link["signedUrl"].startswith("https://shop.example/d/")
    assert len(link["signedUrl"]) > len("https://shop.example/d/") + 20
    assert link["itemCount"] == 2
    expires = datetime.fromisoformat(link["expiresAt"])
    assert before + timedelta(minutes=14) <= expires <= datetime.now(UTC) + timedelta(minutes=15, seconds=1)


async def test_delivery_page_shows_the_order_but_never_the_key(shop: Shop) -> None:
    order = await fulfilled(shop)
    link = await link_for(shop, order)

    page = await shop.client.get(path_of(link))

    assert page.status_code == 200, page.text
    assert_page_headers(page)
    assert order["id"] in page.text
    assert not any(key in page.text for key in KEYS)
    assert f"{path_of(link)}/reveal" in page.text
    assert csrf_in(page.text)
    # A mail scanner opening the link reveals nothing: no audit event, no count.
    details = await order_details(shop, order["id"])
    assert details["reveals"] == []
    assert details["order"]["revealCount"] == 0


async def test_link_reveal_as_json(shop: Shop) -> None:
    order = await fulfilled(shop)
    link = await link_for(shop, order)

    answer = await shop.client.post(f"{path_of(link)}/reveal", headers=JSON)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["orderId"] == order["id"]
    assert body["revealCount"] == 1
    assert sorted(k["key"] for k in body["keys"]) == sorted(KEYS)
    for key in body["keys"]:
        assert set(key) == {"itemId", "productId", "key", "contentType", "revealedAt", "keyId"}
        assert key["contentType"] == "text/plain"
        assert key["itemId"] == order["items"][0]["itemId"]


async def test_link_reveal_as_html_page(shop: Shop) -> None:
    order = await fulfilled(shop)
    link = await link_for(shop, order)

    answer = await reveal_page(shop, path_of(link))

    assert answer.status_code == 200, answer.text
    assert_page_headers(answer)
    assert all(key in answer.text for key in KEYS)


async def test_key_text_is_escaped_in_the_html_page(shop: Shop) -> None:
    order = await fulfilled(shop, keys=["<script>alert(1)</script>"], quantity=1)
    link = await link_for(shop, order)

    answer = await reveal_page(shop, path_of(link))

    assert answer.status_code == 200, answer.text
    assert "<script>alert" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def forgeries(token: str) -> list[str]:
    payload, _, signature = token.partition(".")
    flip = "A" if signature[0] != "A" else "B"
    return [
        f"{payload}.{flip}{signature[1:]}",
        f"{'A' if payload[0] != 'A' else 'B'}{payload[1:]}.{signature}",
        payload,
        f"{payload}.",
        "not-a-token",
        f"{payload}.{signature}x",
    ]


async def test_forged_or_altered_link_is_gone(shop: Shop) -> None:
    order = await fulfilled(shop)
    token = path_of(await link_for(shop, order)).removeprefix("/d/")

    for forged in forgeries(token):
        as_json = await shop.client.post(f"/d/{forged}/reveal", headers=JSON)
        as_html = await shop.client.post(f"/d/{forged}/reveal")
        page = await shop.client.get(f"/d/{forged}")

        assert_problem(as_json, 410)
        assert as_html.status_code == 410, forged
        assert_page_headers(as_html)
        assert page.status_code == 410, forged
        assert_page_headers(page)
        for answer in (as_json, as_html, page):
            assert not any(key in answer.text for key in KEYS)
            assert order["id"] not in answer.text

    details = await order_details(shop, order["id"])
    assert details["reveals"] == []
    assert details["order"]["revealCount"] == 0


async def test_link_of_one_order_only_reveals_that_order(shop: Shop) -> None:
    first = await fulfilled(shop, keys=["KEY-FIRST"], quantity=1)
    product = await shop.product(["KEY-SECOND"], sku="GAME-2")
    second = await shop.order(product["id"])
    await shop.pay(second)

    answer = await shop.client.post(f"{path_of(await link_for(shop, first))}/reveal", headers=JSON)

    assert [k["key"] for k in answer.json()["keys"]] == ["KEY-FIRST"]


async def test_reveals_are_audited_and_counted(shop: Shop) -> None:
    order = await fulfilled(shop)
    api_agent = {"User-Agent": "BitLootTest/1.0 (api)", **shop.bearer(order)}
    link_agent = {"User-Agent": "BitLootTest/2.0 (link)", **JSON}

    by_api = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=api_agent)
    by_link = await shop.client.post(f"{path_of(await link_for(shop, order))}/reveal", headers=link_agent)
    again = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=api_agent)

    assert by_api.status_code == 200, by_api.text
    assert by_api.headers["cache-control"] == "no-store"
    assert sorted(k["key"] for k in by_api.json()["keys"]) == sorted(KEYS)
    assert [by_api.json()["revealCount"], by_link.json()["revealCount"], again.json()["revealCount"]] == [
        1,
        2,
        3,
    ]
    details = await order_details(shop, order["id"])
    assert details["order"]["revealCount"] == 3
    key_ids = {k["id"] for k in details["keys"]}
    reveals = details["reveals"]
    # One event per key per reveal.
    assert len(reveals) == 6
    for event in reveals:
        assert event["outcome"] == "revealed"
        assert event["ip"]
        assert event["keyId"] in key_ids
        assert event["itemId"] == order["items"][0]["itemId"]
        assert datetime.fromisoformat(event["at"]).tzinfo is not None
    seen = sorted((e["channel"], e["userAgent"]) for e in reveals)
    assert seen == sorted([("api", "BitLootTest/1.0 (api)")] * 4 + [("link", "BitLootTest/2.0 (link)")] * 2)


async def test_reveal_of_one_item(shop: Shop) -> None:
    first = await shop.product(["KEY-ONE"], sku="GAME-1")
    second = await shop.product(["KEY-TWO"], sku="GAME-2")
    placed = await shop.client.post(
        "/orders",
        json={
            "email": "player@example.com",
            "items": [{"productId": first["id"]}, {"productId": second["id"]}],
        },
    )
    order = placed.json()
    await shop.pay(order)
    wanted = next(i["itemId"] for i in order["items"] if i["productId"] == second["id"])

    answer = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", json={"itemId": wanted}, headers=shop.bearer(order)
    )
    unknown = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", json={"itemId": "no-such-item"}, headers=shop.bearer(order)
    )

    assert answer.status_code == 200, answer.text
    assert [(k["itemId"], k["key"]) for k in answer.json()["keys"]] == [(wanted, "KEY-TWO")]
    assert_problem(unknown, 404)
    reveals = (await order_details(shop, order["id"]))["reveals"]
    assert [e["itemId"] for e in reveals] == [wanted]


async def test_reveal_refuses_unknown_fields(shop: Shop) -> None:
    order = await fulfilled(shop)

    answer = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", json={"everything": True}, headers=shop.bearer(order)
    )

    problem = assert_problem(answer, 400)
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    assert not any(key in str(problem) for key in KEYS)


async def test_link_is_gone_after_15_minutes(tmp_path: Path) -> None:
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    async with open_shop(tmp_path, ClockProvider(clock)) as shop:
        order = await fulfilled(shop)
        path = path_of(await link_for(shop, order))

        clock.advance(timedelta(minutes=14, seconds=59))
        still = await shop.client.post(f"{path}/reveal", headers=JSON)
        clock.advance(timedelta(seconds=1))
        page = await shop.client.get(path)
        expired = await shop.client.post(f"{path}/reveal", headers=JSON)
        fresh = await link_for(shop, order)

        assert still.status_code == 200, still.text
        assert page.status_code == 410
        assert_page_headers(page)
        assert_problem(expired, 410)
        assert not any(key in expired.text + page.text for key in KEYS)
        assert datetime.fromisoformat(fresh["expiresAt"]) == clock.now() + timedelta(minutes=15)
        again = await shop.client.post(f"{path_of(fresh)}/reveal", headers=JSON)
        assert again.status_code == 200, again.text


async def test_refund_after_fulfillment_blocks_reveals(shop: Shop) -> None:
    order = await fulfilled(shop)
    path = path_of(await link_for(shop, order))
    # The customer opened the delivery page before the refund.
    csrf = csrf_in((await shop.client.get(path)).text)

    await shop.pay(order, "refunded")

    status = await shop.client.get(f"/fulfillment/{order['id']}/status", headers=shop.bearer(order))
    by_api = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    by_link = await shop.client.post(f"{path}/reveal", headers=JSON)
    by_page = await reveal_page(shop, path, csrf=csrf)
    link = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))

    assert status.json()["orderStatus"] == "refunded"
    assert_problem(by_api, 410)
    assert_problem(by_link, 410)
    assert by_page.status_code == 410
    assert_problem(link, 410)
    for answer in (by_api, by_link, by_page, link):
        assert not any(key in answer.text for key in KEYS)
    details = await order_details(shop, order["id"])
    # The three refused attempts (API, link as JSON, link page) are in the audit trail as refused,
    # one event per key of the order.
    assert sorted((r["outcome"], r["channel"]) for r in details["reveals"]) == sorted(
        [("refused_refunded", "api")] * len(KEYS) + [("refused_refunded", "link")] * 2 * len(KEYS)
    )
    assert details["order"]["revealCount"] == 0


async def test_a_very_long_user_agent_is_audited_truncated(shop: Shop) -> None:
    order = await fulfilled(shop, keys=["KEY-UA"], quantity=1)

    answer = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", headers={**shop.bearer(order), "User-Agent": "U" * 5000}
    )

    assert answer.status_code == 200, answer.text
    [event] = (await order_details(shop, order["id"]))["reveals"]
    assert event["userAgent"] == "U" * 512
