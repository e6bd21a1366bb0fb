"""The order page offers only the actions the order's state allows and the operator's role may take
(domain/order_actions.py, docs/console.md); a page gone stale still posts them, and the use case
refuses with the reason. The products list's low-stock filter, and the overview's link to it."""

import html
import re

import httpx

from bitloot.domain.operator_audit import ActionKind
from bitloot.domain.operators import Role
from tests.http.console_harness import ConsoleShop, ConsoleUser
from tests.http.test_console_orders import KEY, MORE, SPARE, actions, failed_out_of_stock, no_key_in, paid

RETRY = "Retry fulfilment"
RESEND = "Resend delivery email"
REFUND = "Mark refunded"


def offered(page: httpx.Response, status: int = 200) -> set[str]:
    """The actions the order page offers, by the forms it carries."""
    assert page.status_code == status, page.text
    forms = {
        "retry": '/retry">',
        "resend": '/resend">',
        "replace": '/replace" class="replace">',
        "refund": '/refund" class="stack refund">',
    }
    return {name for name, tail in forms.items() if tail in page.text}


async def both(console_shop: ConsoleShop) -> tuple[ConsoleUser, ConsoleUser]:
    return await console_shop.sign_in(Role.OWNER), await console_shop.sign_in(Role.SUPPORT)


async def test_a_fulfilled_order_offers_resend_replace_and_refund_never_retry(
    console_shop: ConsoleShop,
) -> None:
    _, order = await paid(console_shop.shop, [KEY, SPARE])
    owner, support = await both(console_shop)
    path = f"/console/orders/{order['id']}"

    as_owner, as_support = await owner.get(path), await support.get(path)

    assert offered(as_owner) == {"resend", "replace", "refund"}
    assert offered(as_support) == {"resend", "replace"}
    for page in (as_owner, as_support):
        assert RETRY not in page.text
        assert "No action" not in page.text
    assert REFUND in as_owner.text
    assert REFUND not in as_support.text
    no_key_in(as_owner, as_support)


async def test_a_failed_order_offers_retry_and_refund_but_no_resend_or_replace(
    console_shop: ConsoleShop,
) -> None:
    _, _, second = await failed_out_of_stock(console_shop.shop)
    owner, support = await both(console_shop)
    path = f"/console/orders/{second['id']}"

    as_owner, as_support = await owner.get(path), await support.get(path)

    assert '<span class="state state-failed">' in as_owner.text
    assert offered(as_owner) == {"retry", "refund"}
    assert offered(as_support) == {"retry"}
    assert RESEND not in as_owner.text
    assert "<th>Replace</th>" not in as_owner.text


async def test_an_order_awaiting_payment_or_refunded_offers_nothing_and_says_so(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    product = await shop.product([KEY])
    waiting = await shop.order(product["id"])
    owner, support = await both(console_shop)
    _, refunded = await paid(shop, [SPARE], sku="GAME-2")
    assert (
        await owner.post(f"/console/orders/{refunded['id']}/refund", {"reason": "chargeback"})
    ).status_code == 303

    pages = [
        await user.get(f"/console/orders/{o['id']}") for o in (waiting, refunded) for user in (owner, support)
    ]

    assert [offered(page) for page in pages] == [set(), set(), set(), set()]
    assert "No action applies to an order that is awaiting payment." in pages[0].text
    assert "No action applies to an order that is refunded." in pages[2].text
    assert "<th>Replace</th>" not in pages[2].text, "a refunded order's keys are not replaced"
    assert "revoked" not in pages[2].text


async def test_support_on_a_paid_order_is_told_its_role_is_why_nothing_is_offered(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    product = await shop.product([KEY])
    order = await shop.order(product["id"])
    await shop.pay(order, "partially_paid")  # underpaid: only a refund applies, an owner's action
    owner, support = await both(console_shop)
    path = f"/console/orders/{order['id']}"

    as_owner, as_support = await owner.get(path), await support.get(path)

    assert '<span class="state state-underpaid">' in as_owner.text
    assert offered(as_owner) == {"refund"}
    assert offered(as_support) == set()
    assert "No action your role may take applies to an order that is underpaid." in as_support.text


async def test_a_stale_page_still_posts_and_each_action_is_refused_with_its_reason(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    _, fulfilled = await paid(shop, [KEY])
    waiting = await shop.order((await shop.product([SPARE], sku="GAME-2"))["id"])
    owner = await console_shop.sign_in(Role.OWNER)
    [key_id] = re.findall(
        r'/keys/([^/"]+)/replace"', (await owner.get(f"/console/orders/{fulfilled['id']}")).text
    )
    before = await actions(console_shop)

    retry = await owner.post(f"/console/orders/{fulfilled['id']}/retry")
    resend = await owner.post(f"/console/orders/{waiting['id']}/resend")
    refund = await owner.post(f"/console/orders/{waiting['id']}/refund", {"reason": "asked"})
    assert (await owner.post(f"/console/orders/{fulfilled['id']}/refund", {"reason": "x"})).status_code == 303
    replace = await owner.post(f"/console/orders/{fulfilled['id']}/keys/{key_id}/replace", {"reason": "used"})

    assert [a.status_code for a in (retry, resend, refund, replace)] == [409] * 4
    reasons = [
        "Only a failed or held order is retried; this one is fulfilled.",
        "Only a fulfilled order&#39;s email is sent again; this one is awaiting_payment.",
        "An order that is awaiting_payment cannot be marked refunded.",
        "Only a fulfilled order&#39;s keys are replaced; this one is refunded.",
    ]
    for answer, reason in zip((retry, resend, refund, replace), reasons, strict=True):
        assert f"{reason} Nothing was changed." in answer.text
    assert offered(retry, 409) == {"resend", "replace", "refund"}, "the refused page shows what applies now"
    assert offered(replace, 409) == set()
    after = await actions(console_shop)
    assert [a.kind for a in after if a not in before] == [ActionKind.ORDER_REFUNDED], (
        "only the refund that applied"
    )
    no_key_in(retry, resend, refund, replace)


async def test_after_a_retry_that_fulfils_the_page_no_longer_offers_retry(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    product, _, second = await failed_out_of_stock(shop)
    support = await console_shop.sign_in(Role.SUPPORT)
    path = f"/console/orders/{second['id']}"
    assert offered(await support.get(path)) == {"retry"}
    imported = await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": [MORE]}, headers=shop.admin
    )
    assert imported.status_code == 201

    retried = await support.post(f"{path}/retry")
    page = await support.get(retried.headers["location"])

    assert "Fulfilment queued again." in page.text
    assert '<span class="state state-fulfilled">' in page.text
    assert offered(page) == {"resend", "replace"}
    assert RETRY not in page.text


# --- products low on stock ----------------------------------------------------------------------


def skus(page: httpx.Response) -> list[str]:
    return re.findall(
        r'<td data-label="SKU" class="id"><a href="/console/products/[^"]+">([^<]+)</a>', page.text
    )


async def test_the_low_stock_filter_lists_only_products_at_or_below_their_threshold(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    low = await shop.product(["LOW-1"], sku="LOW")  # 1 available, threshold 5
    at = await shop.product(["AT-1", "AT-2"], sku="AT")
    plenty = await shop.product(["OK-1", "OK-2"], sku="PLENTY")
    unlisted = await shop.product([], sku="UNLISTED")
    for product, change in (
        (at, {"lowStockThreshold": 2}),
        (plenty, {"lowStockThreshold": 1}),
        (unlisted, {"listed": False}),
    ):
        answer = await shop.client.patch(f"/admin/products/{product['id']}", json=change, headers=shop.admin)
        assert answer.status_code == 200, answer.text
    support = await console_shop.sign_in(Role.SUPPORT)

    every = await support.get("/console/products")
    only_low = await support.get("/console/products?stock=low")

    assert skus(every) == ["AT", "LOW", "PLENTY", "UNLISTED"]
    assert skus(only_low) == ["AT", "LOW"], "at or below the threshold, listed and own stock only"
    assert "<h1>Products low on stock</h1>" in only_low.text
    assert 'href="/console/products?stock=low" aria-current="true">low on stock (2)</a>' in only_low.text
    assert 'href="/console/products" aria-current="true">all (4)</a>' in every.text
    overview = await support.get("/console")
    link = re.search(r'id="low-stock">.*?<p class="figure"><a href="([^"]+)">(\d+)</a>', overview.text, re.S)
    assert link
    assert (html.unescape(link.group(1)), link.group(2)) == ("/console/products?stock=low", "2")
    assert skus(await support.get(html.unescape(link.group(1)))) == ["AT", "LOW"]
    assert low["id"] in only_low.text


async def test_no_product_low_and_a_bad_stock_filter(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    product = await shop.product(["K-1"], sku="FINE")
    answer = await shop.client.patch(
        f"/admin/products/{product['id']}", json={"lowStockThreshold": 0}, headers=shop.admin
    )
    assert answer.status_code == 200
    owner = await console_shop.sign_in(Role.OWNER)

    none_low = await owner.get("/console/products?stock=low")
    bad = await owner.get("/console/products?stock=lots")

    assert none_low.status_code == 200
    assert skus(none_low) == []
    assert "No product is low on stock" in none_low.text
    assert bad.status_code == 400
    assert "Show all products, or those low on stock (stock=low)." in bad.text
    assert skus(bad) == ["FINE"], "the whole list, with the reason"
    assert "<script" not in bad.text
