"""Pages in a real browser: Debian's chromium driven by Playwright (its own browser download cannot
work here), against `bitloot serve` on embedded defaults in a process of its own. Every request the
page makes to anything but this server is refused and recorded, so a page that needs the internet
fails its test. Screenshots go to `test-output/screenshots/` for review."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.infra.ports import free_ports, wait_for_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
# No background traffic from the browser itself: this machine has no network beyond loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Server:
    base_url: str
    data_dir: Path


@dataclass
class OfflinePage:
    page: Page
    base_url: str
    refused: list[str] = field(default_factory=list)

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Per module, like the browser: Playwright's sync API runs an event loop of its own, which must
    be gone before the asyncio tests of the next folders start."""
    data_dir = tmp_path_factory.mktemp("browser-shop")
    (port,) = free_ports(1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    env |= {"BITLOOT_DATA_DIR": str(data_dir), "BITLOOT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bitloot.entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for_port(port, timeout=60), (data_dir / "serve.log").read_text()
        yield Server(f"http://127.0.0.1:{port}", data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed: apt-get install chromium (.ci/run installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def offline_page(browser: Browser, server: Server) -> Iterator[OfflinePage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    opened = OfflinePage(page, server.base_url)

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(server.base_url + "/"):
            route.continue_()
        else:
            opened.refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    try:
        yield opened
    finally:
        context.close()
