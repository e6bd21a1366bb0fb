"""A newcomer's first look at the API, with nothing but loopback: `/` names the service and links to
the docs, `/schema` is a working Swagger UI from assets this service serves, and "Authorize" with an
order's access token makes the status call succeed (issue 10)."""

import re

import httpx
from playwright.sync_api import ConsoleMessage, ViewportSize, expect

from tests.browser.conftest import OfflinePage, Server
from tests.factories.http import order_body

DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)


def placed_order(server: Server) -> dict[str, str]:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        product = client.get("/products").json()[0]
        placed = client.post("/orders", json=order_body(product["id"], email="newcomer@example.com"))
        assert placed.status_code == 201, placed.text
        order: dict[str, str] = placed.json()
        return order


def test_the_home_page_names_the_service_and_links_to_docs_and_health(offline_page: OfflinePage) -> None:
    page = offline_page.page
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(offline_page.base_url + "/")

    expect(page.get_by_role("heading", level=1)).to_have_text("BitLoot fulfillment")
    offline_page.screenshot("home")
    page.set_viewport_size(PHONE)
    offline_page.screenshot("home-390")
    page.get_by_role("link", name="Health").click()
    expect(page.locator("body")).to_contain_text('"ok":true')
    assert offline_page.refused == []
    assert errors == []


def test_swagger_ui_works_offline_and_authorize_with_an_order_token_opens_the_status(
    offline_page: OfflinePage, server: Server
) -> None:
    order = placed_order(server)
    page = offline_page.page
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(offline_page.base_url + "/schema")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("BitLoot fulfillment", timeout=20_000)
    offline_page.screenshot("schema")
    page.set_viewport_size(PHONE)
    offline_page.screenshot("schema-390")
    page.set_viewport_size(DESKTOP)

    page.locator(".scheme-container button.authorize").click()
    scheme = page.locator(".modal-ux form").filter(has=page.locator("h4", has_text="orderToken"))
    scheme.locator("input").fill(order["accessToken"])
    scheme.locator("button.authorize").click()
    expect(page.locator(".modal-ux")).to_contain_text("Authorized")
    offline_page.screenshot("schema-authorized")
    page.locator(".modal-ux button.close-modal").click()

    operation = page.locator(".opblock").filter(
        has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/fulfillment/\{order_id\}/status$"))
    )
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder='order_id']").fill(order["id"])
    operation.get_by_role("button", name="Execute").click()

    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200", timeout=20_000)
    expect(operation.locator(".live-responses-table tbody .response-col_description")).to_contain_text(
        order["id"]
    )
    offline_page.screenshot("schema-status-200")
    assert offline_page.refused == [], "the page asked for something beyond this server"
    assert violations == []


# Redoc's side menu always asks for Redocly's logo from their CDN; the page's policy refuses it (the
# browser says so in the console, and Redoc leaves the logo out). Nothing else may be refused.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_redoc_works_offline_and_shows_the_operations(offline_page: OfflinePage) -> None:
    page = offline_page.page
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(offline_page.base_url + "/schema/redoc")

    expect(page.locator(".api-info h1")).to_contain_text("BitLoot fulfillment", timeout=20_000)
    for operation in (
        "post /orders",
        "get /fulfillment/{order_id}/status",
        "post /fulfillment/{order_id}/reveal",
        "post /admin/products",
        "post /admin/products/{product_id}/keys",
    ):
        expect(page.get_by_role("button", name=operation, exact=True)).to_be_attached()
    # The search index runs in a worker of its own (the policy's `worker-src blob:`).
    page.get_by_placeholder("Search...").fill("Import keys")
    expect(page.locator("[data-role='search:results']")).to_contain_text("Import keys into stock")
    page.get_by_placeholder("Search...").fill("")
    # Redoc's page is every operation one after the other: the first screen says enough.
    offline_page.screenshot("redoc", full_page=False)
    page.set_viewport_size(PHONE)
    offline_page.screenshot("redoc-390", full_page=False)
    assert offline_page.refused == [], "the page asked for something beyond this server"
    assert [p for p in problems if not (REDOCLY_LOGO in p and "img-src 'self' data:" in p)] == []
