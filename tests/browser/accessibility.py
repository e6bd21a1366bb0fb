"""axe-core (shipped inside the axe-playwright-python package, so nothing is downloaded) run on a page
in the browser: the WCAG 2.0, 2.1 and 2.2 A and AA rules and axe's best practices; a violation of
impact `serious` or `critical` fails the test, with axe's own report of where and why."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = frozenset({"serious", "critical"})
_AXE = Axe()


def assert_accessible(page: Page, name: str) -> None:
    """No serious or critical axe violation on `page` as it is now (`name` says which, on failure)."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": RULE_TAGS}})
    violations: list[dict[str, Any]] = results.response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in blocking
    )
