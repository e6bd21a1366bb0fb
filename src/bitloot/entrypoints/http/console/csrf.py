"""CSRF tokens of the console's forms (docs/console.md), and the check every POST under `/console`
passes before its handler runs.

A token is an HMAC, under a key only the service holds, of what the browser presents with it: the
session id of its session cookie once signed in, the nonce of the pre-session cookie on the sign-in
form. Another site can make a browser send the cookies but cannot read them or compute the token,
so its forged form carries none that fits. A refused POST changes nothing and is answered 403."""

import hashlib
import hmac
from typing import Any, Final

from litestar import Request, Response

from bitloot.entrypoints.http.console.cookies import PRE_SESSION_COOKIE, session_id
from bitloot.entrypoints.http.console.paths import LOGIN
from bitloot.entrypoints.http.console.rendering import render

FIELD: Final = "csrf_token"


class CsrfTokens:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def for_session(self, session_id: str) -> str:
        return self._sign(b"session:" + session_id.encode())

    def for_sign_in(self, nonce: str) -> str:
        return self._sign(b"sign-in:" + nonce.encode())

    def expected(self, request: Request[Any, Any, Any]) -> str | None:
        """The token a POST to this path must carry, or None when the browser holds no cookie it
        could be bound to."""
        if request.url.path == LOGIN:
            nonce = request.cookies.get(PRE_SESSION_COOKIE)
            return self.for_sign_in(nonce) if nonce else None
        bound = session_id(request)
        return self.for_session(bound) if bound else None

    def _sign(self, message: bytes) -> str:
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


async def check_csrf(request: Request[Any, Any, Any]) -> Response[str] | None:
    """The console router's `before_request`: a POST whose form carries no token, or one that does
    not fit its cookies, is answered 403 before its handler runs."""
    if request.method != "POST":
        return None
    tokens: CsrfTokens = await request.state.dishka_container.get(CsrfTokens)
    expected = tokens.expected(request)
    sent = (await request.form()).get(FIELD)
    if expected is None or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        return render(request, "console/refused.html.j2", {"title": "Form refused"}, status_code=403)
    return None
