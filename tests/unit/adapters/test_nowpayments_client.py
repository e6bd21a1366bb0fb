"""NowPaymentsGateway against a fake NOWPayments server on loopback: the invoice request, time bounds,
what is retried and what is not, listing an invoice's payments, and secrets kept out of sight."""

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from bitloot.adapters.payments.nowpayments.gateway import NowPaymentsGateway
from bitloot.adapters.payments.nowpayments.settings import NowPaymentsSettings
from bitloot.application.errors import PaymentProviderUnavailable
from bitloot.domain.money import Money
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentStatus
from tests.factories.domain import OrderFactory, OrderItemFactory
from tests.infra.ports import free_ports
from tests.providers.nowpayments_server import NowPaymentsServer, running_nowpayments

PUBLIC = "https://shop.example"
# The token of the order page link the return addresses carry.
PAGE = "b3JkZXJ8MTc4MDAwMDAwMA.c2lnbmF0dXJl"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def make_order(unit_price: str = "19.99", quantity: int = 1, currency: str = "EUR") -> Order:
    item = OrderItemFactory.build(quantity=quantity, unit_price=Money.of(unit_price, currency))
    return OrderFactory.build(items=[item], created_at=NOW)


def fast_settings(server: NowPaymentsServer, *, login: bool = True, **changes: object) -> NowPaymentsSettings:
    options: dict[str, object] = {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "email": server.email if login else None,
        "password": server.password if login else None,
        "connect_seconds": 1.0,
        "read_seconds": 1.0,
        "backoff_seconds": 0.01,
        "total_seconds": 5.0,
        **changes,
    }
    return NowPaymentsSettings(**options)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[NowPaymentsServer]:
    with running_nowpayments() as running:
        yield running


@pytest.fixture
async def gateway(server: NowPaymentsServer) -> AsyncIterator[NowPaymentsGateway]:
    opened = NowPaymentsGateway(fast_settings(server), PUBLIC)
    try:
        yield opened
    finally:
        await opened.aclose()


async def placed(gateway: NowPaymentsGateway, order: Order) -> Order:
    session = await gateway.start_payment(order, PAGE)
    order.payment_url, order.payment_reference = session.url, session.reference
    return order


# --- invoices ----------------------------------------------------------------------------------------


async def test_an_invoice_is_created_with_every_field_and_the_api_key(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    order = make_order("19.99", quantity=3)

    session = await gateway.start_payment(order, PAGE)

    [request] = server.seen("POST", "/v1/invoice")
    assert request.headers["x-api-key"] == server.api_key
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "price_amount": 59.97,
        "price_currency": "eur",
        "order_id": order.id,
        "order_description": f"BitLoot order {order.id}",
        "ipn_callback_url": f"{PUBLIC}/payments/ipn",
        "success_url": f"{PUBLIC}/paid?order={order.id}&page={PAGE}",
        "cancel_url": f"{PUBLIC}/cancelled?order={order.id}&page={PAGE}",
    }
    # The exact digits of the total, as a JSON number (not a string, not a rounded float).
    assert b'"price_amount":59.97,' in request.raw
    invoice = server.invoice_for(order.id)
    assert session.reference == invoice["id"]
    assert session.url == invoice["invoice_url"]


async def test_the_amount_keeps_every_digit(server: NowPaymentsServer, gateway: NowPaymentsGateway) -> None:
    await gateway.start_payment(make_order("0.00000001"), PAGE)
    await gateway.start_payment(make_order("999999999.12345678"), PAGE)
    await gateway.start_payment(make_order("5"), PAGE)

    raws = [r.raw for r in server.seen("POST", "/v1/invoice")]
    assert b'"price_amount":0.00000001,' in raws[0]
    assert b'"price_amount":999999999.12345678,' in raws[1]
    assert b'"price_amount":5,' in raws[2]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_5xx_or_429_is_retried_then_succeeds(
    server: NowPaymentsServer, gateway: NowPaymentsGateway, status: int
) -> None:
    server.fail("POST", "/v1/invoice", status=status, times=2)
    order = make_order()

    session = await gateway.start_payment(order, PAGE)

    assert len(server.seen("POST", "/v1/invoice")) == 3
    assert session.reference == server.invoice_for(order.id)["id"]


async def test_three_5xx_give_up_as_provider_unavailable(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    server.fail("POST", "/v1/invoice", status=503, times=5)

    with pytest.raises(PaymentProviderUnavailable):
        await gateway.start_payment(make_order(), PAGE)

    assert len(server.seen("POST", "/v1/invoice")) == 3


async def test_a_read_timeout_is_bounded_and_not_retried(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    # The invoice may have been created: a second POST could bill the customer twice.
    server.hang("POST", "/v1/invoice", seconds=5, times=3)

    started = time.monotonic()
    with pytest.raises(PaymentProviderUnavailable):
        await gateway.start_payment(make_order(), PAGE)

    assert time.monotonic() - started < 3
    assert len(server.seen("POST", "/v1/invoice")) == 1


async def test_a_dropped_answer_is_not_retried(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    server.drop_response("POST", "/v1/invoice")

    with pytest.raises(PaymentProviderUnavailable):
        await gateway.start_payment(make_order(), PAGE)

    assert len(server.seen("POST", "/v1/invoice")) == 1
    assert len(server.invoices) == 1  # made on their side, never shown to anyone


async def test_an_unreachable_provider_is_retried_and_bounded() -> None:
    [port] = free_ports(1)
    settings = NowPaymentsSettings(
        api_key="key-0123456789", base_url=f"http://127.0.0.1:{port}", backoff_seconds=0.01
    )
    gateway = NowPaymentsGateway(settings, PUBLIC)
    started = time.monotonic()
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await gateway.start_payment(make_order(), PAGE)
    finally:
        await gateway.aclose()
    assert time.monotonic() - started < settings.total_seconds


async def test_the_whole_call_has_a_deadline(server: NowPaymentsServer) -> None:
    # A slow answer inside the read timeout still cannot hold the customer past the total bound.
    server.hang("POST", "/v1/invoice", seconds=0.9)
    gateway = NowPaymentsGateway(fast_settings(server, total_seconds=0.3), PUBLIC)
    started = time.monotonic()
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await gateway.start_payment(make_order(), PAGE)
    finally:
        await gateway.aclose()
    assert time.monotonic() - started < 0.8


@pytest.mark.parametrize(
    "answer",
    [
        {"invoice_url": "https://nowpayments.io/payment/?iid=1"},
        {"id": "1"},
        {"id": "", "invoice_url": ""},
        {"id": "9" * 101, "invoice_url": "https://nowpayments.io/payment/?iid=9"},
    ],
)
async def test_an_answer_without_id_or_url_is_refused(answer: dict[str, str]) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    scripted = NowPaymentsGateway(
        NowPaymentsSettings(api_key="key-0123456789"), PUBLIC, transport=httpx.MockTransport(handler)
    )
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await scripted.start_payment(make_order(), PAGE)
    finally:
        await scripted.aclose()


async def test_a_refused_api_key_is_unavailable_and_never_logged(
    server: NowPaymentsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_key = "WRONG-KEY-that-must-not-leak-42"
    gateway = NowPaymentsGateway(fast_settings(server, api_key=wrong_key), PUBLIC)
    try:
        with pytest.raises(PaymentProviderUnavailable) as raised:
            await gateway.start_payment(make_order(), PAGE)
    finally:
        await gateway.aclose()

    assert len(server.seen("POST", "/v1/invoice")) == 1  # a 4xx is an answer: not retried
    assert wrong_key not in str(raised.value)
    assert caplog.records
    assert not any(wrong_key in record.getMessage() for record in caplog.records)
    assert not any(wrong_key in str(record.args) for record in caplog.records)
    assert "403" in caplog.text


def test_the_api_key_and_password_are_hidden_from_reprs(server: NowPaymentsServer) -> None:
    settings = fast_settings(server)
    gateway = NowPaymentsGateway(settings, PUBLIC)

    for shown in (repr(settings), repr(gateway), str(settings)):
        assert server.api_key not in shown
        assert server.password not in shown


# --- listing payments --------------------------------------------------------------------------------


async def test_an_invoices_payments_are_listed_with_a_bearer_token(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    order = await placed(gateway, make_order())
    assert order.payment_reference is not None
    payment = server.pay(order.payment_reference, "finished")

    [found] = await gateway.payments_for(order, [])

    note = found.notification
    assert note.payment_id == str(payment["payment_id"])
    assert note.order_id == order.id
    assert note.status is PaymentStatus.FINISHED
    assert note.price_amount == Decimal("19.99")
    assert note.price_currency == "eur"
    assert note.pay_amount == Decimal("0.00032")
    assert note.actually_paid == Decimal("0.00032")
    assert note.pay_currency == "btc"
    assert len(found.dedupe_key) == 64
    [auth] = server.seen("POST", "/v1/auth")
    assert auth.body == {"email": server.email, "password": server.password}
    [listing] = server.seen("GET", "/v1/payment/")
    assert listing.query["invoiceId"] == order.payment_reference
    assert listing.headers["x-api-key"] == server.api_key
    assert listing.headers["authorization"].startswith("Bearer eyJ.")


async def test_the_same_answer_twice_has_the_same_dedupe_key(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    order = await placed(gateway, make_order())
    assert order.payment_reference is not None
    payment = server.pay(order.payment_reference, "waiting")

    first = await gateway.payments_for(order, [])
    # `updated_at` differs in every answer of the fake: it must not change the key.
    second = await gateway.payments_for(order, [])
    server.update(payment["payment_id"], payment_status="confirming")
    third = await gateway.payments_for(order, [])

    assert [f.dedupe_key for f in first] == [s.dedupe_key for s in second]
    assert first[0].dedupe_key != third[0].dedupe_key
    assert third[0].notification.status is PaymentStatus.CONFIRMING


async def test_the_token_is_reused_and_fetched_again_when_it_expires(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    order = await placed(gateway, make_order())

    await gateway.payments_for(order, [])
    await gateway.payments_for(order, [])
    assert len(server.seen("POST", "/v1/auth")) == 1

    server.revoke_tokens()
    assert await gateway.payments_for(order, []) == []
    assert len(server.seen("POST", "/v1/auth")) == 2


async def test_wrong_credentials_are_unavailable_and_the_password_never_logged(
    server: NowPaymentsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = NowPaymentsGateway(fast_settings(server, password="wrong-password-never-logged"), PUBLIC)
    try:
        order = await placed(gateway, make_order())
        with pytest.raises(PaymentProviderUnavailable):
            await gateway.payments_for(order, [])
    finally:
        await gateway.aclose()

    assert "wrong-password-never-logged" not in caplog.text
    assert server.api_key not in caplog.text


async def test_a_failing_listing_is_retried_then_unavailable(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    order = await placed(gateway, make_order())
    assert order.payment_reference is not None
    server.pay(order.payment_reference, "finished")
    server.hang("GET", "/v1/payment/", seconds=3)

    assert len(await gateway.payments_for(order, [])) == 1  # a read is retried after a timeout
    assert len(server.seen("GET", "/v1/payment/")) == 2

    server.fail("GET", "/v1/payment/", status=500, times=3)
    with pytest.raises(PaymentProviderUnavailable):
        await gateway.payments_for(order, [])


async def test_only_this_orders_readable_payments_are_reported(
    server: NowPaymentsServer, gateway: NowPaymentsGateway, caplog: pytest.LogCaptureFixture
) -> None:
    order = await placed(gateway, make_order())
    other = await placed(gateway, make_order())
    assert order.payment_reference is not None
    assert other.payment_reference is not None
    good = server.pay(order.payment_reference, "partially_paid", actually_paid=0.0001)
    server.pay(order.payment_reference, "a_status_we_do_not_know")
    server.pay(order.payment_reference, "finished", pay_amount=None)
    server.pay(other.payment_reference, "finished")

    found = await gateway.payments_for(order, [])

    assert [f.notification.payment_id for f in found] == [str(good["payment_id"])]
    assert found[0].notification.status is PaymentStatus.PARTIALLY_PAID
    assert found[0].notification.actually_paid == Decimal("0.0001")
    assert "unreadable payment" in caplog.text


async def test_many_payments_are_read_page_by_page(
    server: NowPaymentsServer, gateway: NowPaymentsGateway
) -> None:
    order = await placed(gateway, make_order())
    assert order.payment_reference is not None
    for _ in range(130):
        server.pay(order.payment_reference, "expired")

    found = await gateway.payments_for(order, [])

    assert len(found) == 130
    assert len({f.dedupe_key for f in found}) == 130
    assert [r.query["page"] for r in server.seen("GET", "/v1/payment/")] == ["0", "1"]


# --- without the account's login: known payment ids only --------------------------------------------


async def test_without_login_known_payments_are_asked_one_by_one(server: NowPaymentsServer) -> None:
    gateway = NowPaymentsGateway(fast_settings(server, login=False), PUBLIC)
    try:
        order = await placed(gateway, make_order())
        assert order.payment_reference is not None
        first = server.pay(order.payment_reference, "finished")

        assert await gateway.payments_for(order, []) == []  # nothing known: nothing can be asked
        found = await gateway.payments_for(order, [str(first["payment_id"]), "404404404"])
    finally:
        await gateway.aclose()

    assert [f.notification.payment_id for f in found] == [str(first["payment_id"])]
    assert found[0].notification.status is PaymentStatus.FINISHED
    assert server.seen("POST", "/v1/auth") == []
    assert [r.path for r in server.seen("GET")] == [
        f"/v1/payment/{first['payment_id']}",
        "/v1/payment/404404404",
    ]
    assert all("authorization" not in r.headers for r in server.seen("GET"))


def test_dedupe_fields_are_json_canonical() -> None:
    # The key covers the API answer's meaningful fields as the IPN form prints them (1.0 -> 1).
    from bitloot.adapters.payments.nowpayments.lookups import dedupe_key

    one = dedupe_key(json.loads('{"payment_id": 1, "price_amount": 1.0, "updated_at": "a"}'))
    two = dedupe_key(json.loads('{"updated_at": "b", "price_amount": 1, "payment_id": 1}'))

    assert one == two
