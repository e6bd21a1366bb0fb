"""The OpenAPI document as a newcomer reads it: the main bodies carry an example that the API really
accepts or answers, the customer calls document each error they can give as problem details (with
`Retry-After` on a 429), and Redoc, like Swagger UI, loads nothing from elsewhere (issue 10)."""

from typing import Any

import msgspec
import pytest

from bitloot.entrypoints.http.openapi_examples import EXAMPLES
from bitloot.entrypoints.http.problems import PROBLEM_JSON
from bitloot.entrypoints.http.schemas import (
    DownloadLinkOut,
    FulfillmentStatusOut,
    ImportOut,
    KeysIn,
    PlacedOrderOut,
    PlaceOrderIn,
    ProductIn,
    RevealIn,
    RevealOut,
)
from tests.http.conftest import Shop

# Each customer call and the errors it can give (read from its handler and use case); 400 is
# Litestar's own, for a request that fails validation.
CUSTOMER_ERRORS = {
    ("/orders", "post"): {400, 409, 429},
    ("/fulfillment/{order_id}/status", "get"): {400, 401, 404},
    ("/fulfillment/{order_id}/download-link", "get"): {400, 401, 404, 409, 410, 429},
    ("/fulfillment/{order_id}/reveal", "post"): {400, 401, 404, 409, 410, 429},
}


async def openapi_document(shop: Shop) -> dict[str, Any]:
    answer = await shop.client.get("/schema/openapi.json")
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def problem_examples(document: dict[str, Any], path: str, method: str, status: int) -> list[dict[str, Any]]:
    response = document["paths"][path][method]["responses"][str(status)]
    examples = response["content"][PROBLEM_JSON]["examples"]
    return [example["value"] for example in examples.values()]


@pytest.mark.parametrize("struct", list(EXAMPLES), ids=lambda struct: struct.__name__)
def test_every_example_decodes_into_its_struct(struct: type[msgspec.Struct]) -> None:
    msgspec.json.decode(msgspec.json.encode(EXAMPLES[struct]), type=struct)


async def test_the_main_bodies_carry_their_example(shop: Shop) -> None:
    schemas = (await openapi_document(shop))["components"]["schemas"]

    requests: list[type[msgspec.Struct]] = [PlaceOrderIn, RevealIn, ProductIn, KeysIn]
    answers: list[type[msgspec.Struct]] = [
        PlacedOrderOut,
        FulfillmentStatusOut,
        DownloadLinkOut,
        RevealOut,
        ImportOut,
    ]
    for body in requests + answers:
        assert schemas[body.__name__]["examples"] == [EXAMPLES[body]], body.__name__


async def test_the_customer_calls_document_each_error_they_can_give_as_problem_details(shop: Shop) -> None:
    document = await openapi_document(shop)

    for (path, method), expected in CUSTOMER_ERRORS.items():
        responses = document["paths"][path][method]["responses"]
        errors = {int(code) for code in responses if int(code) >= 400}
        assert errors == expected, (path, method)
        for code in errors:
            code_key = str(code)
            assert list(responses[code_key]["content"]) == [PROBLEM_JSON], (path, method, code)
            if code == 400:
                continue
            examples = problem_examples(document, path, method, code)
            assert examples, (path, method, code)
            assert all(example["status"] == code for example in examples), (path, method, code)
            if code == 429:
                retry_after = responses[code_key]["headers"]["Retry-After"]
                assert retry_after["schema"]["type"] == "integer"


async def test_the_problem_examples_are_what_the_api_answers(shop: Shop) -> None:
    document = await openapi_document(shop)
    product = await shop.product(["EXAMPLE-KEY-1"], sku="EXAMPLES")
    order = await shop.order(product["id"])
    bearer = {"Authorization": f"Bearer {order['accessToken']}"}
    status_path, link_path = "/fulfillment/{order_id}/status", "/fulfillment/{order_id}/download-link"

    no_token = await shop.client.get(f"/fulfillment/{order['id']}/status")
    wrong_token = await shop.client.get(
        f"/fulfillment/{order['id']}/status", headers={"Authorization": "Bearer not-the-token"}
    )
    not_fulfilled = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=bearer)

    assert no_token.json() in problem_examples(document, status_path, "get", 401)
    assert wrong_token.json() in problem_examples(document, status_path, "get", 404)
    assert not_fulfilled.json() in problem_examples(document, link_path, "get", 409)
    assert no_token.headers["content-type"].startswith(PROBLEM_JSON)


async def test_redoc_loads_nothing_from_elsewhere(shop: Shop) -> None:
    page = await shop.client.get("/schema/redoc")

    assert page.status_code == 200, page.text
    assert "https://" not in page.text, "no CDN"
    assert "http://" not in page.text, "no CDN"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "worker-src blob:" in policy, "Redoc's search runs in a worker made from a blob: URL"
    for asset in ("/assets/redoc/redoc.standalone.js", "/assets/site/redoc-init.js"):
        assert asset in page.text
        assert (await shop.client.get(asset)).status_code == 200
    home = await shop.client.get("/")
    assert 'href="/schema/redoc"' in home.text


async def test_every_operation_has_a_written_summary_and_a_description(shop: Shop) -> None:
    document = await openapi_document(shop)
    operations = [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert operations
    for method, path, operation in operations:
        summary = operation.get("summary", "")
        # A sentence for a reader, not Litestar's default (the handler's name in CamelCase).
        assert " " in summary or summary in {"Health"}, (method, path, summary)
        assert len(operation.get("description", "")) > len(summary), (method, path)
