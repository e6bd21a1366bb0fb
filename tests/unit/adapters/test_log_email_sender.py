"""The embedded email_sender writes the delivery email to the log: the link only in development."""

import logging
from datetime import UTC, datetime

import pytest

from bitloot.adapters.email.log_sender import LogEmailSender
from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.application.ports.links import DeliveryLink
from bitloot.domain.delivery_email import DeliveryEmailKind

LINK = DeliveryLink(
    token="secret-link-token",
    url="https://shop.example/d/secret-link-token",
    expires_at=datetime(2026, 12, 1, tzinfo=UTC),
)


def fulfilled(order_id: str, recipient: str, link: DeliveryLink) -> OutgoingEmail:
    """The delivery email of `order_id` as the outbox hands it to a sender."""
    return OutgoingEmail("email-1", DeliveryEmailKind.ORDER_FULFILLED, order_id, recipient, link)


async def test_production_logs_the_owed_email_without_its_link(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bitloot"):
        await LogEmailSender(show_links=False).send(fulfilled("order-1", "player@example.com", LINK))

    assert "your order order-1 is ready" in caplog.text
    assert "secret-link-token" not in caplog.text
    assert "/d/" not in caplog.text
    assert "BITLOOT_SMTP_URL" in caplog.text


async def test_development_logs_the_link_for_the_developer(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bitloot"):
        await LogEmailSender().send(fulfilled("order-1", "player@example.com", LINK))

    assert LINK.url in caplog.text
