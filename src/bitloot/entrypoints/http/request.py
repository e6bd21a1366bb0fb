"""The app's request class: the one reader of request bodies. Every body, whichever route reads it and
however (a `JSONBody` struct, a form, or the raw bytes of a webhook), passes the JSON nesting cap when it
is first read, and a body that is not JSON is a 400 whatever the decoder raises."""

from typing import Any

from litestar import Request
from litestar.connection.base import empty_receive, empty_send
from litestar.exceptions import ClientException
from litestar.types import Receive, Scope, Send

from bitloot.adapters.json_nesting import NestedTooDeeply, check_nesting


class CheckedBodyRequest(Request[Any, Any, Any]):
    """`body()` refuses a body nested deeper than `MAX_DEPTH` with a 400 (a problem details answer, no
    traceback), before any decoder or signature check sees it. Litestar's own `json()` and `form()`
    read through `body()`, so they are covered too."""

    __slots__ = ("_nesting_checked",)

    def __init__(self, scope: Scope, receive: Receive = empty_receive, send: Send = empty_send) -> None:
        super().__init__(scope, receive, send)
        self._nesting_checked = False

    async def body(self) -> bytes:
        body = await super().body()
        if not self._nesting_checked:
            try:
                check_nesting(body)
            except NestedTooDeeply as exc:
                raise ClientException(detail=str(exc)) from None
            self._nesting_checked = True
        return body

    async def json(self) -> Any:
        """Litestar's decoding (msgspec), whose `DecodeError` it answers with a 400 itself; msgspec
        raises `UnicodeDecodeError` for bytes that are not UTF-8 inside a string, which would be a 500."""
        try:
            return await super().json()
        except UnicodeDecodeError:
            raise ClientException(detail="The JSON body is not valid UTF-8.") from None
