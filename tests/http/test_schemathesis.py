"""schemathesis over the app's own OpenAPI document (`/schema/openapi.json`), in-process on a real SQLite
file: for every operation, generated requests (valid and invalid) never get a 5xx, and every documented
response matches its schema and media type.

Admin routes get the admin token; customer routes get, half of the time, a real order's id and access
token (or a real delivery link, product or webhook delivery), so that the happy paths are fuzzed too."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from bitloot.adapters.persistence.sqla.migrate import upgrade
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.factories.http import keys_body, order_body, product_body
from tests.http.conftest import embedded_settings
from tests.support.ipn import ipn_request_for

EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@dataclass
class Known:
    """Real ids the fuzzer may use instead of random ones."""

    admin: dict[str, str]
    order_id: str
    access_token: str
    product_id: str
    delivery_id: str
    link_token: str


@dataclass
class Fuzzed:
    client: TestClient[Any]
    schema: Any
    known: Known


def _seed(client: TestClient[Any], settings: Settings) -> Known:
    admin = {"Authorization": f"Bearer {settings.secrets.admin_token}"}
    product = client.post(
        "/admin/products",
        json=product_body(sku="FUZZ-1", name="Fuzz game", price=Decimal("19.99")),
        headers=admin,
    ).json()
    keys = [f"FUZZ-KEY-{n}" for n in range(40)]
    assert client.post(
        f"/admin/products/{product['id']}/keys", json=keys_body(keys), headers=admin
    ).is_success
    order = client.post("/orders", json=order_body(product["id"], email="fuzz@example.com")).json()
    body, headers = ipn_request_for(order, settings.secrets.ipn_secret, pay_address="bc1qfuzz")
    paid = client.post("/payments/ipn", content=body, headers=headers)
    assert paid.status_code == 200, paid.text
    bearer = {"Authorization": f"Bearer {order['accessToken']}"}
    link = client.get(f"/fulfillment/{order['id']}/download-link", headers=bearer)
    assert link.status_code == 200, link.text
    deliveries = client.get("/admin/webhooks", headers=admin).json()
    return Known(
        admin=admin,
        order_id=order["id"],
        access_token=order["accessToken"],
        product_id=product["id"],
        delivery_id=deliveries[0]["id"],
        link_token=link.json()["signedUrl"].rstrip("/").rsplit("/", 1)[-1],
    )


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    settings = embedded_settings(Path(tmp_path_factory.mktemp("fuzz")))
    upgrade(settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True))
    with TestClient(app) as client:
        document = client.get("/schema/openapi.json")
        assert document.status_code == 200, document.text
        schema = schemathesis.openapi.from_dict(document.json())
        yield Fuzzed(client, schema, _seed(client, settings))


def _operations() -> list[str]:
    """`METHOD path` of every operation, listed here so that test ids are known at collection time;
    `test_every_operation_is_fuzzed` fails when the document gains or loses one."""
    return [
        "GET /products",
        "POST /orders",
        "GET /fulfillment/{order_id}/download-link",
        "POST /fulfillment/{order_id}/reveal",
        "GET /fulfillment/{order_id}/status",
        "POST /d/{token}/reveal",
        "GET /d/{token}",
        "POST /payments/ipn",
        "POST /webhooks/kinguin",
        "POST /admin/products",
        "POST /admin/products/{product_id}/keys",
        "GET /admin/orders",
        "GET /admin/orders/{order_id}",
        "POST /admin/webhooks/{delivery_id}/replay",
        "POST /admin/orders/{order_id}/retry",
        "GET /admin/webhooks/{delivery_id}",
        "GET /admin/webhooks",
        "GET /admin/products",
        "GET /admin/products/{product_id}",
        "PATCH /admin/products/{product_id}",
        "GET /admin/products/{product_id}/stock",
        "POST /admin/products/{product_id}/stock/withdraw",
        "GET /admin/stock/low",
        "GET /fulfillment/health",
        "GET /health",
        "GET /admin/orders/search",
        "GET /admin/orders/{order_id}/timeline",
        "GET /admin/overview",
        "POST /fulfillment/{order_id}/reports",
        "POST /d/{token}/report",
        "GET /admin/key-reports",
        "POST /admin/key-reports/{report_id}/replace",
        "POST /admin/key-reports/{report_id}/dismiss",
        "POST /admin/orders/{order_id}/keys/{key_id}/replace",
        "POST /admin/orders/{order_id}/resend-email",
        # Last: it may refund the seeded order, after which its keys answer 410.
        "POST /admin/orders/{order_id}/refund",
    ]


def _operation(schema: Any, name: str) -> Any:
    method, path = name.split(" ", 1)
    for result in schema.get_all_operations():
        operation: Any = result.ok()
        if operation.method.upper() == method and operation.path == path:
            return operation
    raise AssertionError(f"{name} is not in the OpenAPI document")


def test_every_operation_is_fuzzed(fuzzed: Fuzzed) -> None:
    documented = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in fuzzed.schema.get_all_operations()
    }
    assert documented == set(_operations())


def _use_known(case: Any, known: Known) -> None:
    params = case.path_parameters if case.path_parameters is not None else {}
    real = {
        "order_id": known.order_id,
        "product_id": known.product_id,
        "delivery_id": known.delivery_id,
        "token": known.link_token,
    }
    for name in params:
        if name in real:
            params[name] = real[name]
    body = case.body
    if (
        case.path == "/orders"
        and isinstance(body, dict)
        and isinstance(body.get("items"), list)
        and body["items"]
    ):
        # A real product and a plausible address, so that orders really get placed.
        line = body["items"][0] if isinstance(body["items"][0], dict) else {}
        body["items"] = [{**line, "productId": known.product_id}]
        body["email"] = "fuzz@example.com"
    if case.path.startswith("/fulfillment/"):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {known.access_token}"}


def _send(client: TestClient[Any], case: Any) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://testserver.local")
    request: dict[str, Any] = {"headers": kwargs.get("headers"), "params": kwargs.get("params")}
    if kwargs.get("cookies"):
        # No route reads a cookie; httpx deprecates per-request cookies.
        request["headers"] = {
            **(request["headers"] or {}),
            "Cookie": "; ".join(f"{key}={value}" for key, value in kwargs["cookies"].items()),
        }
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        request["content"] = data
    elif data is not None:
        request["data"] = data
    if kwargs.get("files") is not None:
        request["files"] = kwargs["files"]
    return client.request(kwargs["method"], kwargs["url"], **request)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("name", _operations())
def test_no_server_error_and_responses_match_the_schema(
    fuzzed: Fuzzed, name: str, mode: GenerationMode
) -> None:
    operation = _operation(fuzzed.schema, name)
    known = fuzzed.known

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode), real_ids=st.booleans())
    def run(case: Any, real_ids: bool) -> None:
        if real_ids and mode is GenerationMode.POSITIVE:
            _use_known(case, known)
        if case.path.startswith("/admin/"):
            case.headers = {**(case.headers or {}), **known.admin}
        response = _send(fuzzed.client, case)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Nothing of this operation can be made invalid (no body, no query, only free-text path ids).
        assert mode is GenerationMode.NEGATIVE, name
