"""The customer's order page over HTTP (docs/http-api.md): `/o/{token}` in each state, its live
updates (Server-Sent Events), "email me a fresh delivery link", "Lost your email?" (`/o/lookup`), the
payment return pages and the simulator leading there, and what a forged or expired link gets."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from dishka import Provider, Scope, provide
from litestar.testing import AsyncTestClient

from bitloot.application.use_cases.follow_order import FollowSettings
from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.fakes.clock import FrozenClock
from tests.http.conftest import ClockProvider, Shop, assert_problem, open_live_shop, open_shop, order_details
from tests.support.sqlite_template import upgrade_from_template

KEYS = ["KEY-ORDER-PAGE-1111", "KEY-ORDER-PAGE-2222"]


class QuickWatch(Provider):
    """Live updates that look every 20 ms instead of every 1.5 s."""

    @provide(scope=Scope.APP, override=True)
    def follow_settings(self) -> FollowSettings:
        return FollowSettings(every_seconds=0.02, max_looks=500)


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    async with open_shop(tmp_path, QuickWatch()) as opened:
        yield opened


async def limited_shop(data_dir: Path, **limits: str) -> AsyncIterator[Shop]:
    environment = {
        "BITLOOT_DATA_DIR": str(data_dir),
        "BITLOOT_ENV": "test",
        "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
        **{f"BITLOOT_{name}": value for name, value in limits.items()},
    }
    settings = load_settings(environment)
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True))
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)


def page_path(order: dict[str, Any]) -> str:
    url: str = order["orderPageUrl"]
    assert url.startswith("https://shop.example/o/")
    return urlsplit(url).path


async def placed(shop: Shop, sku: str = "GAME-1") -> dict[str, Any]:
    keys = KEYS if sku == "GAME-1" else [f"{key}-{sku}" for key in KEYS]
    product = await shop.product(keys, sku=sku)
    return await shop.order(product["id"], quantity=2)


async def fulfilled(shop: Shop, sku: str = "GAME-1") -> dict[str, Any]:
    order = await placed(shop, sku)
    await shop.pay(order)
    return order


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def opened(shop: Shop, order: dict[str, Any]) -> tuple[str, str]:
    """`order`'s page as the customer opens it: its path, and the CSRF token of its forms."""
    path = page_path(order)
    return path, csrf_of((await shop.client.get(path)).text)


def assert_customer_page(answer: Any, status: int = 200) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in answer.headers["content-security-policy"]


def assert_nothing_secret(html: str, order: dict[str, Any]) -> None:
    assert not any(key in html for key in KEYS)
    assert order["email"] not in html
    assert order["accessToken"] not in html
    assert "/d/" not in html


async def kinds_of_emails(shop: Shop, order: dict[str, Any]) -> list[str]:
    return [email["kind"] for email in (await order_details(shop, order["id"]))["emails"]]


# --- the page in each state ------------------------------------------------------------------------


async def test_an_order_awaiting_payment_shows_its_items_and_the_pay_button_and_follows_live(
    shop: Shop,
) -> None:
    order = await placed(shop)

    answer = await shop.client.get(page_path(order))

    assert_customer_page(answer)
    html = answer.text
    assert "Waiting for your payment" in html
    assert "Game GAME-1" in html
    assert "<td>2</td>" in html
    assert f"Pay {order['total']} EUR" in html
    assert f'href="{order["paymentUrl"]}"' in html
    assert f'data-order-events="{page_path(order)}/events"' in html
    assert '<script src="/assets/site/order-live.js"></script>' in html
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in html
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert_nothing_secret(html, order)


async def test_an_underpaid_order_shows_the_missing_amount_and_how_to_pay_it(shop: Shop) -> None:
    order = await placed(shop)
    body, headers = shop.ipn(order, "partially_paid", actually_paid=0.0001)
    assert (await shop.client.post("/payments/ipn", content=body, headers=headers)).status_code == 200

    html = (await shop.client.get(page_path(order))).text

    assert "Part of your payment arrived" in html
    assert "We received <strong>0.0001 BTC</strong>" in html
    assert '<strong id="missing">0.00022 BTC</strong> is still missing' in html
    assert f'href="{order["paymentUrl"]}"' in html
    assert "Pay the missing amount" in html


async def test_a_fulfilled_order_offers_a_fresh_link_says_how_often_keys_were_revealed_and_stops(
    shop: Shop,
) -> None:
    order = await fulfilled(shop)
    revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    assert revealed.status_code == 200

    answer = await shop.client.get(page_path(order))

    assert_customer_page(answer)
    html = answer.text
    assert "Your keys are ready" in html
    assert "Email me a fresh delivery link" in html
    assert f'action="{page_path(order)}/delivery-link"' in html
    assert "Your keys were revealed once." in html
    # Nothing changes by itself any more: no script, no refresh, no live connection.
    assert "order-live.js" not in html
    assert "http-equiv" not in html
    assert "script-src" not in answer.headers["content-security-policy"]
    assert_nothing_secret(html, order)


async def test_a_refunded_order_says_so_and_offers_no_link(shop: Shop) -> None:
    order = await fulfilled(shop)
    await shop.pay(order, "refunded")

    html = (await shop.client.get(page_path(order))).text

    assert "Refunded" in html
    assert "no longer available" in html
    assert "Email me a fresh delivery link" not in html
    assert "Questions about this order?" in html


async def test_the_support_address_is_on_the_page_when_the_shop_has_one(tmp_path: Path) -> None:
    async for shop in limited_shop(tmp_path, SUPPORT_EMAIL="help@shop.example"):
        order = await placed(shop)
        await shop.pay(order, "expired")

        html = (await shop.client.get(page_path(order))).text

        assert "The payment window closed" in html
        assert 'Write to <a href="mailto:help@shop.example">help@shop.example</a>' in html


# --- live updates ----------------------------------------------------------------------------------


async def test_the_events_follow_the_order_to_fulfilled_and_end(tmp_path: Path) -> None:
    async with open_live_shop(tmp_path, QuickWatch()) as shop:
        order = await placed(shop)

        async def pay_soon() -> None:
            await asyncio.sleep(0.3)
            await shop.pay(order)

        # The test transport hands over the body once the stream ended: it ends once fulfilled.
        stream, _ = await asyncio.gather(shop.client.get(f"{page_path(order)}/events"), pay_soon())

    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["cache-control"] == "no-store"
    states = [line.removeprefix("data: ") for line in stream.text.splitlines() if line.startswith("data: ")]
    assert states[0] == "awaiting_payment"
    assert states[-1] == "fulfilled"
    assert set(states) <= {"awaiting_payment", "paid", "fulfilling", "fulfilled"}
    assert "event: state" in stream.text


async def test_the_events_of_a_forged_link_are_a_410(shop: Shop) -> None:
    order = await placed(shop)

    answer = await shop.client.get(f"{page_path(order)}x/events")

    assert_problem(answer, 410)
    assert answer.headers["cache-control"] == "no-store"


# --- "email me a fresh delivery link" --------------------------------------------------------------


async def test_a_fresh_link_is_emailed_once_and_the_page_says_so(shop: Shop) -> None:
    order = await fulfilled(shop)
    path, token = await opened(shop, order)

    answer = await shop.client.post(
        f"{path}/delivery-link", data={"csrf_token": token}, follow_redirects=False
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{path}?link=sent"
    assert (await kinds_of_emails(shop, order)).count("link_requested") == 1
    after = await shop.client.get(answer.headers["location"])
    assert "We sent a fresh link to the address of the order." in after.text
    assert_nothing_secret(after.text, order)


async def test_a_fresh_link_form_without_its_token_changes_nothing(shop: Shop) -> None:
    order = await fulfilled(shop)
    path = page_path(order)
    other = await fulfilled(shop, sku="GAME-2")
    # The token of another order's page fits only that page.
    _, foreign = await opened(shop, other)

    for sent in ({}, {"csrf_token": foreign}, {"csrf_token": ""}):
        answer = await shop.client.post(f"{path}/delivery-link", data=sent, follow_redirects=False)
        assert_customer_page(answer, 403)
        assert "nothing was sent" in answer.text
    assert "link_requested" not in await kinds_of_emails(shop, order)


async def test_a_refunded_order_gets_no_fresh_link(shop: Shop) -> None:
    order = await fulfilled(shop)
    path, token = await opened(shop, order)
    await shop.pay(order, "refunded")

    answer = await shop.client.post(f"{path}/delivery-link", data={"csrf_token": token})

    assert_customer_page(answer, 410)
    assert "This order was refunded, so its keys can no longer be sent." in answer.text
    assert "link_requested" not in await kinds_of_emails(shop, order)


async def test_fresh_links_are_limited_per_order(shop: Shop) -> None:
    order = await fulfilled(shop)
    path, token = await opened(shop, order)

    answers = [
        await shop.client.post(f"{path}/delivery-link", data={"csrf_token": token}, follow_redirects=False)
        for _ in range(4)
    ]

    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    assert int(answers[-1].headers["retry-after"]) > 0
    assert "please wait a minute" in answers[-1].text


# --- forged and expired links ----------------------------------------------------------------------


async def test_a_forged_link_gets_the_friendly_410_page_that_offers_the_lookup(shop: Shop) -> None:
    order = await fulfilled(shop)
    path = page_path(order)
    delivery = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
    delivery_token = urlsplit(delivery.json()["signedUrl"]).path.removeprefix("/d/")

    for bad in (path[:-3] + "abc", "/o/nonsense", f"/o/{delivery_token}", "/o/" + "a" * 2000):
        answer = await shop.client.get(bad)
        assert_customer_page(answer, 410)
        assert "This order link has expired" in answer.text
        assert 'href="/o/lookup"' in answer.text
    posted = await shop.client.post(f"{path[:-3]}abc/delivery-link", data={"csrf_token": "x"})
    assert_customer_page(posted, 410)


async def test_an_order_page_link_expires_after_30_days(tmp_path: Path) -> None:
    clock = FrozenClock()
    async with open_shop(tmp_path, ClockProvider(clock)) as shop:
        order = await placed(shop)
        clock.advance(timedelta(days=30) - timedelta(seconds=1))
        assert (await shop.client.get(page_path(order))).status_code == 200

        clock.advance(timedelta(seconds=1))

        assert_customer_page(await shop.client.get(page_path(order)), 410)


async def test_the_order_page_is_limited_per_client_address(tmp_path: Path) -> None:
    async for shop in limited_shop(tmp_path, ORDER_PAGE_LIMIT_PER_IP="3"):
        order = await placed(shop)
        path = page_path(order)

        answers = [await shop.client.get(path) for _ in range(3)]
        over = await shop.client.get(path)
        events = await shop.client.get(f"{path}/events")

        assert [a.status_code for a in answers] == [200] * 3
        assert_customer_page(over, 429)
        assert int(over.headers["retry-after"]) > 0
        assert_problem(events, 429)


# --- "Lost your email?" ----------------------------------------------------------------------------


async def lookup_form(shop: Shop) -> str:
    answer = await shop.client.get("/o/lookup")
    assert_customer_page(answer)
    assert "bitloot_form" in shop.client.cookies  # set by the first visit, kept after
    assert '<label for="order_id">Order id</label>' in answer.text
    assert '<label for="email">Email address</label>' in answer.text
    return csrf_of(answer.text)


async def look_up(shop: Shop, order_id: str, email: str, token: str | None = None) -> Any:
    data = {"order_id": order_id, "email": email, "csrf_token": token or await lookup_form(shop)}
    return await shop.client.post("/o/lookup", data=data)


async def test_a_lookup_answers_the_same_whether_or_not_the_order_matches(shop: Shop) -> None:
    order = await placed(shop)
    other = await placed(shop, sku="GAME-2")

    wrong_email = await look_up(shop, order["id"], "someone@example.com")
    unknown_order = await look_up(shop, "0196a3c2-7b1e-7c3a-9f00-1234567890ab", order["email"])
    match = await look_up(shop, order["id"], order["email"].upper())

    for answer in (wrong_email, unknown_order, match):
        assert_customer_page(answer)
        assert "If an order with this id was placed with this email address" in answer.text
    assert wrong_email.text == unknown_order.text == match.text
    assert "order_link" not in await kinds_of_emails(shop, other)
    assert (await kinds_of_emails(shop, order)).count("order_link") == 1
    assert_nothing_secret(match.text, order)
    assert page_path(order) not in match.text


async def test_a_lookup_without_its_form_token_changes_nothing(shop: Shop) -> None:
    order = await placed(shop)
    await lookup_form(shop)

    answer = await look_up(shop, order["id"], order["email"], token="0" * 64)

    assert_customer_page(answer, 403)
    assert "order_link" not in await kinds_of_emails(shop, order)


@pytest.mark.parametrize(
    ("order_id", "email", "said"),
    [
        ("not-an-order-id", "player@example.com", "An order id looks like"),
        ("0196a3c2-7b1e-7c3a-9f00-1234567890ab", "", "Enter both"),
        ("", "player@example.com", "Enter both"),
        ("0196a3c2-7b1e-7c3a-9f00-1234567890ab", "not an address", "The email address is not valid."),
        ("x" * 5000, "player@example.com", "An order id looks like"),
    ],
)
async def test_bad_lookup_input_shows_the_form_again_with_a_400(
    shop: Shop, order_id: str, email: str, said: str
) -> None:
    answer = await look_up(shop, order_id, email)

    assert_customer_page(answer, 400)
    assert said in answer.text
    assert '<form method="post" action="/o/lookup">' in answer.text


async def test_lookups_are_limited_per_client_address(tmp_path: Path) -> None:
    async for shop in limited_shop(tmp_path, LOOKUP_LIMIT_PER_IP="2"):
        order = await placed(shop)
        token = await lookup_form(shop)

        answers = [await look_up(shop, order["id"], "someone@example.com", token) for _ in range(3)]

        assert [a.status_code for a in answers] == [200, 200, 429]
        assert_customer_page(answers[-1], 429)
        assert "Too many lookups" in answers[-1].text
        assert int(answers[-1].headers["retry-after"]) > 0


# --- the way back from paying ------------------------------------------------------------------------


async def test_placing_an_order_answers_its_order_page(shop: Shop) -> None:
    order = await placed(shop)

    assert "orderPageUrl" in order
    assert (await shop.client.get(page_path(order))).status_code == 200


async def test_paid_with_the_order_page_token_thanks_follows_live_and_leads_to_the_page(shop: Shop) -> None:
    order = await placed(shop)
    token = page_path(order).removeprefix("/o/")

    answer = await shop.client.get("/paid", params={"order": order["id"], "page": token})

    assert_customer_page(answer)
    assert "Thank you" in answer.text
    assert f'href="{page_path(order)}"' in answer.text
    assert f'data-order-events="{page_path(order)}/events"' in answer.text
    assert "order-live.js" in answer.text
    assert "connect-src 'self'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("params", [{}, {"order": "<script>x</script>"}, {"page": "forged.token"}])
async def test_paid_without_a_genuine_token_still_thanks_and_offers_the_lookup(
    shop: Shop, params: dict[str, str]
) -> None:
    answer = await shop.client.get("/paid", params=params)

    assert_customer_page(answer)
    assert "Thank you" in answer.text
    assert 'href="/o/lookup"' in answer.text
    assert "<script>x" not in answer.text
    assert "order-live.js" not in answer.text


async def test_cancelled_leads_back_to_the_order_to_pay_it(shop: Shop) -> None:
    order = await placed(shop)
    token = page_path(order).removeprefix("/o/")

    with_token = await shop.client.get("/cancelled", params={"order": order["id"], "page": token})
    without = await shop.client.get("/cancelled")

    assert_customer_page(with_token)
    assert f'href="{page_path(order)}"' in with_token.text
    assert_customer_page(without)
    assert 'href="/o/lookup"' in without.text


async def test_the_simulators_result_page_leads_to_paid_and_on_to_the_order_page(shop: Shop) -> None:
    order = await placed(shop)

    answer = await shop.client.post(f"/simulator/pay/{order['id']}", data={"status": "finished"})

    assert_customer_page(answer)
    back = answer.text.split('class="button" href="')[1].split('"')[0].replace("&amp;", "&")
    assert back.startswith("/paid?")
    query = parse_qs(urlsplit(back).query)
    assert query["order"] == [order["id"]]
    thanks = await shop.client.get(back)
    assert "Your keys are ready" in thanks.text
    assert f'href="/o/{query["page"][0]}"' in thanks.text
