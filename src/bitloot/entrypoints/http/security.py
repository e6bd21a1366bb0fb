"""Security headers on every response: a `before_send` hook, so it sees what the exception handlers
and the router (404, 405, 413) answer too, not only what route handlers return."""

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from bitloot.entrypoints.http.api_docs import DOC_PAGE_POLICIES
from bitloot.entrypoints.http.console.headers import CONSOLE_CSP
from bitloot.entrypoints.http.console.paths import in_console

# Responses that carry tokens, keys or operator data are never stored by a browser or a proxy.
NO_STORE_PREFIXES = ("/fulfillment", "/d/", "/o/", "/admin", "/console")
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(https: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """The hook for `Litestar(before_send=[...])`; HSTS only when the shop is served over https."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        path = scope["path"]
        if path.startswith(NO_STORE_PREFIXES) or path == "/d":
            headers["Cache-Control"] = "no-store"
        if policy := DOC_PAGE_POLICIES.get(path):
            headers["Content-Security-Policy"] = policy
        if in_console(path):
            headers["Content-Security-Policy"] = CONSOLE_CSP
        if https:
            headers["Strict-Transport-Security"] = HSTS

    return add_headers
