"""Pages in a real browser: Debian's chromium driven by Playwright (its own browser download cannot
work here), against `bitloot serve` on embedded defaults in a process of its own. Every request the
page makes to anything but this server is refused and recorded, so a page that needs the internet
fails its test. Screenshots go to `test-output/screenshots/` for review."""

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, sync_playwright

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


@contextmanager
def running_server(data_dir: Path, **settings: str) -> Iterator[Server]:
    """`bitloot serve` on embedded defaults in `data_dir`, with extra `BITLOOT_*` settings."""
    (port,) = free_ports(1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    env |= {"BITLOOT_DATA_DIR": str(data_dir), "BITLOOT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    env |= {f"BITLOOT_{name}": value for name, value in settings.items()}
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
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Per module, like the browser: Playwright's sync API runs an event loop of its own, which must
    be gone before the asyncio tests of the next folders start."""
    with running_server(tmp_path_factory.mktemp("browser-shop")) as started:
        yield started


# --- operators of the console (docs/console.md, "Adding a console page") --------------------------


@dataclass(frozen=True)
class Operator:
    email: str
    password: str


@dataclass(frozen=True)
class Operators:
    owner: Operator
    support: Operator


def add_operator(data_dir: Path, email: str, role: str) -> Operator:
    """`bitloot operators add EMAIL --role ROLE --password-stdin` against the server's data folder."""
    password = secrets.token_urlsafe(18)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    env["BITLOOT_DATA_DIR"] = str(data_dir)
    done = subprocess.run(  # noqa: S603 - our own CLI
        [
            sys.executable,
            "-m",
            "bitloot.entrypoints.cli",
            "operators",
            "add",
            email,
            "--role",
            role,
            "--password-stdin",
        ],
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return Operator(email, password)


@pytest.fixture(scope="module")
def operators(server: Server) -> Operators:
    """An owner and a support operator of the module's server."""
    return Operators(
        owner=add_operator(server.data_dir, "owner@shop.example", "owner"),
        support=add_operator(server.data_dir, "support@shop.example", "support"),
    )


def sign_in(page: Page, base_url: str, operator: Operator) -> None:
    """Fill in and send the sign-in form as a person would; ends on the console's landing page."""
    page.goto(base_url + "/console/login")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/console")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed: apt-get install chromium (.ci/run installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def only_this_server(context: BrowserContext, base_url: str, refused: list[str]) -> None:
    """The context's pages reach `base_url` only: any other request is refused and its URL kept in
    `refused`."""

    def route_request(route: Route) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", route_request)


def keep_console_errors(page: Page, errors: list[str]) -> None:
    """Every error the page's console logs goes into `errors` (a refused policy included), except a
    4xx answer's: the refusals' own pages answer 4xx (an expired link's 410), which the browser logs."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 4" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)


@pytest.fixture
def offline_page(browser: Browser, server: Server) -> Iterator[OfflinePage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    opened = OfflinePage(page, server.base_url)
    only_this_server(context, server.base_url, opened.refused)
    try:
        yield opened
    finally:
        context.close()
