"""Amounts as a customer sees them, through the app: two decimals for the order's currency on the order
page (awaiting payment, underpaid), the simulator's page and the emails, the coin's amounts exactly as
the provider asked for them (`domain.money_shown`)."""

from pathlib import Path
from typing import Any

from tests.http.conftest import Shop, open_shop
from tests.http.test_email import RECEIVED, UNDERPAID, mail_shop, of_subject
from tests.http.test_order_page import page_path
from tests.providers.smtp_server import smtp_server


async def nine_fifty(shop: Shop) -> dict[str, Any]:
    """An order of one key priced 9.5 EUR (as the operator typed it)."""
    product = await shop.product(["AMOUNT-KEY-0001"], price="9.5")
    order = await shop.order(product["id"])
    assert order["currency"] == "EUR"
    return order


async def test_the_order_page_and_the_simulator_show_the_total_with_two_decimals(tmp_path: Path) -> None:
    async with open_shop(tmp_path) as shop:
        order = await nine_fifty(shop)

        page = (await shop.client.get(page_path(order))).text
        assert "Pay <strong>9.50 EUR</strong> to complete your order" in page
        assert "Pay 9.50 EUR</a>" in page
        assert '<td class="amount">9.50 EUR</td>' in page
        assert '<td class="amount"><strong>9.50 EUR</strong></td>' in page
        assert "9.5 EUR" not in page

        simulator = await shop.client.get(f"/simulator/pay/{order['id']}")
        assert simulator.status_code == 200, simulator.text
        assert "<strong>9.50 EUR</strong>" in simulator.text
        assert "9.5 EUR" not in simulator.text


async def test_an_underpaid_order_page_shows_the_coin_exactly_and_the_total_with_two_decimals(
    tmp_path: Path,
) -> None:
    async with open_shop(tmp_path) as shop:
        order = await nine_fifty(shop)
        body, headers = shop.ipn(order, "partially_paid", actually_paid=0.00012345, pay_amount=0.0004)
        assert (await shop.client.post("/payments/ipn", content=body, headers=headers)).status_code == 200

        page = (await shop.client.get(page_path(order))).text
        assert "We received <strong>0.00012345 BTC</strong>" in page
        assert '<strong id="missing">0.00027655 BTC</strong> is still missing' in page
        assert '<td class="amount"><strong>9.50 EUR</strong></td>' in page
        assert "9.5 EUR" not in page


async def test_the_emails_show_the_total_with_two_decimals(tmp_path: Path) -> None:
    with smtp_server() as server:
        async with mail_shop(tmp_path, server.url()) as shop:
            order = await nine_fifty(shop)
            await server.wait_for(1, within=10)
            body, headers = shop.ipn(order, "partially_paid", actually_paid=0.0001, pay_amount=0.0004)
            assert (await shop.client.post("/payments/ipn", content=body, headers=headers)).status_code == 200
            await server.wait_for(2, within=10)

            [received] = of_subject(server.messages, RECEIVED)
            [underpaid] = of_subject(server.messages, UNDERPAID)
            for mail in (received, underpaid):
                assert "Total: 9.50 EUR" in mail.text
                assert "9.50 EUR" in mail.html
                assert "9.5 EUR" not in mail.text + mail.html
            assert "Missing: 0.0003 BTC" in underpaid.text
