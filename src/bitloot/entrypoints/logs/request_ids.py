"""Which request id a request's lines carry and its response returns in `X-Request-ID`.

A load balancer's id is kept, so one id follows the request from the edge: but only from a trusted
proxy (`BITLOOT_TRUSTED_PROXIES`, as for the client's address), since anyone else could send ids
that collide or mislead, and only a sane one (up to 64 letters, digits, `.`, `_` or `-`), since it
is written into every line of the request and handed to the worker. Otherwise a new one is made."""

import re
import uuid

MAX_LENGTH = 64
_SANE = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_LENGTH}}}")


def is_sane(value: str) -> bool:
    return _SANE.fullmatch(value) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_for(offered: str | None, from_trusted_proxy: bool) -> str:
    """The id `offered` in the request's `X-Request-ID` when a trusted proxy sent a sane one, else
    a new one."""
    if from_trusted_proxy and offered is not None and is_sane(offered):
        return offered
    return new_request_id()
