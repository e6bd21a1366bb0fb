"""The delivery link's pages as a browser uses them (docs/vault.md, "The delivery pages"): the order
with its redemption steps, the reveal button's one-time keys page that a reload never reveals again,
CSRF on every form, and an expired link that emails a fresh one."""

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.clock import FrozenClock
from tests.http.conftest import ClockProvider, Shop, open_shop, order_details
from tests.http.test_delivery import (
    KEYS,
    assert_page_headers,
    csrf_in,
    fulfilled,
    link_for,
    path_of,
    press_reveal,
    reveal_page,
)

STEPS = "1. Open the Steam app\n2. Choose Games, then Activate a product on Steam\n3. Enter the key"
REDEMPTION = {"platform": "Steam", "steps": STEPS, "activationUrl": "https://store.example/account/register"}
HIDDEN = "Your keys are hidden again"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def clocked_shop(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Shop]:
    """A shop whose clock the test moves by hand (the `clock` fixture)."""
    async with open_shop(tmp_path, ClockProvider(clock)) as shop:
        yield shop


async def fulfilled_path(shop: Shop) -> tuple[dict[str, Any], str]:
    """A fulfilled order of two keys; (order, its delivery page's path)."""
    order = await fulfilled(shop)
    return order, path_of(await link_for(shop, order))


async def with_redemption(shop: Shop, product_id: str) -> None:
    answer = await shop.client.patch(
        f"/admin/products/{product_id}", json={"redemption": REDEMPTION}, headers=shop.admin
    )
    assert answer.status_code == 200, answer.text


async def fulfilled_link(shop: Shop) -> tuple[dict[str, Any], str]:
    """A fulfilled order of two keys of a Steam game; (order, the delivery page's path)."""
    order, path = await fulfilled_path(shop)
    await with_redemption(shop, order["items"][0]["productId"])
    return order, path


async def another_order(shop: Shop, key: str) -> dict[str, Any]:
    """A fulfilled order of one key of a second product."""
    product = await shop.product([key], sku="GAME-2")
    order = await shop.order(product["id"])
    await shop.pay(order)
    return order


async def reveals(shop: Shop, order_id: str) -> tuple[int, int]:
    """(the order's reveal count, its reveal audit events)."""
    details = await order_details(shop, order_id)
    return details["order"]["revealCount"], len(details["reveals"])


def assert_no_key(*pages: Any) -> None:
    for page in pages:
        assert not any(key in page.text for key in KEYS)


async def test_the_delivery_page_names_the_shop_the_products_and_how_to_redeem_them(shop: Shop) -> None:
    order, path = await fulfilled_link(shop)

    page = await shop.client.get(path)

    assert page.status_code == 200, page.text
    assert_page_headers(page)
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src" not in policy
    assert "<style" not in page.text
    assert "BitLoot" in page.text
    assert order["id"] in page.text
    assert "2 keys" in page.text
    assert "How to redeem on Steam" in page.text
    # The steps as a list, numbered by the page (not twice).
    assert "<li>Open the Steam app</li>" in page.text
    assert "<li>Enter the key</li>" in page.text
    assert 'href="https://store.example/account/register"' in page.text
    assert "have not been revealed yet" in page.text
    assert_no_key(page)

    await reveal_page(shop, path)
    assert "revealed once" in (await shop.client.get(path)).text


async def test_the_button_reveals_once_and_a_reload_or_the_back_button_never_again(shop: Shop) -> None:
    order, path = await fulfilled_link(shop)

    pressed = await press_reveal(shop, path)
    keys_url = pressed.headers["location"]
    keys_page = await shop.client.get(keys_url)
    reloaded = await shop.client.get(keys_url)
    back = await shop.client.get(path)
    no_ticket = await shop.client.get(f"{path}/keys")
    made_up = await shop.client.get(f"{path}/keys", params={"r": "0.9999999999." + "0" * 64})

    assert pressed.status_code == 303
    assert urlsplit(keys_url).path == f"{path}/keys"
    assert_no_key(pressed)
    assert keys_page.status_code == 200, keys_page.text
    assert_page_headers(keys_page)
    assert "script-src 'self'" in keys_page.headers["content-security-policy"]
    assert "unsafe-inline" not in keys_page.headers["content-security-policy"]
    for key in KEYS:
        # Each key in a box of its own that never wraps (shop.css), with a copy button.
        assert re.search(rf'<code class="key" id="key-1-[12]" tabindex="0">{key}</code>', keys_page.text)
    assert keys_page.text.count('data-copy="key-') == 2
    assert '<script src="/assets/site/copy-keys.js"></script>' in keys_page.text
    assert " onclick" not in keys_page.text
    assert "How to redeem on Steam" in keys_page.text
    assert "revealed once" in keys_page.text
    for answer in (reloaded, no_ticket, made_up):
        assert answer.status_code == 200
        assert HIDDEN in answer.text
        assert 'action="' + path + '/reveal"' in answer.text
    assert_no_key(reloaded, back, no_ticket, made_up)
    # One press, one reveal: one audit event per key.
    assert await reveals(shop, order["id"]) == (1, len(KEYS))


async def test_the_keys_page_names_each_keys_product(shop: Shop) -> None:
    order, path = await fulfilled_link(shop)
    product = (
        await shop.client.get(f"/admin/products/{order['items'][0]['productId']}", headers=shop.admin)
    ).json()

    keys_page = await reveal_page(shop, path)

    assert f">{product['name']}</h2>" in keys_page.text
    assert order["items"][0]["itemId"] not in keys_page.text


async def test_a_ticket_lasts_two_minutes_and_belongs_to_its_link(
    clocked_shop: Shop, clock: FrozenClock
) -> None:
    shop = clocked_shop
    order = await fulfilled(shop)
    other = await another_order(shop, "KEY-OTHER-ORDER")
    path, other_path = path_of(await link_for(shop, order)), path_of(await link_for(shop, other))

    late = (await press_reveal(shop, path)).headers["location"]
    clock.advance(timedelta(minutes=2))
    expired = await shop.client.get(late)
    in_time = (await press_reveal(shop, path)).headers["location"]
    clock.advance(timedelta(seconds=119))
    ticket = parse_qs(urlsplit(in_time).query)["r"][0]
    elsewhere = await shop.client.get(f"{other_path}/keys", params={"r": ticket})
    shown = await shop.client.get(in_time)

    assert HIDDEN in expired.text
    assert HIDDEN in elsewhere.text
    assert "KEY-OTHER-ORDER" not in elsewhere.text
    assert all(key in shown.text for key in KEYS)
    assert await reveals(shop, order["id"]) == (1, len(KEYS))
    assert await reveals(shop, other["id"]) == (0, 0)


async def test_two_requests_on_one_ticket_reveal_once(live_shop: Shop) -> None:
    shop = live_shop
    order, path = await fulfilled_link(shop)
    keys_url = (await press_reveal(shop, path)).headers["location"]

    answers = await asyncio.gather(*(shop.client.get(keys_url) for _ in range(4)))

    shown = [a for a in answers if KEYS[0] in a.text]
    assert len(shown) == 1, [a.status_code for a in answers]
    assert all(HIDDEN in a.text for a in answers if a not in shown)
    assert await reveals(shop, order["id"]) == (1, len(KEYS))


async def test_forms_without_their_pages_token_are_refused_and_change_nothing(shop: Shop) -> None:
    order, path = await fulfilled_link(shop)
    other = path_of(await link_for(shop, await another_order(shop, "KEY-ANOTHER")))
    theirs = csrf_in((await shop.client.get(other)).text)
    emails_before = len((await order_details(shop, order["id"]))["emails"])
    key_id = (await order_details(shop, order["id"]))["keys"][0]["id"]

    refused = [
        await shop.client.post(f"{path}/reveal", data=form, follow_redirects=False)
        for form in ({}, {"csrf_token": "0" * 64}, {"csrf_token": theirs})
    ]
    refused.append(await shop.client.post(f"{path}/report", data={"key_id": key_id, "message": "Broken"}))
    refused.append(
        await shop.client.post(f"{path}/fresh-link", data={"csrf_token": theirs}, follow_redirects=False)
    )

    for answer in refused:
        assert answer.status_code == 403, answer.text
        assert "location" not in answer.headers
        assert "This form has expired" in answer.text
    assert_no_key(*refused)
    assert await reveals(shop, order["id"]) == (0, 0)
    assert (await shop.client.get("/admin/key-reports?status=open", headers=shop.admin)).json() == []
    assert len((await order_details(shop, order["id"]))["emails"]) == emails_before


async def test_an_expired_link_emails_a_fresh_one_to_the_orders_address(
    clocked_shop: Shop, clock: FrozenClock
) -> None:
    shop = clocked_shop
    order, path = await fulfilled_path(shop)
    clock.advance(timedelta(minutes=15))

    page = await shop.client.get(path)
    answer = await shop.client.post(f"{path}/fresh-link", data={"csrf_token": csrf_in(page.text)})

    assert page.status_code == 410
    assert_page_headers(page)
    assert "This link has expired" in page.text
    assert f'action="{path}/fresh-link"' in page.text
    assert "Email me a fresh link" in page.text
    assert "/reveal" not in page.text
    assert answer.status_code == 200, answer.text
    assert "We have emailed a fresh delivery link" in answer.text
    for shown in (page, answer):
        assert "player@example.com" not in shown.text
        assert order["id"] not in shown.text
    # No link in the answer: the only /d/ address on it would be the page's own.
    assert "/d/" not in answer.text
    assert_no_key(page, answer)
    emails = (await order_details(shop, order["id"]))["emails"]
    assert [e["kind"] for e in emails].count("link_requested") == 1


async def test_the_fresh_link_button_is_limited_per_order(clocked_shop: Shop, clock: FrozenClock) -> None:
    shop = clocked_shop
    order, path = await fulfilled_path(shop)
    clock.advance(timedelta(minutes=16))
    form = {"csrf_token": csrf_in((await shop.client.get(path)).text)}

    answers = [await shop.client.post(f"{path}/fresh-link", data=form) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "already on its way" in answers[1].text
    assert int(answers[3].headers["retry-after"]) >= 1
    assert "Please wait a moment" in answers[3].text
    emails = (await order_details(shop, order["id"]))["emails"]
    assert [e["kind"] for e in emails].count("link_requested") == 1


async def test_a_refunded_order_gets_no_fresh_link(clocked_shop: Shop, clock: FrozenClock) -> None:
    shop = clocked_shop
    order, path = await fulfilled_path(shop)
    await shop.pay(order, "refunded")
    clock.advance(timedelta(minutes=15))

    answer = await shop.client.post(
        f"{path}/fresh-link", data={"csrf_token": csrf_in((await shop.client.get(path)).text)}
    )

    assert answer.status_code == 410
    assert "was refunded" in answer.text
    emails = (await order_details(shop, order["id"]))["emails"]
    assert "link_requested" not in [e["kind"] for e in emails]


async def test_a_forged_link_is_gone_with_no_offer_of_a_fresh_one(shop: Shop) -> None:
    order, path = await fulfilled_link(shop)
    token = path.removeprefix("/d/")
    forged = f"/d/{token[:-2]}{'AA' if token[-2:] != 'AA' else 'BB'}"
    form = {"csrf_token": csrf_in((await shop.client.get(path)).text)}

    page = await shop.client.get(forged)
    asked = await shop.client.post(f"{forged}/fresh-link", data=form)
    keys = await shop.client.get(f"{forged}/keys", params={"r": "x"})

    for answer in (page, asked, keys):
        assert answer.status_code == 410
        assert_page_headers(answer)
        assert "This link no longer works" in answer.text
        assert "fresh-link" not in answer.text
        assert "<form" not in answer.text
        assert order["id"] not in answer.text
    emails = (await order_details(shop, order["id"]))["emails"]
    assert "link_requested" not in [e["kind"] for e in emails]


async def test_a_report_answers_in_the_shops_layout_and_reaches_the_console(shop: Shop) -> None:
    order, path = await fulfilled_link(shop)
    keys_page = await reveal_page(shop, path)
    [key_id, *_] = re.findall(r'name="key_id" value="([^"]+)"', keys_page.text)

    answer = await shop.client.post(
        f"{path}/report",
        data={"key_id": key_id, "message": "Steam says it is used", "csrf_token": csrf_in(keys_page.text)},
    )
    empty = await shop.client.post(
        f"{path}/report", data={"key_id": key_id, "message": " ", "csrf_token": csrf_in(keys_page.text)}
    )

    assert answer.status_code == 200, answer.text
    assert_page_headers(answer)
    assert "<h1>Report received</h1>" in answer.text
    assert f'href="{path}"' in answer.text
    assert empty.status_code == 400
    assert_no_key(answer, empty)
    reports = (await shop.client.get("/admin/key-reports?status=open", headers=shop.admin)).json()
    assert [(r["keyId"], r["orderId"]) for r in reports] == [(key_id, order["id"])]
