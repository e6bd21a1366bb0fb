"""OpenAPI, health, unknown routes, the payment simulator and production configuration (docs/runtime-modes.md,
docs/http-api.md)."""

import asyncio
import base64
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from bitloot.entrypoints.config import ConfigurationError, load_settings
from bitloot.entrypoints.http.app import create_app
from tests.http.conftest import Shop, assert_problem, available, fulfillment_status
from tests.support.sqlite_template import upgrade_from_template

REQUIRED_SECRETS = (
    "BITLOOT_MASTER_KEYS",
    "BITLOOT_LINK_SECRET",
    "BITLOOT_KEY_FINGERPRINT_SECRET",
    "BITLOOT_NOWPAYMENTS_IPN_SECRET",
    "BITLOOT_ADMIN_TOKEN",
    "BITLOOT_NOWPAYMENTS_API_KEY",
)


def production_environment(data_dir: Path) -> dict[str, str]:
    return {
        "BITLOOT_ENV": "production",
        "BITLOOT_DATA_DIR": str(data_dir),
        "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
        "BITLOOT_MASTER_KEYS": "1:" + base64.b64encode(os.urandom(32)).decode(),
        "BITLOOT_LINK_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "BITLOOT_KEY_FINGERPRINT_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "BITLOOT_NOWPAYMENTS_IPN_SECRET": "ipn-secret-from-the-nowpayments-dashboard",
        "BITLOOT_ADMIN_TOKEN": "a" * 16 + "-operator-token-" + "b" * 16,
        "BITLOOT_NOWPAYMENTS_API_KEY": "NP-API-KEY-from-the-dashboard-0123",
    }


async def test_openapi_schema_lists_the_api(shop: Shop) -> None:
    page = await shop.client.get("/schema")
    document = await shop.client.get("/schema/openapi.json")

    assert page.status_code == 200, page.text
    assert document.status_code == 200, document.text
    paths = document.json()["paths"]
    for path in (
        "/products",
        "/orders",
        "/payments/ipn",
        "/fulfillment/{order_id}/status",
        "/fulfillment/{order_id}/download-link",
        "/fulfillment/{order_id}/reveal",
        "/fulfillment/health",
        "/admin/products",
        "/admin/orders",
    ):
        assert path in paths, sorted(paths)
    assert not any(p.startswith("/simulator") for p in paths)


async def test_health_is_ok_when_everything_answers(shop: Shop) -> None:
    answer = await shop.client.get("/fulfillment/health")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"ok", "service", "timestamp", "checks"}
    assert body["ok"] is True
    assert body["service"]
    assert body["checks"] == {"database": "ok", "storage": "ok", "queue": "ok"}
    assert answer.headers["cache-control"] == "no-store"


async def test_health_is_503_naming_storage_when_the_key_folder_is_unusable(shop: Shop) -> None:
    storage = shop.settings.storage_dir
    shutil.rmtree(storage, ignore_errors=True)
    # A regular file where the folder should be: nothing can be written below it, even as root.
    storage.write_bytes(b"not a directory")

    answer = await shop.client.get("/fulfillment/health")

    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["ok"] is False
    assert body["checks"] == {"database": "ok", "storage": "error", "queue": "ok"}
    assert str(storage) not in answer.text


async def test_health_recovers_with_the_storage(shop: Shop) -> None:
    storage = shop.settings.storage_dir
    shutil.rmtree(storage, ignore_errors=True)
    storage.write_bytes(b"not a directory")
    assert (await shop.client.get("/fulfillment/health")).status_code == 503

    storage.unlink()

    assert (await shop.client.get("/fulfillment/health")).status_code == 200


async def test_storage_outage_during_key_import_is_a_503(shop: Shop) -> None:
    product = await shop.product([])
    storage = shop.settings.storage_dir
    shutil.rmtree(storage, ignore_errors=True)
    storage.write_bytes(b"not a directory")

    answer = await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": ["KEY-1"]}, headers=shop.admin
    )

    assert_problem(answer, 503)
    assert await available(shop, product["id"]) == 0


@pytest.mark.parametrize(("method", "url"), [("GET", "/nowhere"), ("POST", "/orders/x/y"), ("GET", "/d")])
async def test_unknown_route_is_a_404_problem(shop: Shop, method: str, url: str) -> None:
    answer = await shop.client.request(method, url)

    assert_problem(answer, 404)


async def test_wrong_method_is_a_405_problem(shop: Shop) -> None:
    assert_problem(await shop.client.delete("/products"), 405)


async def test_simulator_page_offers_the_payment_buttons(shop: Shop) -> None:
    product = await shop.product(["KEY-SIM"])
    order = await shop.order(product["id"])

    answer = await shop.client.get(f"/simulator/pay/{order['id']}")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert order["id"] in answer.text
    for status in ("finished", "partially_paid", "expired"):
        assert f'value="{status}"' in answer.text


async def test_simulator_payment_fulfills_the_order(shop: Shop) -> None:
    product = await shop.product(["KEY-SIM"])
    order = await shop.order(product["id"])

    answer = await shop.client.post(f"/simulator/pay/{order['id']}", data={"status": "finished"})

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "KEY-SIM" not in answer.text
    status = await fulfillment_status(shop, order)
    assert status["status"] == "fulfilled"
    revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    assert [k["key"] for k in revealed.json()["keys"]] == ["KEY-SIM"]


async def test_simulator_partial_payment_leaves_the_order_underpaid(shop: Shop) -> None:
    product = await shop.product(["KEY-SIM"])
    order = await shop.order(product["id"])

    answer = await shop.client.post(f"/simulator/pay/{order['id']}", data={"status": "partially_paid"})

    assert answer.status_code == 200, answer.text
    assert (await fulfillment_status(shop, order))["orderStatus"] == "underpaid"


async def test_simulator_refuses_other_statuses(shop: Shop) -> None:
    product = await shop.product(["KEY-SIM"])
    order = await shop.order(product["id"])

    answer = await shop.client.post(f"/simulator/pay/{order['id']}", data={"status": "refunded"})

    assert answer.status_code == 400
    assert (await fulfillment_status(shop, order))["orderStatus"] == "awaiting_payment"


async def test_simulator_for_an_unknown_order_is_a_404(shop: Shop) -> None:
    answer = await shop.client.get("/simulator/pay/0190d8d0-0000-7000-8000-000000000000")

    assert answer.status_code == 404


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    settings = load_settings(production_environment(tmp_path))
    assert settings.production
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


async def test_simulator_is_absent_in_production(production: AsyncTestClient[Any], tmp_path: Path) -> None:
    some_order = "0190d8d0-0000-7000-8000-000000000000"

    page = await production.get(f"/simulator/pay/{some_order}")
    payment = await production.post(f"/simulator/pay/{some_order}", data={"status": "finished"})
    schema = await production.get("/schema/openapi.json")

    assert_problem(page, 404)
    assert_problem(payment, 404)
    assert not any(p.startswith("/simulator") for p in schema.json()["paths"])
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize("env", ["development", "test"])
async def test_simulator_is_absent_whenever_a_payment_provider_is_configured(
    tmp_path: Path, env: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator who set the NOWPayments key but left `BITLOOT_ENV` at its default must not leave
    a page open that marks any order paid."""
    settings = load_settings(
        {
            "BITLOOT_ENV": env,
            "BITLOOT_DATA_DIR": str(tmp_path),
            "BITLOOT_NOWPAYMENTS_API_KEY": "NP-API-KEY-from-the-dashboard-0123",
        }
    )
    some_order = "0190d8d0-0000-7000-8000-000000000000"
    await asyncio.to_thread(upgrade_from_template, settings.database_url)

    with caplog.at_level("INFO", logger="bitloot"):
        app = create_app(settings)
    async with AsyncTestClient(app) as client:
        page = await client.get(f"/simulator/pay/{some_order}")
        payment = await client.post(f"/simulator/pay/{some_order}", data={"status": "finished"})
        schema = await client.get("/schema/openapi.json")

    assert not any(p.startswith("/simulator") for p in schema.json()["paths"])
    assert_problem(page, 404)
    assert_problem(payment, 404)
    assert "payment simulator not mounted" in caplog.text


def test_the_start_up_log_says_when_the_simulator_is_mounted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings({"BITLOOT_ENV": "development", "BITLOOT_DATA_DIR": str(tmp_path)})

    with caplog.at_level("INFO", logger="bitloot"):
        create_app(settings)

    assert "payment simulator mounted" in caplog.text


async def test_production_uses_the_given_admin_token(
    production: AsyncTestClient[Any], tmp_path: Path
) -> None:
    token = production_environment(tmp_path)["BITLOOT_ADMIN_TOKEN"]

    refused = await production.get("/admin/orders", headers={"Authorization": f"Bearer {token}x"})

    assert_problem(refused, 401)


def test_production_without_secrets_names_each_missing_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"BITLOOT_ENV": "production", "BITLOOT_DATA_DIR": str(tmp_path)})

    message = str(raised.value)
    for name in REQUIRED_SECRETS:
        assert name in message
        assert sum(name in problem for problem in raised.value.problems) == 1
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize("missing", REQUIRED_SECRETS)
def test_production_missing_one_secret_names_it(tmp_path: Path, missing: str) -> None:
    environment = production_environment(tmp_path)
    del environment[missing]

    with pytest.raises(ConfigurationError) as raised:
        load_settings(environment)

    assert [p for p in raised.value.problems if missing in p] != []
    others = [name for name in REQUIRED_SECRETS if name != missing]
    assert not any(name in str(raised.value) for name in others)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BITLOOT_ADMIN_TOKEN", "too-short"),
        ("BITLOOT_LINK_SECRET", base64.b64encode(b"short").decode()),
        ("BITLOOT_MASTER_KEYS", "1:" + base64.b64encode(b"short").decode()),
        ("BITLOOT_MASTER_KEYS", "not a keyring"),
    ],
)
def test_production_refuses_weak_secrets(tmp_path: Path, name: str, value: str) -> None:
    environment = {**production_environment(tmp_path), name: value}

    with pytest.raises(ConfigurationError) as raised:
        load_settings(environment)

    assert name in str(raised.value)
    assert value not in str(raised.value) or len(value) < 12


def test_secrets_do_not_appear_in_the_settings_repr(tmp_path: Path) -> None:
    environment = production_environment(tmp_path)
    settings = load_settings(environment)

    shown = repr(settings)

    for name in REQUIRED_SECRETS:
        secret = environment[name].removeprefix("1:")
        assert secret not in shown, name


async def test_payment_return_pages_never_echo_their_address(shop: Shop) -> None:
    thanks = await shop.client.get("/paid", params={"order": "<script>x</script>", "page": "<b>y</b>"})
    assert thanks.status_code == 200
    assert "<script>x" not in thanks.text
    assert "<b>y" not in thanks.text
    assert (await shop.client.get("/cancelled")).status_code == 200


def test_trusted_proxies_are_read_and_a_bad_one_refuses_the_start(tmp_path: Path) -> None:
    environment = {**production_environment(tmp_path), "BITLOOT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"}
    assert [str(n) for n in load_settings(environment).trusted_proxies] == ["10.0.0.0/8", "192.0.2.7/32"]

    with pytest.raises(ConfigurationError) as raised:
        load_settings({**environment, "BITLOOT_TRUSTED_PROXIES": "10.0.0.0/8, balancer"})
    assert "BITLOOT_TRUSTED_PROXIES" in str(raised.value)
    assert "'balancer'" in str(raised.value)


async def test_the_home_page_links_the_docs_and_health_which_also_answers_at_health(shop: Shop) -> None:
    home = await shop.client.get("/")
    health = await shop.client.get("/health")
    old_health = await shop.client.get("/fulfillment/health")

    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    assert "script-src" not in home.headers["content-security-policy"]
    for link in ('href="/schema"', 'href="/health"', 'href="/products"'):
        assert link in home.text
    assert health.status_code == old_health.status_code == 200
    assert health.json()["checks"] == old_health.json()["checks"]


async def test_the_api_docs_load_nothing_from_elsewhere_and_declare_the_bearer_schemes(shop: Shop) -> None:
    page = await shop.client.get("/schema")
    document = (await shop.client.get("/schema/openapi.json")).json()

    assert "https://" not in page.text, "no CDN"
    assert "http://" not in page.text, "no CDN"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    for asset in ("/assets/swagger-ui/swagger-ui-bundle.js", "/assets/site/swagger-init.js"):
        assert asset in page.text
        assert (await shop.client.get(asset)).status_code == 200
    schemes = document["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        "orderToken": ("http", "bearer"),
        "adminToken": ("http", "bearer"),
    }
    status = document["paths"]["/fulfillment/{order_id}/status"]["get"]
    assert status["security"] == [{"orderToken": []}]
    assert document["paths"]["/admin/orders"]["get"]["security"] == [{"adminToken": []}]
    described = [
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if not operation.get("description")
    ]
    assert described == [], "every operation has a description"
