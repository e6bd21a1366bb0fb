"""axe-core (shipped inside the axe-playwright-python package, so nothing is downloaded) run on a page
in the browser: the WCAG 2.0, 2.1 and 2.2 A and AA rules and axe's best practices; a violation of
impact `serious` or `critical` fails the test, with axe's own report of where and why."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize

from tests.browser.conftest import SCREENSHOTS

RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = frozenset({"serious", "critical"})
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
_AXE = Axe()


def assert_accessible(page: Page, name: str) -> None:
    """No serious or critical axe violation on `page` as it is now (`name` says which, on failure)."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": RULE_TAGS}})
    violations: list[dict[str, Any]] = results.response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in blocking
    )


def check_page(page: Page, name: str) -> None:
    """axe at 1280 and at 390 px, with a full-page screenshot of each (`{name}.png`, `{name}-390.png`
    in test-output/screenshots/); at 390 px the page never scrolls sideways. Leaves it at 1280 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page, name)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert_accessible(page, f"{name} at 390 px")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width} px wide at 390 px"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
