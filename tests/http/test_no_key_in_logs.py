"""Plaintext keys never reach the logs, whatever happens (docs/vault.md)."""

import logging
from urllib.parse import urlsplit

import pytest

from tests.http.conftest import Shop, order_details
from tests.http.test_delivery import reveal_page

KEYS = ["KEY-LOGCHECK-ALPHA-7Q2W", "KEY-LOGCHECK-BRAVO-9E4R", "KEY-LOGCHECK-CHARLIE-1T6Y"]


def texts_of(record: logging.LogRecord, formatter: logging.Formatter) -> list[str]:
    """Everything a handler could write for `record`."""
    texts = [str(record.msg), record.getMessage(), formatter.format(record), repr(record.args)]
    if record.exc_text:
        texts.append(record.exc_text)
    if record.exc_info:
        texts.append(formatter.formatException(record.exc_info))
    if record.stack_info:
        texts.append(record.stack_info)
    texts.extend(repr(value) for value in vars(record).values())
    return texts


async def test_no_key_text_in_any_log_record(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    product = await shop.product(KEYS)

    # Paid, fulfilled and revealed through both channels and both page kinds.
    order = await shop.order(product["id"], quantity=2)
    await shop.pay(order, "partially_paid")
    await shop.pay(order)
    await shop.pay(order)
    await shop.client.get(f"/fulfillment/{order['id']}/status", headers=shop.bearer(order))
    revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    assert revealed.status_code == 200
    link = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
    path = urlsplit(link.json()["signedUrl"]).path
    await shop.client.get(path)
    assert (
        await shop.client.post(f"{path}/reveal", headers={"Accept": "application/json"})
    ).status_code == 200
    assert (await reveal_page(shop, path)).status_code == 200

    # A tampered blob, so that the error path logs too.
    [key, *_] = (await order_details(shop, order["id"]))["keys"]
    blob = shop.settings.storage_dir / "keys" / order["id"] / key["id"]
    data = bytearray(blob.read_bytes())
    data[0] ^= 0xFF
    blob.write_bytes(bytes(data))
    assert (
        await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    ).status_code == 500

    # A second order that fails for want of stock, then is retried.
    second = await shop.order(product["id"], quantity=1)
    third = await shop.order(product["id"], quantity=1)
    await shop.pay(second)
    await shop.pay(third)
    await shop.client.post(f"/admin/orders/{third['id']}/retry", headers=shop.admin)

    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        for text in texts_of(record, formatter):
            for secret in KEYS:
                assert secret not in text, (record.name, record.levelname, record.msg)
    for secret in KEYS:
        assert secret not in caplog.text
