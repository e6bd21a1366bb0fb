"""Who an operator request acts as, for the audit log (docs/console.md): the admin token's holder
(automation), with the client's address resolved exactly as the rate limiter resolves it."""

from typing import Any

from litestar import Request

from bitloot.domain.operator_audit import Actor
from bitloot.entrypoints.http.client_address import ClientAddresses


def automation_actor(request: Request[Any, Any, Any], addresses: ClientAddresses) -> Actor:
    """The actor of an `/admin` call, which `admin_guard` let through."""
    return Actor.api_token(addresses.of(request) if request.client else None)
