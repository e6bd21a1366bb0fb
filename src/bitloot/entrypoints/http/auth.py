"""Bearer credentials: an order's access token for customers, the admin token for the operator."""

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from bitloot.entrypoints.config import Settings

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException(
            "Send the order's access token as 'Authorization: Bearer <token>'.", headers=_CHALLENGE
        )
    return token.strip()


def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Lets the operator through; the token is compared in constant time."""
    settings: Settings = connection.app.state.settings
    expected = settings.secrets.admin_token.encode("utf-8")
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode("utf-8"), expected):
        raise NotAuthorizedException("An operator token is required.", headers=_CHALLENGE)
