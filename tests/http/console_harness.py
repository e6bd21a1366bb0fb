"""Signed-in console clients for the HTTP tests (docs/console.md, "Adding a console page").

`console_shop` (tests/http/conftest.py) is a shop whose password hashing is cheap and whose clock the
test moves; `await console_shop.sign_in(Role.SUPPORT)` adds an operator of that role and answers a
`ConsoleUser` signed in through the real form: it holds its own cookies (so an owner and a support
operator can share one app) and the CSRF token read from a page, which `post` adds to each form."""

import re
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
from dishka import AsyncContainer, Provider, Scope, provide

from bitloot.adapters.crypto.argon2_passwords import Argon2PasswordHasher
from bitloot.application.ports.passwords import PasswordHasher
from bitloot.application.use_cases.add_operator import AddOperator
from bitloot.domain.operator_audit import Actor
from bitloot.domain.operators import Role
from bitloot.entrypoints.ioc import container_for
from bitloot.entrypoints.tasks import build_broker
from tests.fakes.clock import FrozenClock
from tests.http.conftest import ClockProvider, Shop, open_shop

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


class CheapPasswords(Provider):
    """Argon2id with tiny parameters: a sign-in in the tests costs well under a millisecond."""

    @provide(scope=Scope.APP, override=True)
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher.cheap()


def csrf_token_in(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class ConsoleUser:
    """One browser: its own cookies, sent by hand on each request (the client's jar is emptied)."""

    shop: Shop
    email: str = ""
    password: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self._send("GET", path, **kwargs)

    async def post(
        self, path: str, data: Mapping[str, str | list[str]] | None = None, *, csrf: bool = True
    ) -> httpx.Response:
        """A form post; carries this user's CSRF token unless `csrf` is False or `data` has one."""
        form = {"csrf_token": self.csrf_token, **(data or {})} if csrf else dict(data or {})
        return await self._send("POST", path, data=form)

    async def upload(
        self, path: str, data: Mapping[str, str], files: Mapping[str, tuple[str, bytes, str]]
    ) -> httpx.Response:
        """A `multipart/form-data` post (a form with a file input), with this user's CSRF token."""
        return await self._send("POST", path, data={"csrf_token": self.csrf_token, **data}, files=files)

    async def sign_in(self, email: str, password: str, next_path: str = "") -> httpx.Response:
        """The sign-in form as a browser fills it in: GET the form, POST it with its token."""
        page = await self.get("/console/login")
        form = {
            "email": email,
            "password": password,
            "next": next_path,
            "csrf_token": csrf_token_in(page.text),
        }
        answer = await self._send("POST", "/console/login", data=form)
        if answer.status_code == 303:
            self.email, self.password = email, password
            self.csrf_token = csrf_token_in((await self.get("/console")).text)
        return answer

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        client = self.shop.client
        client.cookies.clear()
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = await client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
        client.cookies.clear()
        for header in answer.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer


@dataclass
class ConsoleShop:
    shop: Shop
    clock: FrozenClock

    @asynccontextmanager
    async def request(self) -> AsyncIterator[AsyncContainer]:
        """A request scope of the shop's composition root, on the test's own loop (its own engine
        on the same database), to set up what a test needs through the use cases."""
        container = container_for(
            self.shop.settings, build_broker(self.shop.settings), ClockProvider(self.clock), CheapPasswords()
        )
        try:
            async with container() as request:
                yield request
        finally:
            await container.close()

    async def add_operator(
        self, role: Role, email: str | None = None, password: str | None = None
    ) -> tuple[str, str]:
        """Adds an operator as `bitloot operators add` does (audited as the command line); answers
        (email, password)."""
        email = email or f"{role}-{secrets.token_hex(3)}@shop.example"
        password = password or secrets.token_urlsafe(16)
        async with self.request() as request:
            await (await request.get(AddOperator)).execute(email, role, Actor.command_line(), password)
        return email, password

    def browser(self) -> ConsoleUser:
        """A browser with no cookies yet."""
        return ConsoleUser(self.shop)

    async def sign_in(self, role: Role = Role.OWNER) -> ConsoleUser:
        email, password = await self.add_operator(role)
        user = self.browser()
        answer = await user.sign_in(email, password)
        assert answer.status_code == 303, answer.text
        return user


@asynccontextmanager
async def open_console_shop(data_dir: Path, *overrides: Provider) -> AsyncIterator[ConsoleShop]:
    clock = FrozenClock()
    async with open_shop(data_dir, ClockProvider(clock), CheapPasswords(), *overrides) as shop:
        yield ConsoleShop(shop, clock)
