"""What every provider webhook shares: the bound on a delivery's body, and how a refused delivery's
sender is named in the log (the connection's peer: a forged `X-Forwarded-For` names nobody)."""

from typing import Any

from litestar import Request

# A provider's delivery is a few kilobytes; anything larger is refused before it is read.
MAX_WEBHOOK_BYTES = 64 * 1024


def sender(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"
