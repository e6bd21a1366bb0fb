"""The console's key reports: a customer's report shows up; the operator replaces the key or
dismisses the report; a refusal is shown with its reason and changes nothing (docs/console.md)."""

import html
import re
from datetime import timedelta
from typing import Any

import pytest

from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.domain.operator_audit import ActionKind
from bitloot.domain.operators import Role
from tests.http.conftest import Shop, order_details
from tests.http.console_harness import ConsoleShop
from tests.http.test_delivery import csrf_in, fulfilled, link_for, path_of, reveal_page

KEY = "KEY-CONSOLE-REPORT-1111"
SPARE = "KEY-CONSOLE-SPARE-2222"
MESSAGE = "<b>Steam</b> says it was used"


async def reported(
    shop: Shop, keys: list[str], order: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str]:
    """A fulfilled order (or `order`, paid) whose customer reported its key from the keys page;
    (order, key id)."""
    order = order or await fulfilled(shop, keys, quantity=1)
    path = path_of(await link_for(shop, order))
    keys_page = await reveal_page(shop, path)
    [key_id] = re.findall(r'name="key_id" value="([^"]+)"', keys_page.text)
    answer = await shop.client.post(
        f"{path}/report",
        data={"key_id": key_id, "message": MESSAGE, "csrf_token": csrf_in(keys_page.text)},
    )
    assert "we received your report" in answer.text
    return order, key_id


def report_id_in(page: str) -> str:
    found = re.search(r'action="/console/key-reports/([^"/]+)/replace"', page)
    assert found, "an open report with its replace form"
    return found.group(1)


async def audited(console_shop: ConsoleShop, kind: ActionKind) -> list[str]:
    async with console_shop.request() as request:
        actions = await (await request.get(ListOperatorActions)).execute(50)
    return [a.actor.label for a in actions if a.kind is kind]


@pytest.mark.parametrize("role", [Role.OWNER, Role.SUPPORT])
async def test_a_reported_key_is_replaced_from_the_page(console_shop: ConsoleShop, role: Role) -> None:
    shop = console_shop.shop
    order, key_id = await reported(shop, [KEY, SPARE])
    user = await console_shop.sign_in(role)

    listing = await user.get("/console/key-reports")
    report_id = report_id_in(listing.text)
    replaced = await user.post(f"/console/key-reports/{report_id}/replace", {"reason": "used already"})
    after = await user.get(replaced.headers["location"])
    closed = await user.get("/console/key-reports?status=replaced")

    assert listing.status_code == 200
    assert f'<a href="/console/orders/{order["id"]}">' in listing.text
    assert key_id in listing.text
    assert html.escape(MESSAGE) in listing.text
    assert MESSAGE not in listing.text
    assert replaced.status_code == 303
    assert "Key replaced: the customer gets a fresh link by email." in after.text
    assert "No open key reports." in after.text
    assert "used already" in closed.text
    details = await order_details(shop, order["id"])
    [old] = [k for k in details["keys"] if k["id"] == key_id]
    assert old["revokedAt"] is not None
    assert old["replacedBy"] is not None
    assert [e["kind"] for e in details["emails"]] == ["order_received", "order_fulfilled", "key_replaced"]
    assert await audited(console_shop, ActionKind.KEY_REPLACED) == [user.email]
    for page in (listing, after, closed):
        assert KEY not in page.text
        assert SPARE not in page.text


@pytest.mark.parametrize("role", [Role.OWNER, Role.SUPPORT])
async def test_a_report_is_dismissed_with_a_note(console_shop: ConsoleShop, role: Role) -> None:
    shop = console_shop.shop
    order, _ = await reported(shop, [KEY, SPARE])
    user = await console_shop.sign_in(role)
    report_id = report_id_in((await user.get("/console/key-reports")).text)

    no_note = await user.post(f"/console/key-reports/{report_id}/dismiss", {"note": "  "})
    dismissed = await user.post(f"/console/key-reports/{report_id}/dismiss", {"note": "works for us"})
    after = await user.get(dismissed.headers["location"])

    assert no_note.status_code == 400
    assert "A note or reason is 1 to 300 characters." in no_note.text
    assert dismissed.status_code == 303
    assert "Report dismissed; the key stays as it is." in after.text
    assert "works for us" in after.text
    assert "dismissed" in after.text
    details = await order_details(shop, order["id"])
    assert all(k["revokedAt"] is None for k in details["keys"])
    assert await audited(console_shop, ActionKind.KEY_REPORT_DISMISSED) == [user.email]
    twice = await user.post(f"/console/key-reports/{report_id}/dismiss", {"note": "again"})
    assert twice.status_code == 409
    assert "This report is already dismissed." in twice.text
    assert KEY not in no_note.text + after.text + twice.text


async def test_replacing_with_no_stock_left_shows_the_reason_and_changes_nothing(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    order, _ = await reported(shop, [KEY])
    support = await console_shop.sign_in(Role.SUPPORT)
    report_id = report_id_in((await support.get("/console/key-reports")).text)

    refused = await support.post(f"/console/key-reports/{report_id}/replace", {"reason": "broken"})

    assert refused.status_code == 409
    assert "No stock of GAME-1 is left to replace the key; import keys first." in refused.text
    assert report_id_in(refused.text) == report_id, "the report stays open"
    details = await order_details(shop, order["id"])
    assert all(k["revokedAt"] is None for k in details["keys"])
    assert [e["kind"] for e in details["emails"]] == ["order_received", "order_fulfilled"]
    assert await audited(console_shop, ActionKind.KEY_REPLACED) == []
    assert KEY not in refused.text


async def test_actions_without_their_csrf_token_are_refused_and_change_nothing(
    console_shop: ConsoleShop,
) -> None:
    shop = console_shop.shop
    order, _ = await reported(shop, [KEY, SPARE])
    owner = await console_shop.sign_in(Role.OWNER)
    report_id = report_id_in((await owner.get("/console/key-reports")).text)

    replace = await owner.post(f"/console/key-reports/{report_id}/replace", {"reason": "x"}, csrf=False)
    dismiss = await owner.post(f"/console/key-reports/{report_id}/dismiss", {"note": "x"}, csrf=False)

    assert [replace.status_code, dismiss.status_code] == [403, 403]
    assert report_id_in((await owner.get("/console/key-reports")).text) == report_id
    details = await order_details(shop, order["id"])
    assert all(k["revokedAt"] is None for k in details["keys"])


async def test_the_status_filter_and_unknown_reports(console_shop: ConsoleShop) -> None:
    owner = await console_shop.sign_in(Role.OWNER)

    bad = await owner.get("/console/key-reports?status=lost")
    every = await owner.get("/console/key-reports?status=all")
    unknown = await owner.post("/console/key-reports/nope/replace", {"reason": "x"})

    assert bad.status_code == 400
    assert "Choose a status from the list." in bad.text
    assert every.status_code == 200
    assert "No key reports." in every.text
    assert unknown.status_code == 404
    assert "No such key report." in unknown.text


async def test_open_reports_come_first(console_shop: ConsoleShop) -> None:
    shop = console_shop.shop
    older, _ = await reported(shop, [KEY, SPARE])
    console_shop.clock.advance(timedelta(seconds=60))
    second = await shop.order(older["items"][0]["productId"])
    await shop.pay(second)
    newer, _ = await reported(shop, [], second)
    owner = await console_shop.sign_in(Role.OWNER)
    newest_id = report_id_in((await owner.get("/console/key-reports")).text)
    dismissed = await owner.post(f"/console/key-reports/{newest_id}/dismiss", {"note": "duplicate report"})
    assert dismissed.status_code == 303

    every = await owner.get("/console/key-reports?status=all")

    orders = re.findall(r'<a href="/console/orders/([^"]+)">', every.text)
    assert orders == [older["id"], newer["id"]]
    assert every.text.index("open") < every.text.index("duplicate report")
