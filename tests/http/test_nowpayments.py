"""The shop wired to NOWPayments (a fake server on loopback): invoices for `POST /orders`, provider
failures as 503 with nothing stored, and the payment reconciler finding payments whose IPN was lost."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from bitloot.adapters.payments.nowpayments.gateway import NowPaymentsGateway
from bitloot.adapters.payments.simulator import SimulatorPaymentGateway
from bitloot.application.ports.payments import PaymentGateway, PaymentLookup
from bitloot.application.use_cases.reconcile_payments import PaymentSweep
from bitloot.entrypoints.config import ConfigurationError, load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.reconciler import PaymentCursor, reconcile_payments_round
from bitloot.entrypoints.tasks import build_broker
from tests.fakes.clock import FrozenClock
from tests.http.conftest import (
    ClockProvider,
    Shop,
    assert_problem,
    available,
    fulfillment_status,
    order_details,
)
from tests.infra.ports import free_ports
from tests.providers.nowpayments_server import NowPaymentsServer, running_nowpayments
from tests.support.sqlite_template import upgrade_from_template

PUBLIC = "https://shop.example"
PAST_GRACE = timedelta(minutes=3)


@dataclass
class NowShop:
    shop: Shop
    app: Litestar
    server: NowPaymentsServer
    clock: FrozenClock
    cursor: PaymentCursor = field(default_factory=PaymentCursor)

    @property
    def client(self) -> AsyncTestClient[Any]:
        return self.shop.client

    def reconcile(self) -> PaymentSweep:
        """One round of the payment reconciler, inside the app's own event loop and container."""
        container = self.app.state.dishka_container
        return self.client.blocking_portal.call(reconcile_payments_round, container, self.cursor)

    async def order(self, product_id: str) -> dict[str, Any]:
        return await self.shop.order(product_id)

    def invoice_id(self, order: dict[str, Any]) -> str:
        invoice_id: str = self.server.invoice_for(order["id"])["id"]
        return invoice_id


def environment(
    data_dir: Path, server: NowPaymentsServer, *, login: bool = True, **extra: str
) -> dict[str, str]:
    return {
        "BITLOOT_DATA_DIR": str(data_dir),
        "BITLOOT_ENV": "test",
        "BITLOOT_PUBLIC_BASE_URL": PUBLIC,
        "BITLOOT_NOWPAYMENTS_BASE_URL": server.base_url,
        "BITLOOT_NOWPAYMENTS_API_KEY": server.api_key,
        **(
            {"BITLOOT_NOWPAYMENTS_EMAIL": server.email, "BITLOOT_NOWPAYMENTS_PASSWORD": server.password}
            if login
            else {}
        ),
        # The tests run reconciler rounds themselves unless they say otherwise.
        "BITLOOT_RECONCILE_EVERY_SECONDS": "3600",
        "BITLOOT_PAYMENT_RECONCILE_EVERY_SECONDS": "3600",
        **extra,
    }


@asynccontextmanager
async def open_nowshop(data_dir: Path, server: NowPaymentsServer, **options: Any) -> AsyncIterator[NowShop]:
    settings = load_settings(environment(data_dir, server, **options))
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    clock = FrozenClock()
    app = create_app(settings, build_broker(settings, await_inplace=True), ClockProvider(clock))
    async with AsyncTestClient(app) as client:
        yield NowShop(Shop(client, settings), app, server, clock)


@pytest.fixture
def server() -> Iterator[NowPaymentsServer]:
    with running_nowpayments() as running:
        yield running


@pytest.fixture
async def nowshop(tmp_path: Path, server: NowPaymentsServer) -> AsyncIterator[NowShop]:
    async with open_nowshop(tmp_path, server) as opened:
        yield opened


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)


async def admin_orders(nowshop: NowShop) -> list[dict[str, Any]]:
    answer = await nowshop.client.get("/admin/orders", headers=nowshop.shop.admin)
    assert answer.status_code == 200, answer.text
    orders: list[dict[str, Any]] = answer.json()
    return orders


# --- invoices ----------------------------------------------------------------------------------------


async def test_the_gateway_is_nowpayments_when_its_key_is_set(nowshop: NowShop) -> None:
    container = nowshop.app.state.dishka_container

    async def resolve() -> tuple[object, object]:
        return await container.get(PaymentGateway), await container.get(PaymentLookup)

    gateway, lookup = nowshop.client.blocking_portal.call(resolve)

    assert isinstance(gateway, NowPaymentsGateway)
    assert lookup is gateway


async def test_placing_an_order_creates_an_invoice(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-1", "KEY-2"], price="12.50")

    order = await nowshop.shop.order(product["id"], quantity=2)

    [request] = nowshop.server.seen("POST", "/v1/invoice")
    assert request.headers["x-api-key"] == nowshop.server.api_key
    # The customer comes back with the order page link's token (the answer's `orderPageUrl`).
    page = order["orderPageUrl"].removeprefix(f"{PUBLIC}/o/")
    assert request.body == {
        "price_amount": 25,
        "price_currency": "eur",
        "order_id": order["id"],
        "order_description": f"BitLoot order {order['id']}",
        "ipn_callback_url": f"{PUBLIC}/payments/ipn",
        "success_url": f"{PUBLIC}/paid?order={order['id']}&page={page}",
        "cancel_url": f"{PUBLIC}/cancelled?order={order['id']}&page={page}",
    }
    invoice = nowshop.server.invoice_for(order["id"])
    assert order["paymentUrl"] == invoice["invoice_url"]
    assert order["status"] == "awaiting_payment"
    details = await order_details(nowshop.shop, order["id"])
    assert details["order"]["paymentReference"] == invoice["id"]


async def test_a_5xx_is_retried_and_the_order_placed(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-1"])
    nowshop.server.fail("POST", "/v1/invoice", status=502)

    order = await nowshop.shop.order(product["id"])

    assert len(nowshop.server.seen("POST", "/v1/invoice")) == 2
    assert order["paymentUrl"] == nowshop.server.invoice_for(order["id"])["invoice_url"]


async def test_a_provider_outage_is_a_503_and_nothing_is_stored(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-1"])
    nowshop.server.fail("POST", "/v1/invoice", status=503, times=3)

    answer = await nowshop.client.post(
        "/orders",
        json={"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 1}]},
    )

    body = assert_problem(answer, 503)
    assert "payment provider" in body["detail"]
    assert nowshop.server.api_key not in answer.text
    assert len(nowshop.server.seen("POST", "/v1/invoice")) == 3
    assert await admin_orders(nowshop) == []
    assert await available(nowshop.shop, product["id"]) == 1


async def test_a_lost_answer_is_a_503_not_retried_and_nothing_is_stored(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-1"])
    nowshop.server.drop_response("POST", "/v1/invoice")

    answer = await nowshop.client.post(
        "/orders",
        json={"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 1}]},
    )

    assert_problem(answer, 503)
    assert len(nowshop.server.seen("POST", "/v1/invoice")) == 1
    assert await admin_orders(nowshop) == []


async def test_an_unreachable_provider_is_a_503_in_bounded_time(
    tmp_path: Path, server: NowPaymentsServer
) -> None:
    [closed_port] = free_ports(1)
    async with open_nowshop(
        tmp_path, server, BITLOOT_NOWPAYMENTS_BASE_URL=f"http://127.0.0.1:{closed_port}"
    ) as nowshop:
        product = await nowshop.shop.product(["KEY-1"])
        started = time.monotonic()
        answer = await nowshop.client.post(
            "/orders",
            json={"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 1}]},
        )
        elapsed = time.monotonic() - started
        assert_problem(answer, 503)
        assert elapsed < 10
        assert await admin_orders(nowshop) == []


async def test_a_wrong_api_key_is_a_503_and_never_shown(
    tmp_path: Path, server: NowPaymentsServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_nowshop(
        tmp_path, server, BITLOOT_NOWPAYMENTS_API_KEY="not-the-key-0123456789"
    ) as nowshop:
        product = await nowshop.shop.product(["KEY-1"])
        answer = await nowshop.client.post(
            "/orders",
            json={"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 1}]},
        )

        assert_problem(answer, 503)
        assert "not-the-key-0123456789" not in answer.text
        assert "not-the-key-0123456789" not in caplog.text
        assert await admin_orders(nowshop) == []


# --- the payment reconciler --------------------------------------------------------------------------


async def test_a_finished_payment_whose_ipn_was_lost_is_fulfilled(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-LOST-IPN"])
    order = await nowshop.order(product["id"])
    nowshop.server.pay(nowshop.invoice_id(order), "finished")

    early = nowshop.reconcile()  # inside the grace period: left to the IPN
    nowshop.clock.advance(PAST_GRACE)
    sweep = nowshop.reconcile()

    assert early.asked == 0
    assert nowshop.server.seen("GET", "/v1/payment/") != []
    assert (sweep.asked, sweep.recorded, sweep.applied) == (1, 1, 1)
    status = await fulfillment_status(nowshop.shop, order)
    assert status["orderStatus"] == "fulfilled"
    details = await order_details(nowshop.shop, order["id"])
    [payment] = details["payments"]
    assert (payment["status"], payment["outcome"]) == ("finished", "applied")
    assert len(details["keys"]) == 1


async def test_the_late_ipn_after_reconciliation_changes_nothing(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-1", "KEY-2"])
    order = await nowshop.order(product["id"])
    payment = nowshop.server.pay(nowshop.invoice_id(order), "finished")
    nowshop.clock.advance(PAST_GRACE)
    nowshop.reconcile()

    body, headers = nowshop.shop.ipn(order, "finished", payment_id=payment["payment_id"])
    answer = await nowshop.client.post("/payments/ipn", content=body, headers=headers)

    assert answer.status_code == 200, answer.text
    assert (await fulfillment_status(nowshop.shop, order))["orderStatus"] == "fulfilled"
    assert len((await order_details(nowshop.shop, order["id"]))["keys"]) == 1
    assert await available(nowshop.shop, product["id"]) == 1


async def test_asking_twice_records_once_and_waiting_leaves_the_order_awaiting(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-1"])
    order = await nowshop.order(product["id"])
    nowshop.server.pay(nowshop.invoice_id(order), "waiting")
    nowshop.clock.advance(PAST_GRACE)

    first = nowshop.reconcile()
    second = nowshop.reconcile()

    assert (first.recorded, second.recorded) == (1, 0)
    assert len(nowshop.server.seen("GET", "/v1/payment/")) == 2
    assert len(nowshop.server.seen("POST", "/v1/auth")) == 1  # the token is reused
    status = await fulfillment_status(nowshop.shop, order)
    assert status["orderStatus"] == "awaiting_payment"
    [payment] = (await order_details(nowshop.shop, order["id"]))["payments"]
    assert (payment["status"], payment["outcome"]) == ("waiting", "no_change")


async def test_an_outage_while_reconciling_changes_nothing_until_it_ends(nowshop: NowShop) -> None:
    product = await nowshop.shop.product(["KEY-1"])
    order = await nowshop.order(product["id"])
    nowshop.server.pay(nowshop.invoice_id(order), "finished")
    nowshop.clock.advance(PAST_GRACE)
    nowshop.server.fail("GET", "/v1/payment/", status=500, times=3)

    down = nowshop.reconcile()
    assert down.interrupted
    assert (await fulfillment_status(nowshop.shop, order))["orderStatus"] == "awaiting_payment"

    nowshop.cursor = PaymentCursor()
    nowshop.reconcile()
    assert (await fulfillment_status(nowshop.shop, order))["orderStatus"] == "fulfilled"


async def test_the_reconciler_loop_finds_the_lost_payment(tmp_path: Path, server: NowPaymentsServer) -> None:
    async with open_nowshop(tmp_path, server, BITLOOT_PAYMENT_RECONCILE_EVERY_SECONDS="1") as nowshop:
        product = await nowshop.shop.product(["KEY-LOOP"])
        order = await nowshop.order(product["id"])
        nowshop.server.pay(nowshop.invoice_id(order), "finished")
        nowshop.clock.advance(PAST_GRACE)

        deadline = time.monotonic() + 10
        status = await fulfillment_status(nowshop.shop, order)
        while status["orderStatus"] != "fulfilled" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            status = await fulfillment_status(nowshop.shop, order)

        assert status["orderStatus"] == "fulfilled"


async def test_shutting_down_does_not_wait_for_a_hanging_provider(
    tmp_path: Path, server: NowPaymentsServer
) -> None:
    server.hang("GET", "/v1/payment/", seconds=60, times=10)
    async with open_nowshop(tmp_path, server, BITLOOT_PAYMENT_RECONCILE_EVERY_SECONDS="1") as nowshop:
        product = await nowshop.shop.product(["KEY-1"])
        await nowshop.order(product["id"])
        nowshop.clock.advance(PAST_GRACE)
        assert await eventually(lambda: bool(server.seen("GET", "/v1/payment/")))  # a round waits on it
        started = time.monotonic()

    # The client would wait up to 10 s per attempt; the round is abandoned instead.
    assert time.monotonic() - started < 3


async def test_without_the_login_a_known_payment_is_asked_by_its_id(
    tmp_path: Path, server: NowPaymentsServer
) -> None:
    async with open_nowshop(tmp_path, server, login=False) as nowshop:
        product = await nowshop.shop.product(["KEY-1", "KEY-2"])
        order = await nowshop.order(product["id"])
        silent = await nowshop.order(product["id"])
        payment = nowshop.server.pay(nowshop.invoice_id(order), "waiting")
        nowshop.server.pay(nowshop.invoice_id(silent), "finished")
        # The `waiting` IPN arrived; the `finished` one is lost.
        body, headers = nowshop.shop.ipn(order, "waiting", payment_id=payment["payment_id"], actually_paid=0)
        assert (await nowshop.client.post("/payments/ipn", content=body, headers=headers)).status_code == 200
        nowshop.server.update(
            payment["payment_id"], payment_status="finished", actually_paid=payment["pay_amount"]
        )
        nowshop.clock.advance(PAST_GRACE)

        nowshop.reconcile()

        assert (await fulfillment_status(nowshop.shop, order))["orderStatus"] == "fulfilled"
        # An order that never got an IPN cannot be found without listing its invoice.
        assert (await fulfillment_status(nowshop.shop, silent))["orderStatus"] == "awaiting_payment"
        assert [r.path for r in nowshop.server.seen("GET")] == [f"/v1/payment/{payment['payment_id']}"]
        assert nowshop.server.seen("POST", "/v1/auth") == []


# --- configuration -----------------------------------------------------------------------------------


async def test_without_an_api_key_the_simulator_is_the_gateway(shop: Shop) -> None:
    container = shop.client.app.state.dishka_container

    async def resolve() -> object:
        return await container.get(PaymentGateway)

    assert isinstance(shop.client.blocking_portal.call(resolve), SimulatorPaymentGateway)
    assert shop.settings.nowpayments is None


def test_the_settings_read_every_nowpayments_variable(tmp_path: Path, server: NowPaymentsServer) -> None:
    settings = load_settings(
        environment(tmp_path, server, BITLOOT_NOWPAYMENTS_BASE_URL=server.base_url + "/")
    )

    assert settings.nowpayments is not None
    assert settings.nowpayments.base_url == server.base_url
    assert settings.nowpayments.api_key == server.api_key
    assert settings.nowpayments.can_list_payments
    assert settings.tuning.reconciler.payment_every_seconds == 3600
    for secret in (server.api_key, server.password):
        assert secret not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"BITLOOT_NOWPAYMENTS_PASSWORD": ""}, "BITLOOT_NOWPAYMENTS_EMAIL and BITLOOT_NOWPAYMENTS_PASSWORD"),
        ({"BITLOOT_NOWPAYMENTS_BASE_URL": "ftp://api.nowpayments.io"}, "BITLOOT_NOWPAYMENTS_BASE_URL"),
        ({"BITLOOT_PAYMENT_RECONCILE_EVERY_SECONDS": "0"}, "BITLOOT_PAYMENT_RECONCILE_EVERY_SECONDS"),
    ],
)
def test_invalid_nowpayments_settings_are_refused_with_one_message(
    tmp_path: Path, server: NowPaymentsServer, changes: dict[str, str], problem: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({**environment(tmp_path, server), **changes})

    assert [p for p in raised.value.problems if problem in p] != []
    assert server.api_key not in str(raised.value)
    assert server.password not in str(raised.value)
