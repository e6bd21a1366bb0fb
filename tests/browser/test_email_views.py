"""Every kind of customer email, its HTML part as a mail client shows it: rendered by the service's own
renderer (adapters/email/), opened in the browser at 1280 and 390 px with nothing loaded from
anywhere, checked with axe-core and kept as screenshots (`test-output/screenshots/email-*.png`). The
HTML says what the text part says: the order id, the shop's name and support address, and the same
links, each one a link a reader can follow."""

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Page, Route

from bitloot.application.ports.email_renderer import EmailLine
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.shop import ShopIdentity
from tests.browser.accessibility import DESKTOP, check_page
from tests.factories.emails import ORDER_ID, RENDERER, order_email

SUPPORT = "help@pixel-harbour.example"
SHOP = ShopIdentity("Pixel Harbour", SUPPORT)
# Long enough to wrap at 390 px.
LINES = (
    EmailLine("The Elder Chronicles: Definitive Edition with the Season Pass", 2),
    EmailLine("Ember Roads", 1),
)
URL = re.compile(r"https?://[^\s<>\"']+")


@pytest.fixture
def mail_view(browser: Browser) -> Iterator[Page]:
    """A page that loads nothing: an email is shown as a client shows it, offline."""
    context = browser.new_context(viewport=DESKTOP)
    refused: list[str] = []

    def nothing(route: Route) -> None:
        refused.append(route.request.url)
        route.abort()

    context.route("**/*", nothing)
    try:
        yield context.new_page()
        assert refused == []
    finally:
        context.close()


@pytest.mark.parametrize("kind", list(DeliveryEmailKind), ids=lambda kind: kind.value)
def test_each_email_reads_the_same_in_html_as_in_text(mail_view: Page, kind: DeliveryEmailKind) -> None:
    rendered = RENDERER.render(replace(order_email(kind), shop=SHOP, lines=LINES))
    mail_view.set_content(rendered.html)
    assert mail_view.title() == rendered.subject
    # The shop's name heads the email (a screen reader's first heading), as the From line names it.
    assert mail_view.get_by_role("heading", level=1).inner_text() == SHOP.name
    check_page(mail_view, f"email-{kind.value}")

    shown = mail_view.locator("body").inner_text()
    for fact in (ORDER_ID, SHOP.name, SUPPORT, *(line.product for line in LINES)):
        assert fact in rendered.text, f"{fact} not in the text of {kind.value}"
        assert fact in shown, f"{fact} not in the HTML of {kind.value}"

    links = set(URL.findall(rendered.text))
    assert links, f"{kind.value} links nowhere"
    hrefs = mail_view.locator("a[href^='http']").evaluate_all("anchors => anchors.map(a => a.href)")
    assert set(hrefs) == links
    for link in links:
        anchor = mail_view.locator(f"a[href='{link}']").first
        assert anchor.is_visible()
        assert anchor.inner_text().strip(), f"a link of {kind.value} has no words"
    mailto = mail_view.locator(f"a[href='mailto:{SUPPORT}']")
    assert mailto.count() == 1
