"""The products and stock pages in a real browser (docs/console.md, "The pages"): an owner creates a
product, imports keys from the text box with one repeated (the report names its line), withdraws a
unit; screenshots of each page at 1280 and 390 px. No page shows a key."""

import secrets

from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import OfflinePage, Operators, sign_in

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)


def both_widths(opened: OfflinePage, name: str) -> None:
    opened.screenshot(f"console-{name}")
    opened.page.set_viewport_size(PHONE)
    opened.screenshot(f"console-{name}-390")
    opened.page.set_viewport_size(DESKTOP)


def no_key_on(page: Page, keys: list[str]) -> None:
    html = page.content()
    assert not [key for key in keys if key in html]


def test_an_owner_creates_a_product_imports_keys_and_withdraws_one(
    offline_page: OfflinePage, operators: Operators
) -> None:
    page, base = offline_page.page, offline_page.base_url
    keys = [f"BRW-{secrets.token_hex(5).upper()}" for _ in range(3)]
    sign_in(page, base, operators.owner)

    page.get_by_role("link", name="Products").click()
    expect(page.get_by_role("heading", name="Products")).to_be_visible()
    form = page.locator("form[action='/console/products']")
    form.get_by_label("SKU").fill("BROWSER-1")
    form.get_by_label("Name").fill("Browser Quest")
    form.get_by_label("Price").fill("12.50")
    form.get_by_role("button", name="Create product").click()

    expect(page.get_by_role("status")).to_have_text("The product is created.")
    expect(page.get_by_role("heading", name="Browser Quest")).to_be_visible()
    page.get_by_label("Keys, one a line").fill("\n".join([keys[0], keys[1], keys[0], keys[2]]))
    page.get_by_role("button", name="Import keys").click()

    expect(page.get_by_role("heading", name="Import report")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Imported 3, refused 1. 3 available now.")
    expect(page.locator("table.refused tbody tr")).to_have_text("3repeats an earlier line of this import")
    no_key_on(page, keys)
    both_widths(offline_page, "import-report")

    page.get_by_role("link", name="Back to the product").click()
    expect(page.locator(".facts")).to_contain_text("3 available")
    page.locator("input[name=unit]").first.check()
    page.get_by_label("Reason for withdrawing the ticked units").fill("shared by mistake")
    both_widths(offline_page, "product")
    page.get_by_role("button", name="Withdraw ticked units").click()

    expect(page.get_by_role("heading", name="Withdrawal")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Withdrew 1, refused 0. 2 available now.")
    expect(page.locator("table.outcomes")).to_contain_text("withdrawn")
    both_widths(offline_page, "withdrawal")

    page.get_by_role("link", name="Back to the product").click()
    page.get_by_role("link", name="withdrawn (1)").click()
    expect(page.locator("table.units")).to_contain_text("shared by mistake")
    no_key_on(page, keys)

    page.get_by_role("link", name="Products").first.click()
    row = page.locator("table.products tr", has_text="BROWSER-1")
    expect(row).to_contain_text("12.50 EUR")
    expect(row.locator(".badge.low")).to_have_text("low")
    no_key_on(page, keys)
    both_widths(offline_page, "products")
    assert offline_page.refused == []


def test_a_support_operator_sees_products_without_the_owner_forms(
    offline_page: OfflinePage, operators: Operators
) -> None:
    page, base = offline_page.page, offline_page.base_url
    sign_in(page, base, operators.support)
    page.get_by_role("link", name="Products").click()
    expect(page.get_by_role("heading", name="Products")).to_be_visible()
    expect(page.get_by_role("heading", name="New product")).to_have_count(0)
    page.locator("table.products a").first.click()
    expect(page.get_by_role("heading", name="Units")).to_be_visible()
    expect(page.get_by_role("button", name="Import keys")).to_have_count(0)
    expect(page.get_by_role("button", name="Save product")).to_have_count(0)
