"""`X-Request-ID` on every response (errors, 404s and static files too), and the request's id on
every line logged while it is handled (`bitloot.entrypoints.logs.request_ids` decides which id).

An ASGI wrapper around the whole app (`log_requests`), not a Litestar middleware: those run only
for a request that matched a route, and a 404 deserves an id as much as anything."""

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bitloot.application.log_context import bound
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.logs.request_ids import request_id_for

HEADER = b"x-request-id"


def peer_of(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def headers_named(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope["headers"] if key == name]


class RequestIds:
    def __init__(self, app: ASGIApp, addresses: ClientAddresses) -> None:
        self._app = app
        self._addresses = addresses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        offered = headers_named(scope, HEADER)
        request_id = request_id_for(
            offered[0] if len(offered) == 1 else None, self._addresses.trusts(peer_of(scope))
        )
        header = (HEADER, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        with bound(request_id=request_id):
            await self._app(scope, receive, send_with_id)
