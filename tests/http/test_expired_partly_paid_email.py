"""An order that expires after part of its payment arrived, through the app and a real SMTP server on
loopback (as tests/http/test_email.py does for the underpaid email): one email, text and HTML, with what
came in and what was asked, that no key comes, the support address to write to with the order id, and
the order page; a repeated expiry IPN sends no second one; an expiry with nothing paid sends none."""

import asyncio
from pathlib import Path

from bitloot.domain.delivery_email import DeliveryEmailKind, DeliveryEmailStatus
from tests.http.test_email import (
    RECEIVED,
    email,
    emails,
    ipn_posted,
    mail_shop,
    of_subject,
    order_of,
    order_page_in,
    placed,
)
from tests.providers.smtp_server import smtp_server

EXPIRED = "Your BitLoot order expired before it was fully paid"


async def test_an_order_expired_after_a_partial_payment_is_told_what_happens_next_once(
    tmp_path: Path,
) -> None:
    with smtp_server() as server:
        async with mail_shop(tmp_path, server.url()) as shop:
            _, order, _ = await placed(shop, server, "EXPIRED-KEY-0001")
            # 0.0001 of the 0.00032 BTC asked for, then the payment's time runs out (that IPN repeated).
            await ipn_posted(shop, order, "partially_paid", actually_paid=0.0001)
            await ipn_posted(shop, order, "expired", times=3, actually_paid=0.0001)

            await server.wait_for(3, within=10)  # order received, underpaid, expired
            [mail] = of_subject(server.messages, EXPIRED)
            assert [p.get_content_type() for p in mail.message.iter_parts()] == ["text/plain", "text/html"]
            assert order_of(mail) == order["id"]
            assert "Received: 0.0001 BTC" in mail.text
            assert "Asked:    0.00032 BTC" in mail.text
            assert "0.0001 BTC" in mail.html
            assert "no key will be delivered" in mail.text
            assert f"quote your order id {order['id']}" in mail.text
            assert "Total: 19.99 EUR" in mail.text
            assert order_page_in(mail, shop.settings) == order["id"]
            assert order["paymentUrl"] not in mail.raw
            assert "/d/" not in mail.raw
            assert "EXPIRED-KEY-0001" not in mail.raw
            assert order["accessToken"] not in mail.raw
            # The repeats owed nothing: reconciler rounds later, still one.
            await asyncio.sleep(2.5)
            assert len(of_subject(server.messages, EXPIRED)) == 1
            assert len(server.messages) == 3
            row = await email(shop.settings, order["id"], DeliveryEmailKind.EXPIRED_PARTLY_PAID)
            assert (row.status, row.dedupe_key) == (DeliveryEmailStatus.SENT, f"expired:{order['id']}")


async def test_an_order_expired_with_nothing_paid_gets_no_email(tmp_path: Path) -> None:
    with smtp_server() as server:
        async with mail_shop(tmp_path, server.url()) as shop:
            _, order, _ = await placed(shop, server, "EXPIRED-KEY-0002")
            await ipn_posted(shop, order, "expired", actually_paid=0)

            await asyncio.sleep(2.5)  # reconciler rounds
            assert [m.message["Subject"] for m in server.messages] == [RECEIVED]
            assert [e.kind for e in await emails(shop.settings, order["id"])] == [
                DeliveryEmailKind.ORDER_RECEIVED
            ]
