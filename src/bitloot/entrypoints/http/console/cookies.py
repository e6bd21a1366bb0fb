"""The console's cookies: HttpOnly, SameSite=Strict, only sent to `/console`, Secure when the shop
is served over https (`BITLOOT_PUBLIC_BASE_URL`).

- `bitloot_console`: the session, `<session id>.<secret>` (docs/console.md);
- `bitloot_console_pre`: a random nonce the sign-in form's CSRF token is signed over, before any
  session exists."""

from typing import Any, Final

from litestar import Request
from litestar.datastructures import Cookie

from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.http.console.paths import CONSOLE

SESSION_COOKIE: Final = "bitloot_console"
PRE_SESSION_COOKIE: Final = "bitloot_console_pre"


def _secure(request: Request[Any, Any, Any]) -> bool:
    settings: Settings = request.app.state.settings
    return settings.public_base_url.startswith("https://")


def console_cookie(request: Request[Any, Any, Any], name: str, value: str) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path=CONSOLE,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def cleared(request: Request[Any, Any, Any], name: str) -> Cookie:
    cookie = console_cookie(request, name, "")
    cookie.max_age = 0
    return cookie


def session_token(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def session_id(request: Request[Any, Any, Any]) -> str | None:
    token = session_token(request)
    return token.partition(".")[0] or None if token else None
