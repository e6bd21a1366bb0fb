"""The console in a real browser (docs/console.md): signing in and out, a wrong password, a form
sent without its CSRF token, a support operator at an owner's page, a session that ends when idle;
screenshots of each page at 1280 and 390 px."""

from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import (
    OfflinePage,
    Operators,
    add_operator,
    running_server,
    sign_in,
)

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)


def both_widths(opened: OfflinePage, name: str) -> None:
    opened.screenshot(f"console-{name}")
    opened.page.set_viewport_size(PHONE)
    opened.screenshot(f"console-{name}-390")
    opened.page.set_viewport_size(DESKTOP)


def test_an_owner_signs_in_sees_each_page_and_signs_out(
    offline_page: OfflinePage, operators: Operators
) -> None:
    page, base = offline_page.page, offline_page.base_url
    page.goto(base + "/console/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    both_widths(offline_page, "login")

    sign_in(page, base, operators.owner)
    expect(page.locator(".who .email")).to_have_text(operators.owner.email)
    expect(page.locator("table.records").last).to_contain_text("signed in")
    both_widths(offline_page, "landing")

    page.get_by_role("link", name="Operators").click()
    expect(page.get_by_role("heading", name="Operators")).to_be_visible()
    expect(page.locator("table.records")).to_contain_text(operators.support.email)
    both_widths(offline_page, "operators")

    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator("table.records")).to_contain_text("operator added")
    both_widths(offline_page, "audit")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto(base + "/console/audit")
    expect(page).to_have_url(base + "/console/login?next=/console/audit")
    assert offline_page.refused == []


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    offline_page: OfflinePage, operators: Operators
) -> None:
    page, base = offline_page.page, offline_page.base_url
    page.goto(base + "/console/login")
    page.get_by_label("Email").fill(operators.owner.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("The email or password is not right.")
    expect(page.get_by_label("Email")).to_have_value(operators.owner.email)
    page.goto(base + "/console")
    expect(page).to_have_url(base + "/console/login")


def test_a_form_sent_without_its_csrf_token_is_refused_and_changes_nothing(
    offline_page: OfflinePage, operators: Operators
) -> None:
    page, base = offline_page.page, offline_page.base_url
    sign_in(page, base, operators.owner)
    page.goto(base + "/console/operators")
    form = page.locator("form[action='/console/operators']")
    form.get_by_label("Email").fill("forged@shop.example")
    page.evaluate(
        "document.querySelector(\"form[action='/console/operators'] input[name=csrf_token]\").remove()"
    )
    form.get_by_role("button", name="Add operator").click()

    expect(page.get_by_role("heading", name="Form refused")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nothing was changed.")
    page.goto(base + "/console/operators")
    expect(page.locator("table.records")).not_to_contain_text("forged@shop.example")


def test_a_support_operator_is_refused_the_operators_page(
    offline_page: OfflinePage, operators: Operators
) -> None:
    page, base = offline_page.page, offline_page.base_url
    sign_in(page, base, operators.support)
    expect(page.get_by_role("link", name="Operators")).to_have_count(0)

    page.goto(base + "/console/operators")

    expect(page.get_by_role("heading", name="Not for your role")).to_be_visible()
    expect(page.locator(".who .email")).to_have_text(operators.support.email)
    offline_page.screenshot("console-forbidden-support")


def test_an_idle_session_ends(browser: Browser, tmp_path: Path) -> None:
    """A server whose sessions end after one idle minute: a page opened after 65 seconds of nothing
    goes back to the sign-in form."""
    owner = add_operator(tmp_path, "idle@shop.example", "owner")
    with running_server(tmp_path, CONSOLE_IDLE_MINUTES="1", SEED_DEMO_CATALOG="false") as idle_server:
        context = browser.new_context(viewport=DESKTOP)
        try:
            page: Page = context.new_page()
            sign_in(page, idle_server.base_url, owner)
            page.goto(idle_server.base_url + "/console/audit")
            expect(page.get_by_role("heading", name="Audit log")).to_be_visible()

            page.wait_for_timeout(65_000)
            page.goto(idle_server.base_url + "/console/audit")

            expect(page).to_have_url(idle_server.base_url + "/console/login?next=/console/audit")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        finally:
            context.close()
