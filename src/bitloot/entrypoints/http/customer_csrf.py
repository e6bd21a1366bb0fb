"""CSRF tokens of the customer pages' forms.

A form on a page reached through a signed link (`/d/{token}`, `/o/{token}`) carries an HMAC of that
link's token: another site that could make the browser post it would have to know the link already.
A form on a page with no link in its address (`/o/lookup`) carries an HMAC of a random nonce the
page sets in a short-lived, HttpOnly, SameSite=Strict cookie; another site can make the browser send
the cookie but can neither read it nor compute the token. A refused POST changes nothing."""

import hashlib
import hmac
import secrets
from typing import Any, Final

from litestar import Request
from litestar.datastructures import Cookie

FIELD: Final = "csrf_token"
NONCE_COOKIE: Final = "bitloot_form"
NONCE_MAX_AGE_SECONDS: Final = 3600


class CustomerCsrf:
    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def for_link(self, link_token: str) -> str:
        """The token of a form on the page of this signed link."""
        return self._sign(b"link:" + link_token.encode())

    def link_ok(self, link_token: str, sent: object) -> bool:
        return isinstance(sent, str) and hmac.compare_digest(sent, self.for_link(link_token))

    def nonce_cookie(self, request: Request[Any, Any, Any], path: str) -> tuple[str, Cookie | None]:
        """The form token of a page with no link in its address, and the cookie to set with it (None
        when the browser already holds one: a reload keeps the form it has valid)."""
        nonce = request.cookies.get(NONCE_COOKIE)
        if nonce and len(nonce) == 43:
            return self._sign(b"nonce:" + nonce.encode()), None
        nonce = secrets.token_urlsafe(32)
        cookie = Cookie(
            key=NONCE_COOKIE,
            value=nonce,
            path=path,
            max_age=NONCE_MAX_AGE_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return self._sign(b"nonce:" + nonce.encode()), cookie

    def nonce_ok(self, request: Request[Any, Any, Any], sent: object) -> bool:
        nonce = request.cookies.get(NONCE_COOKIE)
        if not nonce or not isinstance(sent, str):
            return False
        return hmac.compare_digest(sent, self._sign(b"nonce:" + nonce.encode()))

    def _sign(self, message: bytes) -> str:
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "CustomerCsrf(<key hidden>)"
