"""The console's Overview, Orders and Order pages (docs/console.md, "The pages"): what an operator
reads and the actions they take on an order, through the signed-in client harness."""

import html
import re
from datetime import timedelta
from typing import Any

import httpx

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.domain.ids import new_id
from bitloot.domain.money import Money
from bitloot.domain.operator_audit import ActionKind, ActorKind, OperatorAction
from bitloot.domain.operators import Role
from bitloot.domain.order import Order, OrderItem
from tests.http.conftest import Shop
from tests.http.console_harness import ConsoleShop

KEY = "KEY-CONSOLE-SECRET-AAAA"
SPARE = "KEY-CONSOLE-SPARE-BBBB"
MORE = "KEY-CONSOLE-MORE-CCCC"
KNOWN_KEYS = (KEY, SPARE, MORE)
ROW_LINK = re.compile(r'<td data-label="Order" class="id"><a href="/console/orders/([^"]+)">')


def no_key_in(*answers: httpx.Response) -> None:
    for answer in answers:
        for key in KNOWN_KEYS:
            assert key not in answer.text, answer.url


def listed(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return ROW_LINK.findall(answer.text)


def next_link(answer: httpx.Response) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', answer.text)
    return html.unescape(found.group(1)) if found else None


async def actions(console_shop: ConsoleShop) -> list[OperatorAction]:
    async with console_shop.request() as request:
        return await (await request.get(ListOperatorActions)).execute(100)


async def paid(
    shop: Shop, keys: list[str], quantity: int = 1, sku: str = "GAME-1"
) -> tuple[dict[str, Any], dict[str, Any]]:
    product = await shop.product(keys, sku=sku)
    order = await shop.order(product["id"], quantity=quantity)
    await shop.pay(order)
    return product, order


async def failed_out_of_stock(
    shop: Shop,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A product of one key and two orders of it, both paid: the first fulfilled, the second failed
    (no key left). The product and the two orders."""
    product = await shop.product([KEY])
    first, second = await shop.order(product["id"]), await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second)
    return product, first, second


def key_ids(page: httpx.Response) -> list[str]:
    return re.findall(r'<td data-label="Key id" class="id">([^<]+)</td>', page.text)


def cell(page: httpx.Response, state: str, window: str) -> str:
    found = re.search(rf'data-state="{state}" data-window="{window}">(?:<a href="[^"]+">)?(\d+)', page.text)
    assert found, (state, window)
    return found.group(1)


async def test_the_overview_shows_the_numbers_of_the_shop_with_links(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    product = await shop.product([KEY])
    first, second = await shop.order(product["id"]), await shop.order(product["id"])
    await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second)  # no key left: failed
    owner = await console_shop.sign_in(Role.OWNER)

    page = await owner.get("/console")

    assert page.status_code == 200
    assert (cell(page, "fulfilled", "today"), cell(page, "failed", "today")) == ("1", "1")
    assert (cell(page, "awaiting_payment", "today"), cell(page, "refunded", "today")) == ("1", "0")
    assert cell(page, "failed", "week") == "1"
    failed = re.search(r'id="failed">.*?<p class="figure"><a href="([^"]+)">(\d+)</a>', page.text, re.S)
    assert failed
    assert (html.unescape(failed.group(1)), failed.group(2)) == ("/console/orders?state=failed", "1")
    assert f'href="/console/orders/{second["id"]}"' in page.text
    low = re.search(r'id="low-stock">.*?<p class="figure"><a href="([^"]+)">(\d+)</a>', page.text, re.S)
    reports = re.search(r'id="key-reports">.*?<p class="figure"><a href="([^"]+)">(\d+)</a>', page.text, re.S)
    assert low
    assert reports
    assert (low.groups(), reports.groups()) == (
        ("/console/products?stock=low", "1"),
        ("/console/key-reports", "0"),
    )
    assert "Latest operator actions" in page.text
    assert "signed in" in page.text
    assert 'href="/console/orders"' in page.text, "the Orders menu entry links to the list"
    assert listed(await owner.get(html.unescape(failed.group(1)))) == [second["id"]]
    no_key_in(page)

    console_shop.clock.advance(timedelta(days=1))
    tomorrow = await (await console_shop.sign_in(Role.OWNER)).get("/console")
    assert (cell(tomorrow, "failed", "today"), cell(tomorrow, "failed", "week")) == ("0", "1")


async def test_search_by_id_email_ignoring_case_payment_id_and_state(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    product, order = await paid(shop, [KEY, SPARE])
    other = await shop.order(product["id"])
    support = await console_shop.sign_in(Role.SUPPORT)
    details = (await shop.client.get(f"/admin/orders/{order['id']}", headers=shop.admin)).json()
    [payment] = details["payments"]
    reference = payment["paymentId"]

    by_id = await support.get(f"/console/orders?q={order['id']}")
    assert listed(by_id) == [order["id"]]
    assert "player@example.com" in by_id.text
    assert "19.99 EUR" in by_id.text
    assert "1 item(s), 1 unit(s)" in by_id.text
    assert listed(await support.get("/console/orders?q=PLAYER%40Example.com")) == [other["id"], order["id"]]
    assert listed(await support.get(f"/console/orders?q={reference}")) == [order["id"]]
    assert listed(await support.get("/console/orders?state=fulfilled")) == [order["id"]]
    assert listed(await support.get("/console/orders?state=fulfilled&state=awaiting_payment")) == [
        other["id"], order["id"],
    ]  # fmt: skip
    assert listed(await support.get("/console/orders?state=failed")) == []
    assert "No orders match." in (await support.get("/console/orders?q=nobody%40example.com")).text
    today = console_shop.clock.now().date()
    assert len(listed(await support.get(f"/console/orders?from={today}&to={today}"))) == 2
    assert listed(await support.get(f"/console/orders?from={today + timedelta(days=1)}")) == []
    no_key_in(by_id)


async def test_bad_search_input_shows_the_form_with_a_400(console_shop: ConsoleShop) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    for query, message in [
        ("cursor=not-a-cursor", ""),
        ("from=yesterday", "The from date is not a date (YYYY-MM-DD)."),
        ("to=2026-13-01", "The to date is not a date (YYYY-MM-DD)."),
        ("from=2026-02-01&to=2026-01-01", "The date range ends before it starts."),
        ("state=shipped", "Choose states from the list."),
        ("q=" + "x" * 255, "A search is at most 254 characters."),
    ]:
        answer = await owner.get(f"/console/orders?{query}")
        assert answer.status_code == 400, query
        assert 'class="error" role="alert"' in answer.text
        assert message in answer.text
        assert '<form method="get" action="/console/orders"' in answer.text


async def test_paging_over_a_few_hundred_orders_has_no_gaps_or_repeats(console_shop: ConsoleShop) -> None:
    product = await console_shop.shop.product([])
    start = console_shop.clock.now() - timedelta(hours=5)
    made = set()
    async with console_shop.request() as request:
        uow = await request.get(UnitOfWork)
        for n in range(230):
            at = start + timedelta(seconds=n // 3)  # three orders per instant: ties on the page edge
            order = Order(
                id=new_id(),
                email=f"buyer{n}@example.com",
                currency="EUR",
                items=[OrderItem(new_id(), product["id"], 1, Money.of("19.99", "EUR"))],
                access_token_hash="x" * 64,
                created_at=at,
                updated_at=at,
            )
            await uow.orders.add(order)
            made.add(order.id)
        await uow.commit()
    support = await console_shop.sign_in(Role.SUPPORT)

    seen: list[str] = []
    path: str | None = "/console/orders?state=awaiting_payment"
    pages = 0
    while path:
        answer = await support.get(path)
        seen += listed(answer)
        path = next_link(answer)
        if path:
            assert "state=awaiting_payment" in path, "the next page keeps the filters"
        pages += 1

    assert pages == 5
    assert len(seen) == len(set(seen)) == 230
    assert set(seen) == made


async def test_the_order_page_of_a_paid_fulfilled_revealed_refunded_order(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    clock = console_shop.clock
    product, order = await paid(shop, [KEY])
    clock.advance(timedelta(minutes=1))
    revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    [key] = revealed.json()["keys"]
    clock.advance(timedelta(minutes=1))
    report = await shop.client.post(
        f"/fulfillment/{order['id']}/reports",
        headers=shop.bearer(order),
        json={"keyId": key["keyId"], "message": "<script>alert('x')</script> used"},
    )
    assert report.status_code == 201, report.text
    clock.advance(timedelta(minutes=1))
    owner = await console_shop.sign_in(Role.OWNER)
    refunded = await owner.post(f"/console/orders/{order['id']}/refund", {"reason": "chargeback"})
    assert refunded.status_code == 303
    assert refunded.headers["location"] == f"/console/orders/{order['id']}?done=refunded"

    page = await owner.get(refunded.headers["location"])

    assert page.status_code == 200
    assert "The order is marked refunded" in page.text
    assert "refunded" in page.text
    assert "player@example.com" in page.text
    assert product["name"] in page.text
    kinds = re.findall(r'<tr data-kind="([^"]+)">', page.text)
    firsts = [
        kinds.index(k)
        for k in ("placed", "payment", "key delivered", "reveal", "key report", "operator action")
    ]
    assert firsts == sorted(firsts), kinds
    assert "Order refunded" in page.text or "order refunded" in page.text.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; used" in page.text
    assert "<script>" not in page.text
    assert key_ids(page) == [key["keyId"]]
    assert "<dt>ip</dt><dd>testclient</dd>" in page.text, "an owner sees the client address in full"
    support = await console_shop.sign_in(Role.SUPPORT)
    masked = await support.get(f"/console/orders/{order['id']}")
    assert masked.status_code == 200
    assert "<dt>ip</dt><dd>hidden</dd>" in masked.text, "support sees the reveal's address masked"
    assert "<dt>ip</dt><dd>testclient</dd>" not in masked.text
    assert "Mark refunded" not in masked.text
    no_key_in(page, masked)


async def test_retry_is_refused_with_its_reason_while_out_of_stock_and_accepted_after_import(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    product, _, second = await failed_out_of_stock(shop)
    support = await console_shop.sign_in(Role.SUPPORT)

    refused = await support.post(f"/console/orders/{second['id']}/retry")

    assert refused.status_code == 409
    assert "1 key of GAME-1 needed, 0 in stock: import keys first. Nothing was changed." in refused.text
    assert not [a for a in await actions(console_shop) if a.kind is ActionKind.FULFILLMENT_RETRIED]
    imported = await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": [MORE]}, headers=shop.admin
    )
    assert imported.status_code == 201

    retried = await support.post(f"/console/orders/{second['id']}/retry")

    assert retried.status_code == 303
    page = await support.get(retried.headers["location"])
    assert "Fulfilment queued again." in page.text
    assert "fulfilled" in page.text
    assert len(key_ids(page)) == 1
    [action] = [a for a in await actions(console_shop) if a.kind is ActionKind.FULFILLMENT_RETRIED]
    assert (action.actor.kind, action.actor.label) == (ActorKind.OPERATOR, support.email.lower())
    assert action.target_id == second["id"]
    no_key_in(refused, page)


async def test_resend_and_replace_from_the_order_page(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    _, order = await paid(shop, [KEY, SPARE])
    support = await console_shop.sign_in(Role.SUPPORT)
    before = await support.get(f"/console/orders/{order['id']}")
    [old] = key_ids(before)

    resent = await support.post(f"/console/orders/{order['id']}/resend")
    replaced = await support.post(
        f"/console/orders/{order['id']}/keys/{old}/replace", {"reason": "Steam says used"}
    )
    twice = await support.post(f"/console/orders/{order['id']}/keys/{old}/replace", {"reason": "again"})

    assert resent.status_code == 303
    assert (
        "The delivery email is queued to be sent again."
        in (await support.get(resent.headers["location"])).text
    )
    assert replaced.status_code == 303
    page = await support.get(replaced.headers["location"])
    assert "The key is replaced" in page.text
    ids = key_ids(page)
    assert len(ids) == 2
    assert old in ids
    [new] = [k for k in ids if k != old]
    assert f"replaced by {new}" in page.text
    assert page.text.count('/replace" class="replace">') == 1, "only the live key can be replaced"
    assert twice.status_code == 303, "the same replacement asked twice is done once"
    assert len(key_ids(await support.get(f"/console/orders/{order['id']}"))) == 2
    kinds = [(a.kind, a.actor.label) for a in await actions(console_shop) if a.target_id == order["id"]]
    email = support.email.lower()
    assert (ActionKind.EMAIL_RESENT, email) in kinds
    assert kinds.count((ActionKind.KEY_REPLACED, email)) == 1
    no_key_in(before, resent, replaced, page, twice)


async def test_refund_is_for_owners_and_needs_a_reason(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    _, order = await paid(shop, [KEY])
    support = await console_shop.sign_in(Role.SUPPORT)
    owner = await console_shop.sign_in(Role.OWNER)
    path = f"/console/orders/{order['id']}/refund"

    forbidden = await support.post(path, {"reason": "chargeback"})
    no_reason = await owner.post(path, {"reason": "  "})

    assert forbidden.status_code == 403
    assert no_reason.status_code == 400
    page = await owner.get(f"/console/orders/{order['id']}")
    assert '<span class="state state-fulfilled">' in page.text
    assert not [a for a in await actions(console_shop) if a.kind is ActionKind.ORDER_REFUNDED]

    done = await owner.post(path, {"reason": "chargeback"})
    twice = await owner.post(path, {"reason": "again"})

    assert done.status_code == 303
    assert twice.status_code == 409
    assert "refunded cannot be marked refunded" in twice.text
    [action] = [a for a in await actions(console_shop) if a.kind is ActionKind.ORDER_REFUNDED]
    assert action.actor.label == owner.email.lower()
    assert "chargeback" in action.detail


async def test_every_action_without_its_csrf_token_is_refused_and_changes_nothing(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    _, order = await paid(shop, [KEY, SPARE])
    owner = await console_shop.sign_in(Role.OWNER)
    [key_id] = key_ids(await owner.get(f"/console/orders/{order['id']}"))
    recorded = len(await actions(console_shop))
    base = f"/console/orders/{order['id']}"

    answers = [
        await owner.post(f"{base}/retry", csrf=False),
        await owner.post(f"{base}/resend", csrf=False),
        await owner.post(f"{base}/keys/{key_id}/replace", {"reason": "x"}, csrf=False),
        await owner.post(f"{base}/refund", {"reason": "x"}, csrf=False),
        await owner.post(f"{base}/refund", {"reason": "x", "csrf_token": "forged"}),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert all("Form refused" in a.text for a in answers)
    assert len(await actions(console_shop)) == recorded
    page = await owner.get(base)
    assert key_ids(page) == [key_id]
    assert "revoked" not in page.text
    assert '<span class="state state-fulfilled">' in page.text


async def test_an_unknown_order_is_a_friendly_404(console_shop: ConsoleShop) -> None:
    support = await console_shop.sign_in(Role.SUPPORT)
    missing = await support.get("/console/orders/no-such-order")
    retry = await support.post("/console/orders/no-such-order/retry")
    assert (missing.status_code, retry.status_code) == (404, 404)
    assert "There is no order <code>no-such-order</code>" in missing.text
    assert "No such order." in retry.text or "No such order" in retry.text
    assert 'href="/console/orders"' in missing.text
