"""How the Kinguin adapter talks to Kinguin's eCommerce API: one `httpx.AsyncClient`, the API key
(`X-Api-Key`), time bounds, retries, and what a failed call becomes.

Every call is bounded (connect 3 s, read 10 s by default). A GET is retried a few times on a 5xx or a
failed connection; a POST never is, since Kinguin may have taken the order before the answer was lost
(the caller finds it again with `find_order`). Every failure here is a `SupplierUnavailable`
(transient), with a message that names the call and the status, never the API key, a key or a
response body.
"""

import asyncio
import logging
from typing import Any

import httpx

from bitloot.adapters.suppliers.kinguin.payload import parse_json
from bitloot.adapters.suppliers.kinguin.settings import KinguinSettings
from bitloot.application.errors import SupplierUnavailable

log = logging.getLogger(__name__)


class KinguinTransport:
    """Requests to Kinguin's API, with the bounds and retries above. `aclose()` it."""

    def __init__(self, settings: KinguinSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            headers={"X-Api-Key": settings.api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout,
            ),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"KinguinTransport(base_url={self._settings.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: dict[str, Any] | None, *, missing_ok: bool = False) -> Any:
        """JSON of a GET, retried on a 5xx or a failed connection; None for a 404 when `missing_ok`."""
        what = "GET " + shape(path)
        attempts = max(self._settings.get_attempts, 1)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = await self._http.get(path, params=params)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                if last:
                    raise SupplierUnavailable(f"Kinguin {what} failed: {type(exc).__name__}.") from exc
            except httpx.HTTPError as exc:
                raise SupplierUnavailable(f"Kinguin {what} failed: {type(exc).__name__}.") from exc
            else:
                if response.status_code == 404 and missing_ok:
                    return None
                if response.status_code < 400:
                    return answer_json(response, what)
                if response.status_code < 500 or last:
                    raise SupplierUnavailable(f"Kinguin answered {response.status_code} to {what}.")
            log.info("Kinguin %s: attempt %d of %d failed; retrying", what, attempt, attempts)
            await asyncio.sleep(self._settings.retry_backoff * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def post_once(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """A POST made once, whatever happens: its answer, or `SupplierUnavailable` when none came."""
        try:
            return await self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise SupplierUnavailable(f"Kinguin POST {shape(path)} failed: {type(exc).__name__}.") from exc


def answer_json(response: httpx.Response, what: str) -> Any:
    try:
        return parse_json(response.content)
    except ValueError:
        raise SupplierUnavailable(f"Kinguin answered {what} with a body that is not JSON.") from None


def refusal_reason(response: httpx.Response) -> str:
    """Kinguin's short explanation of a refusal, if it gave one (printable, at most 80 characters)."""
    try:
        body = parse_json(response.content)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail") or body.get("message") or body.get("title")
    if not isinstance(detail, str):
        return ""
    cleaned = "".join(ch for ch in detail if ch.isprintable())[:80].strip()
    return f": {cleaned}" if cleaned else ""


def shape(path: str) -> str:
    """The route of a path without its ids, for messages: /v2/order/ABC/keys -> /v2/order/{id}/keys."""
    parts = path.split("/")
    if len(parts) > 3 and parts[2] == "order":
        parts[3] = "{id}"
    return "/".join(parts)
