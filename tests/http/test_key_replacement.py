"""Key reports from the keys page and the JSON API, and the operator's key replacement, resend and
refund routes (docs/http-api.md, docs/stock-integrity.md)."""

import re
from typing import Any

from tests.http.conftest import Shop, assert_problem, order_details
from tests.http.test_delivery import JSON, csrf_in, fulfilled, link_for, path_of, reveal_page

KEY = "KEY-REPORT-AAAA-1111"
SPARE = "KEY-SPARE-BBBB-2222"


async def reveal_json(shop: Shop, order: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    assert answer.status_code == 200, answer.text
    keys: list[dict[str, Any]] = answer.json()["keys"]
    return keys


async def test_the_keys_page_reports_a_key_once_and_never_shows_it_in_the_answer(shop: Shop) -> None:
    order = await fulfilled(shop, [KEY], quantity=1)
    path = path_of(await link_for(shop, order))
    keys_page = await reveal_page(shop, path)
    assert "Report a problem with this key" in keys_page.text
    [key_id] = re.findall(r'name="key_id" value="([^"]+)"', keys_page.text)
    form = {"key_id": key_id, "csrf_token": csrf_in(keys_page.text)}

    first = await shop.client.post(f"{path}/report", data={**form, "message": "Already used"})
    second = await shop.client.post(f"{path}/report", data={**form, "message": "Still broken"})
    forged = await shop.client.post("/d/forged-token/report", data={**form, "message": "x"})

    assert first.status_code == 200
    assert "we received your report" in first.text
    assert second.status_code == 200
    assert "already reported; we are on it" in second.text
    assert forged.status_code == 410
    assert KEY not in first.text + second.text
    reports = (await shop.client.get("/admin/key-reports?status=open", headers=shop.admin)).json()
    assert [(r["keyId"], r["message"], r["status"]) for r in reports] == [(key_id, "Already used", "open")]


async def test_a_reported_key_is_replaced_through_the_admin_api(shop: Shop) -> None:
    order = await fulfilled(shop, [KEY, SPARE], quantity=1)
    [old] = await reveal_json(shop, order)
    made = await shop.client.post(
        f"/fulfillment/{order['id']}/reports",
        headers=shop.bearer(order),
        json={"keyId": old["keyId"], "message": "Steam says it was used"},
    )
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]

    replaced = await shop.client.post(f"/admin/key-reports/{report_id}/replace", headers=shop.admin)
    again = await shop.client.post(f"/admin/key-reports/{report_id}/replace", headers=shop.admin)

    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["oldKeyId"] == old["keyId"]
    assert body["alreadyDone"] is False
    assert again.json() == {**body, "alreadyDone": True}
    [new] = await reveal_json(shop, order)
    assert new["keyId"] == body["newKeyId"]
    assert new["key"] != old["key"]
    details = await order_details(shop, order["id"])
    revoked = [k for k in details["keys"] if k["revokedAt"] is not None]
    assert [(k["id"], k["replacedBy"]) for k in revoked] == [(old["keyId"], body["newKeyId"])]
    assert [e["kind"] for e in details["emails"]] == ["order_received", "order_fulfilled", "key_replaced"]
    assert details["email"]["kind"] == "key_replaced"
    assert KEY not in str(details)
    assert SPARE not in str(details)


async def test_refusals_are_problems_that_change_nothing(shop: Shop) -> None:
    order = await fulfilled(shop, [KEY], quantity=1)
    [old] = await reveal_json(shop, order)

    no_stock = await shop.client.post(
        f"/admin/orders/{order['id']}/keys/{old['keyId']}/replace",
        headers=shop.admin,
        json={"reason": "broken"},
    )
    assert "No stock of GAME-1 is left" in assert_problem(no_stock, 409)["detail"]
    resent = await shop.client.post(f"/admin/orders/{order['id']}/resend-email", headers=shop.admin)
    assert resent.status_code == 202
    assert resent.json()["email"]["kind"] == "delivery_resent"
    pending = await shop.client.post(f"/admin/orders/{order['id']}/resend-email", headers=shop.admin)
    assert assert_problem(pending, 409)["detail"] == "An email is already waiting to be sent."
    unknown = await shop.client.post(
        "/admin/key-reports/nope/dismiss", headers=shop.admin, json={"note": "x"}
    )
    assert_problem(unknown, 404)
    no_reason = await shop.client.post(f"/admin/orders/{order['id']}/refund", headers=shop.admin, json={})
    assert_problem(no_reason, 400)
    unauthorised = await shop.client.post(f"/admin/orders/{order['id']}/refund", json={"reason": "x"})
    assert unauthorised.status_code == 401

    refunded = await shop.client.post(
        f"/admin/orders/{order['id']}/refund", headers=shop.admin, json={"reason": "chargeback"}
    )
    assert refunded.status_code == 200
    assert refunded.json()["order"]["status"] == "refunded"
    twice = await shop.client.post(
        f"/admin/orders/{order['id']}/refund", headers=shop.admin, json={"reason": "again"}
    )
    assert "refunded cannot be marked refunded" in assert_problem(twice, 409)["detail"]
    gone = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    assert gone.status_code == 410
    link_page = await shop.client.post("/d/forged/reveal", headers=JSON)
    assert link_page.status_code == 410
    details = await order_details(shop, order["id"])
    assert all(k["revokedAt"] is None for k in details["keys"])
    assert [e["kind"] for e in details["emails"]] == ["order_received", "order_fulfilled", "delivery_resent"]
