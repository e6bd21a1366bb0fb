"""The customer emails over a real SMTP server on loopback (aiosmtpd in this process).

Through the app: each order sends its "order received" email (payment page, order page) and, once
fulfilled, exactly one delivery email, whose link opens the delivery page and reveals the keys; an
underpaid order is told how much is missing, once per payment; no email holds a key, each is text and
HTML. With the mail server down the order is still fulfilled and its emails go out once the server is
back; an email refused for good (550) is failed, never tried again, and the operator's order view says
so and why. And the SMTP adapter alone: the message, login, temporary and permanent refusals, timeouts,
and no password anywhere.
"""

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import AsyncTestClient

from bitloot.adapters.email.jinja_renderer import JinjaEmailRenderer
from bitloot.adapters.email.smtp_sender import SmtpEmailSender, SmtpSettings
from bitloot.adapters.links.hmac_links import HmacDeliveryLinks, HmacOrderPageLinks
from bitloot.adapters.persistence.sqla.engine import DatabaseSettings, create_engine, session_factory
from bitloot.adapters.persistence.sqla.unit_of_work import SqlaUnitOfWork
from bitloot.application.errors import EmailNotSent, EmailRejected
from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.application.ports.links import DeliveryLink
from bitloot.application.use_cases.send_delivery_emails import (
    DeliveryEmailSettings,
    SendDeliveryEmails,
    SendReport,
)
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind, DeliveryEmailStatus
from bitloot.domain.shop import ShopIdentity
from bitloot.entrypoints.config import Settings, load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.factories.emails import ORDER_ID, delivery_link, outgoing
from tests.fakes.clock import FrozenClock
from tests.http.conftest import ClockProvider, Shop, fulfillment_status
from tests.providers.smtp_server import SENDER, Captured, SmtpTestServer, smtp_server
from tests.support.sqlite_template import upgrade_from_template

BASE_URL = "https://shop.example"
LINK = re.compile(re.escape(BASE_URL) + r"/d/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
ORDER_PAGE = re.compile(re.escape(BASE_URL) + r"/o/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
JSON = {"Accept": "application/json"}
DELIVERED = "Your BitLoot order is ready"
RECEIVED = "BitLoot: we received your order"
UNDERPAID = "Your BitLoot order is not fully paid"


@asynccontextmanager
async def mail_shop(data_dir: Path, smtp_url: str, clock: FrozenClock | None = None) -> AsyncIterator[Shop]:
    """The embedded shop with `BITLOOT_SMTP_URL` set and a reconciler round every second."""
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(data_dir),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": BASE_URL,
            "BITLOOT_SMTP_URL": smtp_url,
            "BITLOOT_RECONCILE_EVERY_SECONDS": "1",
        }
    )
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    overrides = [ClockProvider(clock)] if clock is not None else []
    app = create_app(settings, build_broker(settings, await_inplace=True), *overrides)
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)


async def sold(shop: Shop, keys: list[str], orders: int = 1) -> list[dict[str, Any]]:
    """`orders` orders of one key each, paid; with in-process jobs each is fulfilled when paid."""
    product = await shop.product(keys)
    placed = [await shop.order(product["id"]) for _ in range(orders)]
    for order in placed:
        await shop.pay(order)
    return placed


async def placed(
    shop: Shop, server: SmtpTestServer, key: str
) -> tuple[dict[str, Any], dict[str, Any], Captured]:
    """An order of one `key`, the only key of a product of its own, and its "order received" email: the
    product, the order and the email, sent by the reconciler's next round (never on the request path)."""
    product = await shop.product([key])
    order = await shop.order(product["id"])
    [received] = await server.wait_for(1, within=10)
    return product, order, received


async def ipn_posted(shop: Shop, order: dict[str, Any], status: str, times: int = 1, **changes: Any) -> None:
    """NOWPayments' IPN of `status` for `order`, posted `times` times (it repeats an IPN it is not sure
    we got), each answered 200."""
    body, headers = shop.ipn(order, status, **changes)
    for _ in range(times):
        answer = await shop.client.post("/payments/ipn", content=body, headers=headers)
        assert answer.status_code == 200, answer.text


def link_in(mail: Captured) -> str:
    [url] = {str(found) for found in LINK.findall(mail.text)}
    assert url in mail.html
    return url


def order_page_in(mail: Captured, settings: Settings) -> str:
    """The order page link the email holds (in both parts); returns the order id it is for."""
    [url] = {str(found) for found in ORDER_PAGE.findall(mail.text)}
    assert url in mail.html
    pages = HmacOrderPageLinks(settings.secrets.link_secret, BASE_URL)
    return pages.resolve(url.rsplit("/", 1)[1], datetime.now(UTC))


def order_of(mail: Captured) -> str:
    found = re.search(r"order ([0-9a-f-]{36})", mail.text)
    assert found is not None, mail.text
    return str(found.group(1))


def of_subject(mails: list[Captured], subject: str) -> list[Captured]:
    return [m for m in mails if m.message["Subject"] == subject]


async def emails(settings: Settings, order_id: str) -> list[DeliveryEmail]:
    """The order's outbox rows, oldest first, read straight from the shop's database."""
    engine = create_engine(DatabaseSettings(settings.database_url))
    try:
        async with session_factory(engine)() as session:
            found = await SqlaUnitOfWork(session).emails.list_for_order(order_id)
    finally:
        await engine.dispose()
    assert found
    return found


async def email(
    settings: Settings, order_id: str, kind: DeliveryEmailKind = DeliveryEmailKind.ORDER_FULFILLED
) -> DeliveryEmail:
    """The order's outbox row of `kind`."""
    [found] = [e for e in await emails(settings, order_id) if e.kind is kind]
    return found


async def all_tried(settings: Settings, order_id: str, within: float = 10) -> list[DeliveryEmail]:
    """The order's emails once each was tried at least once (the job's run stops at its first failure,
    the reconciler's next round tries the rest)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        rows = await emails(settings, order_id)
        if all(row.attempts >= 1 for row in rows) or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.1)


async def send_directly(settings: Settings, clock: FrozenClock) -> SendReport:
    """One SendDeliveryEmails run of another process: its own engine, the real SMTP email_sender."""
    assert settings.smtp is not None
    engine = create_engine(DatabaseSettings(settings.database_url))
    try:
        async with session_factory(engine)() as session:
            use_case = SendDeliveryEmails(
                SqlaUnitOfWork(session),
                HmacDeliveryLinks(settings.secrets.link_secret, settings.public_base_url),
                HmacOrderPageLinks(settings.secrets.link_secret, settings.public_base_url),
                settings.shop,
                JinjaEmailRenderer(),
                SmtpEmailSender(settings.smtp),
                clock,
                DeliveryEmailSettings(),
            )
            return await use_case.execute()
    finally:
        await engine.dispose()


# --- through the app ----------------------------------------------------------------------------------


async def test_each_fulfilled_order_sends_one_email_whose_link_works_and_holds_no_key(
    tmp_path: Path,
) -> None:
    keys = ["MAIL-KEY-AAAA-0001", "MAIL-KEY-BBBB-0002", "MAIL-KEY-CCCC-0003"]
    with smtp_server() as server:
        async with mail_shop(tmp_path, server.url()) as shop:
            orders = await sold(shop, keys, orders=3)
            # Sent by the job right after its fulfilment (with the "order received" email, if the
            # reconciler's round had not sent it yet): there by the time the IPN was answered.
            assert len(of_subject(server.messages, DELIVERED)) == 3
            # The reconciler's rounds (every second) find nothing more to send.
            await asyncio.sleep(2.5)
            assert len(server.messages) == 6
            received = of_subject(server.messages, RECEIVED)
            mails = of_subject(server.messages, DELIVERED)
            assert sorted(order_of(m) for m in mails) == sorted(o["id"] for o in orders)
            assert sorted(order_of(m) for m in received) == sorted(o["id"] for o in orders)
            for order in orders:
                # Each order's two emails, once each.
                subjects = [m.message["Subject"] for m in server.messages if order_of(m) == order["id"]]
                assert sorted(subjects) == sorted([RECEIVED, DELIVERED])

            revealed = []
            for mail in mails:
                assert mail.message["To"] == "player@example.com"
                assert mail.recipients == ["player@example.com"]
                assert mail.mail_from == SENDER
                assert mail.message["From"] == f"BitLoot <{SENDER}>"
                assert mail.message.get_content_type() == "multipart/alternative"
                assert order_page_in(mail, shop.settings) == order_of(mail)
                for key in keys:
                    assert key not in mail.raw
                path = urlsplit(link_in(mail)).path
                page = await shop.client.get(path)
                assert page.status_code == 200, page.text
                assert page.headers["content-type"].startswith("text/html")
                assert order_of(mail) in page.text
                assert not any(key in page.text for key in keys)
                answer = await shop.client.post(f"{path}/reveal", headers=JSON)
                assert answer.status_code == 200, answer.text
                revealed += [k["key"] for k in answer.json()["keys"]]
            assert sorted(revealed) == keys

            for order in orders:
                rows = await emails(shop.settings, order["id"])
                assert [r.kind for r in rows] == [
                    DeliveryEmailKind.ORDER_RECEIVED,
                    DeliveryEmailKind.ORDER_FULFILLED,
                ]
                assert all((r.status, r.attempts) == (DeliveryEmailStatus.SENT, 1) for r in rows)
            for mail in received:
                for key in keys:
                    assert key not in mail.raw


async def test_an_order_received_email_has_the_payment_page_and_the_order_page_as_text_and_html(
    tmp_path: Path,
) -> None:
    with smtp_server() as server:
        async with mail_shop(tmp_path, server.url()) as shop:
            # Sent by the reconciler's next round (every second here): never on the request path.
            product, order, mail = await placed(shop, server, "RECEIVED-KEY-0001")

            assert mail.message["Subject"] == RECEIVED
            assert mail.message.get_content_type() == "multipart/alternative"
            assert [p.get_content_type() for p in mail.message.iter_parts()] == ["text/plain", "text/html"]
            assert order_of(mail) == order["id"]
            assert order["paymentUrl"] in mail.text
            assert f'href="{order["paymentUrl"]}"' in mail.html
            assert order_page_in(mail, shop.settings) == order["id"]
            assert "19.99 EUR" in mail.text
            assert "19.99 EUR" in mail.html
            assert product["name"] in mail.text
            assert "/d/" not in mail.raw  # no delivery link before the order is paid
            assert "X-BitLoot-Link-Expires" not in mail.message
            assert order["accessToken"] not in mail.raw
            assert "RECEIVED-KEY-0001" not in mail.raw
            await asyncio.sleep(1.5)
            assert len(server.messages) == 1
            assert (await email(shop.settings, order["id"], DeliveryEmailKind.ORDER_RECEIVED)).status is (
                DeliveryEmailStatus.SENT
            )


async def test_an_underpaid_order_is_told_what_is_missing_once_per_payment(tmp_path: Path) -> None:
    with smtp_server() as server:
        async with mail_shop(tmp_path, server.url()) as shop:
            _, order, _ = await placed(shop, server, "UNDERPAID-KEY-0001")
            # 0.0001 of the 0.00032 BTC asked for, the IPN repeated.
            await ipn_posted(shop, order, "partially_paid", times=3, actually_paid=0.0001)

            [_, mail] = await server.wait_for(2, within=10)
            assert mail.message["Subject"] == UNDERPAID
            assert [p.get_content_type() for p in mail.message.iter_parts()] == ["text/plain", "text/html"]
            assert order_of(mail) == order["id"]
            assert "Paid:    0.0001 BTC" in mail.text
            assert "Missing: 0.00022 BTC" in mail.text
            assert "0.00022 BTC" in mail.html
            assert order["paymentUrl"] in mail.text
            assert f'href="{order["paymentUrl"]}"' in mail.html
            assert order_page_in(mail, shop.settings) == order["id"]
            assert "UNDERPAID-KEY-0001" not in mail.raw
            # The repeats owed nothing: reconciler rounds later, still one underpaid email.
            await asyncio.sleep(2.5)
            assert len(of_subject(server.messages, UNDERPAID)) == 1
            assert len(server.messages) == 2


async def test_with_the_mail_server_down_the_order_is_fulfilled_and_mailed_once_it_is_back(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    keys = ["LATE-MAIL-KEY-0001"]
    with smtp_server(started=False) as server:
        async with mail_shop(tmp_path, server.url(), clock) as shop:
            [order] = await sold(shop, keys)
            assert (await fulfillment_status(shop, order))["status"] == "fulfilled"
            for failed in await all_tried(shop.settings, order["id"]):
                assert failed.status is DeliveryEmailStatus.PENDING
                assert failed.attempts == 1
                assert failed.last_error is not None
                assert "could not connect" in failed.last_error
                assert failed.next_attempt_at == clock.now() + timedelta(seconds=30)

            server.start()
            await asyncio.sleep(1.5)  # reconciler rounds: the emails are not due yet
            assert server.messages == []
            clock.advance(timedelta(seconds=30))
            mails = await server.wait_for(2, within=10)
            assert sorted(m.message["Subject"] for m in mails) == sorted([RECEIVED, DELIVERED])
            [received] = of_subject(mails, RECEIVED)
            [mail] = of_subject(mails, DELIVERED)
            assert order_of(mail) == order["id"]
            assert keys[0] not in mail.raw + received.raw
            page = await shop.client.get(urlsplit(link_in(mail)).path)
            assert page.status_code == 200, page.text
            for sent in await emails(shop.settings, order["id"]):
                assert (sent.status, sent.attempts) == (DeliveryEmailStatus.SENT, 2)

        # Sending again, twice, hours later, sends nothing more.
        for _ in range(2):
            clock.advance(timedelta(hours=1))
            assert await send_directly(shop.settings, clock) == SendReport()
        assert len(server.messages) == 2


async def test_a_refused_message_is_retried_and_sent_once(tmp_path: Path) -> None:
    clock = FrozenClock(datetime.now(UTC))
    with smtp_server() as server:
        server.refuse_next = 1
        async with mail_shop(tmp_path, server.url(), clock) as shop:
            [order] = await sold(shop, ["REFUSED-KEY-0001"])
            # One email of the order was refused (451); the other went out meanwhile.
            await server.wait_for(1, within=10)
            [refused] = [e for e in await emails(shop.settings, order["id"]) if e.last_error]
            assert refused.status is DeliveryEmailStatus.PENDING
            assert refused.last_error == "SMTPDataError: SMTP 451 Try again later"

            clock.advance(timedelta(seconds=30))
            await server.wait_for(2, within=10)
            assert (await send_directly(shop.settings, clock)) == SendReport()
            await asyncio.sleep(1.5)
        assert sorted(m.message["Subject"] for m in server.messages) == sorted([RECEIVED, DELIVERED])
        assert server.refused == 1


async def test_an_email_refused_for_good_is_failed_never_retried_and_shown_to_the_operator(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    with smtp_server() as server:
        server.refuse_next, server.refuse_code = 1, 550
        server.refuse_text = "5.7.1 Message rejected, see https://mail.example/policy?id=abc123"
        async with mail_shop(tmp_path, server.url(), clock) as shop:
            [order] = await sold(shop, ["REJECTED-KEY-0001"])
            assert (await fulfillment_status(shop, order))["status"] == "fulfilled"
            [other] = await server.wait_for(1, within=10)
            assert server.refused == 1

            # Days of reconciler rounds later, it was never tried again.
            for _ in range(4):
                clock.advance(timedelta(days=1))
                await asyncio.sleep(1.2)
            assert await send_directly(shop.settings, clock) == SendReport()
            assert (server.refused, server.messages) == (1, [other])

            answer = await shop.client.get(f"/admin/orders/{order['id']}", headers=shop.admin)
            assert answer.status_code == 200, answer.text
            [email] = [e for e in answer.json()["emails"] if e["status"] == "failed"]
            assert {e["kind"] for e in answer.json()["emails"]} == {"order_received", "order_fulfilled"}
            assert email["attempts"] == 1
            assert email["nextAttemptAt"] is None
            assert email["lastError"] == "SMTPDataError: SMTP 550 5.7.1 Message rejected, see [link]"
            assert "mail.example" not in answer.text
            assert "abc123" not in answer.text
            # The order itself stays fulfilled: the keys are the customer's, only the email failed.
            assert answer.json()["order"]["status"] == "fulfilled"


async def test_the_order_view_shows_a_pending_email_and_its_next_try(tmp_path: Path) -> None:
    clock = FrozenClock(datetime.now(UTC))
    with smtp_server(started=False) as server:
        async with mail_shop(tmp_path, server.url(), clock) as shop:
            [order] = await sold(shop, ["PENDING-MAIL-KEY-0001"])
            await all_tried(shop.settings, order["id"])
            answer = await shop.client.get(f"/admin/orders/{order['id']}", headers=shop.admin)
            email = answer.json()["email"]
            assert (email["status"], email["attempts"]) == ("pending", 1)
            assert "could not connect" in email["lastError"]
            assert email["nextAttemptAt"] is not None

            unpaid = await shop.order((await shop.product(["UNPAID-KEY-0001"], sku="GAME-2"))["id"])
            answer = await shop.client.get(f"/admin/orders/{unpaid['id']}", headers=shop.admin)
            # Only its "order received" email, owed when it was placed.
            assert [e["kind"] for e in answer.json()["emails"]] == ["order_received"]
            assert answer.json()["email"]["status"] == "pending"


# --- the SMTP adapter alone ---------------------------------------------------------------------------


def fulfilled(order_id: str, recipient: str, link: DeliveryLink | None = None) -> OutgoingEmail:
    """The delivery email of `order_id` as the outbox hands it to a sender."""
    changes = {} if link is None else {"delivery_link": link}
    return outgoing(DeliveryEmailKind.ORDER_FULFILLED, order_id, recipient, **changes)


def a_link(order_id: str = ORDER_ID) -> DeliveryLink:
    return delivery_link(order_id)


async def test_the_message_has_text_and_html_the_link_and_its_expiry() -> None:
    link = a_link()
    with smtp_server() as server:
        await SmtpEmailSender(SmtpSettings.parse(server.url())).send(
            fulfilled(ORDER_ID, "buyer@example.com", link)
        )
        [mail] = server.messages
    assert mail.message["Subject"] == DELIVERED
    assert mail.message["From"] == f"BitLoot <{SENDER}>"
    assert mail.message["Reply-To"] is None
    assert mail.message["Message-ID"] == f"<bitloot-order-{ORDER_ID}@bitloot.test>"
    assert mail.message["X-BitLoot-Link-Expires"] == "Fri, 01 May 2026 12:15:00 GMT"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.message.iter_parts()] == ["text/plain", "text/html"]
    assert link.url in mail.text
    assert f'href="{link.url}"' in mail.html
    assert "2026-05-01 12:15 UTC" in mail.text
    assert "2026-05-01 12:15 UTC" in mail.html


@pytest.mark.parametrize("kind", [DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.UNDERPAID])
async def test_an_email_without_a_delivery_link_has_its_own_id_and_no_link_expiry(
    kind: DeliveryEmailKind,
) -> None:
    email = outgoing(kind, email_id="email-7", shop=ShopIdentity("Loot & Co", "help@loot.example"))
    with smtp_server() as server:
        await SmtpEmailSender(SmtpSettings.parse(server.url())).send(email)
        [mail] = server.messages
    assert mail.message["Subject"] == email.rendered.subject
    [sender] = mail.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Loot & Co", SENDER)
    assert mail.message["Reply-To"] == "help@loot.example"
    assert mail.message["Message-ID"] == "<bitloot-email-email-7@bitloot.test>"
    assert "X-BitLoot-Link-Expires" not in mail.message
    # As rendered (the wire's CRLF line ends aside).
    assert mail.text.replace("\r\n", "\n").strip() == email.rendered.text.strip()
    assert mail.html.replace("\r\n", "\n").strip() == email.rendered.html.strip()


async def test_a_login_is_used_and_the_password_shows_nowhere(caplog: pytest.LogCaptureFixture) -> None:
    password = "pa$$word-never-logged"
    with smtp_server(login=("shop", password)) as server:
        settings = SmtpSettings.parse(server.url(user="shop", password="pa%24%24word-never-logged"))
        assert settings.password == password
        email_sender = SmtpEmailSender(settings)
        with caplog.at_level(logging.DEBUG):
            await email_sender.send(fulfilled("order-1", "buyer@example.com", a_link()))
            wrong = SmtpEmailSender(SmtpSettings.parse(server.url(user="shop", password="wrong-password")))
            with pytest.raises(EmailNotSent) as refused:
                await wrong.send(fulfilled("order-2", "buyer@example.com", a_link()))
        assert server.logins == ["shop"]
        assert [m.login for m in server.messages] == ["shop"]
    assert str(refused.value) == "SMTPAuthenticationError: SMTP 535"
    # A refused login is our configuration, not this email: temporary, tried again.
    assert not isinstance(refused.value, EmailRejected)
    for text in (repr(settings), str(settings), repr(email_sender), caplog.text, str(refused.value)):
        assert password not in text
        assert "wrong-password" not in text


async def test_a_temporary_refusal_is_a_failed_send_with_the_smtp_code() -> None:
    with smtp_server() as server:
        server.refuse_next, server.refuse_code = 1, 451
        with pytest.raises(EmailNotSent, match=r"^SMTPDataError: SMTP 451 Try again later$") as caught:
            await SmtpEmailSender(SmtpSettings.parse(server.url())).send(
                fulfilled("order-1", "buyer@example.com", a_link())
            )
        assert not isinstance(caught.value, EmailRejected)
        assert server.messages == []


async def test_a_5xx_for_the_message_is_a_refusal_for_good() -> None:
    with smtp_server() as server:
        server.refuse_next, server.refuse_code = 1, 554
        server.refuse_text = "5.7.1 Spam detected"
        with pytest.raises(EmailRejected, match=r"^SMTPDataError: SMTP 554 5.7.1 Spam detected$"):
            await SmtpEmailSender(SmtpSettings.parse(server.url())).send(
                fulfilled("order-1", "buyer@example.com", a_link())
            )
        assert server.messages == []


@pytest.mark.parametrize(("code", "for_good"), [(550, True), (553, True), (450, False), (452, False)])
async def test_a_refused_recipient_is_for_good_only_on_a_5xx(code: int, for_good: bool) -> None:
    link = a_link()
    with smtp_server() as server:
        server.refuse_recipients, server.refuse_code = {"gone@example.com"}, code
        server.refuse_text = f"5.1.1 <gone@example.com>: unknown, see www.mail.example/help {link.token}"
        with pytest.raises(EmailNotSent) as caught:
            await SmtpEmailSender(SmtpSettings.parse(server.url())).send(
                fulfilled("order-1", "gone@example.com", link)
            )
        assert server.messages == []
    assert isinstance(caught.value, EmailRejected) is for_good
    assert str(caught.value) == (
        f"SMTPRecipientsRefused: SMTP {code} 5.1.1 <gone@example.com>: unknown, see [link] [...]"
    )
    assert link.token not in str(caught.value)


async def test_no_server_is_a_failed_send() -> None:
    with smtp_server(started=False) as server, pytest.raises(EmailNotSent, match="could not connect"):
        await SmtpEmailSender(SmtpSettings.parse(server.url())).send(
            fulfilled("order-1", "buyer@example.com", a_link())
        )


async def test_a_server_that_never_answers_times_out() -> None:
    with smtp_server(started=False) as server:
        server.stall = True
        server.start()
        settings = SmtpSettings.parse(server.url())
        email_sender = SmtpEmailSender(
            SmtpSettings(settings.host, settings.port, settings.sender, timeout_seconds=0.3)
        )
        started = asyncio.get_running_loop().time()
        with pytest.raises(EmailNotSent, match="did not answer in time"):
            await email_sender.send(fulfilled("order-1", "buyer@example.com", a_link()))
        assert asyncio.get_running_loop().time() - started < 2


async def test_an_address_that_cannot_be_a_header_is_refused_before_connecting() -> None:
    with smtp_server(started=False) as server:
        email_sender = SmtpEmailSender(SmtpSettings.parse(server.url()))
        with pytest.raises(EmailRejected, match="invalid recipient address"):
            await email_sender.send(fulfilled("order-1", "buyer@example.com\r\nBcc: x@example.com", a_link()))


def test_the_server_helper_is_a_real_server() -> None:
    server = SmtpTestServer()
    try:
        assert not server.running
        server.start()
        assert server.running
    finally:
        server.close()
