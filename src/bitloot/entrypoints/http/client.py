"""Who is asking: the client's address and user agent, for the reveal audit trail."""

from typing import Any

from litestar import Request

from bitloot.domain.audit import ClientInfo

MAX_USER_AGENT = 512


def client_info(request: Request[Any, Any, Any]) -> ClientInfo:
    agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=agent[:MAX_USER_AGENT] if agent else None,
    )
