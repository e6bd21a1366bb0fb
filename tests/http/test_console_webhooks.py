"""The console's webhook inbox: `/console/webhooks`, one delivery, replaying it (docs/console.md)."""

import html
import re

import pytest

from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.domain.operator_audit import ActionKind, ActorKind
from bitloot.domain.operators import Role
from bitloot.entrypoints.http.console import webhooks as webhook_pages
from tests.http.conftest import Shop, webhooks
from tests.http.console_harness import ConsoleShop, ConsoleUser

KEYS = ["KEY-INBOX-AAAA-1111", "KEY-INBOX-BBBB-2222", "KEY-INBOX-CCCC-3333"]
SCRIPT = "<script>alert('inbox')</script>"


def ids_in(page: str) -> list[str]:
    return re.findall(r'<td data-label="Received" class="nowrap"><a href="/console/webhooks/([^"]+)">', page)


def next_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', page)
    return html.unescape(found.group(1)) if found else None


async def three_paid_orders(shop: Shop) -> list[str]:
    """Three orders paid, each IPN sent twice: three `applied` and three `duplicate` deliveries."""
    product = await shop.product(KEYS)
    order_ids = []
    for _ in range(3):
        order = await shop.order(product["id"])
        await shop.pay(order)
        await shop.pay(order)
        order_ids.append(order["id"])
    return order_ids


async def test_the_inbox_lists_newest_first_filters_and_pages_with_its_filters(
    console_shop: ConsoleShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = console_shop.shop
    order_ids = await three_paid_orders(shop)
    listed = await webhooks(shop)
    support = await console_shop.sign_in(Role.SUPPORT)
    monkeypatch.setattr(webhook_pages, "PAGE", 2)

    everything = await support.get("/console/webhooks")
    first = await support.get("/console/webhooks?provider=nowpayments&outcome=duplicate")
    link = next_link(first.text)
    assert link is not None
    second = await support.get(link)

    assert everything.status_code == 200
    assert ids_in(everything.text) == [d["id"] for d in listed][:2]
    assert f'<a href="/console/orders/{order_ids[-1]}">' in everything.text
    assert "provider=nowpayments" in link
    assert "outcome=duplicate" in link
    duplicates = [d["id"] for d in listed if d["outcome"] == "duplicate"]
    assert ids_in(first.text) + ids_in(second.text) == duplicates
    assert next_link(second.text) is None
    assert 'value="duplicate"' in second.text, "the filter form keeps what was asked"
    assert "applied" not in "".join(re.findall(r'<span class="outcome[^>]*>([^<]*)<', second.text))
    future = await support.get("/console/webhooks?received_from=2999-01-01T00:00")
    assert future.status_code == 200
    assert ids_in(future.text) == []
    assert "No deliveries match." in future.text
    before = await support.get("/console/webhooks?received_to=2999-01-01T00:00:00%2B00:00")
    assert len(ids_in(before.text)) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cursor=zz", "The cursor is not valid; start again from the first page."),
        ("received_from=yesterday", "Received from is not a date and time"),
        ("received_to=2026-13-01T00:00", "Received before is not a date and time"),
        ("provider=paypal", "Choose a provider from the list."),
        ("outcome=" + "x" * 65, "No delivery has an outcome that long."),
    ],
)
async def test_a_bad_filter_or_cursor_shows_the_form_with_a_400(
    console_shop: ConsoleShop, query: str, message: str
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)

    answer = await owner.get(f"/console/webhooks?{query}")

    assert answer.status_code == 400
    assert message in html.unescape(answer.text)
    assert '<form method="get" action="/console/webhooks"' in answer.text


async def test_a_delivery_shows_its_body_escaped_and_never_its_signature(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    product = await shop.product(KEYS[:1])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order, order_description=SCRIPT)
    assert (await shop.client.post("/payments/ipn", content=body, headers=headers)).status_code == 200
    [delivery] = await webhooks(shop)
    support = await console_shop.sign_in(Role.SUPPORT)

    page = await support.get(f"/console/webhooks/{delivery['id']}")
    inbox = await support.get("/console/webhooks")

    assert page.status_code == 200
    assert SCRIPT not in page.text
    assert html.escape(SCRIPT, quote=False) in page.text.replace("&#39;", "'")
    pre = re.search(r'<pre class="raw-body">(.*?)</pre>', page.text, re.DOTALL)
    assert pre
    assert html.unescape(pre.group(1)) == body.decode()
    for answer in (page, inbox):
        assert headers["x-nowpayments-sig"] not in answer.text
        assert shop.settings.secrets.ipn_secret.decode() not in answer.text
        assert not any(key in answer.text for key in KEYS)
    assert f'<a href="/console/orders/{order["id"]}">' in page.text
    unknown = await support.get("/console/webhooks/0190d8d0-0000-7000-8000-000000000000")
    assert unknown.status_code == 404
    assert "No such webhook delivery." in unknown.text


async def replays_audited(console_shop: ConsoleShop) -> list[tuple[str, str, str | None]]:
    async with console_shop.request() as request:
        actions = await (await request.get(ListOperatorActions)).execute(50)
    return [
        (a.target_id, a.actor.label, a.actor.operator_id)
        for a in actions
        if a.kind is ActionKind.WEBHOOK_REPLAYED and a.actor.kind is ActorKind.OPERATOR
    ]


async def replay(user: ConsoleUser, delivery_id: str, *, csrf: bool = True) -> str:
    """Replays and follows the redirect; answers the replay's page."""
    answer = await user.post(f"/console/webhooks/{delivery_id}/replay", csrf=csrf)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.endswith("?done=replayed")
    return (await user.get(location)).text


@pytest.mark.parametrize("role", [Role.OWNER, Role.SUPPORT])
async def test_a_replay_opens_its_own_delivery_with_its_outcome_and_is_audited_as_the_operator(
    console_shop: ConsoleShop, role: Role
) -> None:
    shop = console_shop.shop
    product = await shop.product(KEYS[:1])
    order = await shop.order(product["id"])
    await shop.pay(order)
    [delivery] = await webhooks(shop)
    user = await console_shop.sign_in(role)

    page = await replay(user, delivery["id"])

    newest, _ = await webhooks(shop)
    assert newest["replayedFrom"] == delivery["id"]
    assert newest["outcome"] == "duplicate"
    assert f'<dd class="id">{newest["id"]}</dd>' in page
    assert "Replayed: this is the replay&#39;s own delivery; its outcome is duplicate." in page
    assert f'<a href="/console/webhooks/{delivery["id"]}">' in page, "it links the replayed delivery"
    [audited] = await replays_audited(console_shop)
    assert audited[0] == delivery["id"]
    assert audited[1] == user.email
    assert audited[2] is not None
    assert not any(key in page for key in KEYS[:1])


async def test_a_replay_without_its_csrf_token_is_refused_and_changes_nothing(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    product = await shop.product(KEYS[:1])
    order = await shop.order(product["id"])
    await shop.pay(order)
    [delivery] = await webhooks(shop)
    owner = await console_shop.sign_in(Role.OWNER)

    refused = await owner.post(f"/console/webhooks/{delivery['id']}/replay", csrf=False)

    assert refused.status_code == 403
    assert "Form refused" in refused.text
    assert len(await webhooks(shop)) == 1
    assert await replays_audited(console_shop) == []


async def test_replaying_an_unknown_delivery_is_a_404_page(console_shop: ConsoleShop) -> None:
    owner = await console_shop.sign_in(Role.OWNER)

    answer = await owner.post("/console/webhooks/0190d8d0-0000-7000-8000-000000000000/replay")

    assert answer.status_code == 404
    assert "No such webhook delivery." in answer.text
