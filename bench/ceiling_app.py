"""The ceiling: the same server stack (Litestar on granian + uvloop) answering a constant JSON body.
Every figure of `just bench` is reported as a ratio to what this does on the same machine, same run."""

from litestar import Litestar, get


@get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])
