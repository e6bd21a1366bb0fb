"""Who is asking: the client's address and user agent, for the reveal audit trail."""

from typing import Any

from litestar import Request

from bitloot.domain.audit import ClientInfo
from bitloot.entrypoints.http.client_address import ClientAddresses

MAX_USER_AGENT = 512


def client_info(request: Request[Any, Any, Any], addresses: ClientAddresses) -> ClientInfo:
    """The address is resolved exactly as the rate limiter resolves it: behind a trusted proxy, the
    customer's, not the proxy's."""
    agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=addresses.of(request) if request.client else None,
        user_agent=agent[:MAX_USER_AGENT] if agent else None,
    )
