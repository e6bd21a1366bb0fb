"""The embedded email_sender writes a one-line summary of each email to the log: the links only in
development."""

import logging

import pytest

from bitloot.adapters.email.log_sender import LogEmailSender
from bitloot.domain.delivery_email import DeliveryEmailKind
from tests.factories.emails import outgoing


@pytest.mark.parametrize("kind", list(DeliveryEmailKind))
async def test_production_logs_the_owed_email_without_any_link(
    kind: DeliveryEmailKind, caplog: pytest.LogCaptureFixture
) -> None:
    email = outgoing(kind, order_id="order-1", recipient="player@example.com")
    with caplog.at_level(logging.INFO, logger="bitloot"):
        await LogEmailSender(show_links=False).send(email)

    [line] = caplog.messages
    assert line.startswith("email to player@example.com: your order order-1 ")
    for secret in (email.email.order_page, email.email.delivery_link):
        if secret is not None:
            assert secret.token not in caplog.text
            assert secret.url not in caplog.text
    assert "/d/" not in caplog.text
    assert "/o/" not in caplog.text
    assert "/simulator/" not in caplog.text
    assert "BITLOOT_SMTP_URL" in caplog.text


async def test_production_says_which_order_is_ready(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bitloot"):
        await LogEmailSender(show_links=False).send(outgoing(order_id="order-1"))
    assert "your order order-1 is ready" in caplog.text


async def test_development_logs_the_links_for_the_developer(caplog: pytest.LogCaptureFixture) -> None:
    fulfilled = outgoing(DeliveryEmailKind.ORDER_FULFILLED)
    received = outgoing(DeliveryEmailKind.ORDER_RECEIVED)
    with caplog.at_level(logging.INFO, logger="bitloot"):
        await LogEmailSender().send(fulfilled)
        await LogEmailSender().send(received)

    first, second = caplog.messages
    assert fulfilled.email.delivery_link is not None
    assert fulfilled.email.delivery_link.url in first
    assert fulfilled.email.order_page.url in first
    assert "Your BitLoot order is ready" in first
    assert f"pay at {received.email.payment_url}" in second
    assert received.email.order_page.url in second
    assert "\n" not in first + second
