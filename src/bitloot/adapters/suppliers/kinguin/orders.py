"""Kinguin's orders API (docs/suppliers.md), as `KinguinClient`: place and find orders, read their keys.

Requests go through `transport` (bounded, GETs retried, a POST made once); answers are read by the
rules of `payload`. Kinguin saying no to an order (a 4xx other than those below) is `SupplierRefused`;
every other failure is `SupplierUnavailable`, to be tried again later.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final
from urllib.parse import quote

import httpx

from bitloot.adapters.suppliers.kinguin.payload import RemoteKey, RemoteOrder, read_key, read_order
from bitloot.adapters.suppliers.kinguin.settings import KinguinSettings
from bitloot.adapters.suppliers.kinguin.transport import KinguinTransport, answer_json, refusal_reason
from bitloot.application.errors import SupplierRefused, SupplierUnavailable

# More pages than an order of at most 90 keys can fill, as a bound on a misbehaving answer.
MAX_KEY_PAGES: Final = 20


@dataclass(frozen=True, slots=True)
class OrderLine:
    kinguin_id: str
    quantity: int
    price: Decimal


class KinguinClient:
    def __init__(self, settings: KinguinSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._transport = KinguinTransport(settings, transport)

    def __repr__(self) -> str:
        return f"KinguinClient(base_url={self._settings.base_url!r})"

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def find_order(self, external_id: str) -> RemoteOrder | None:
        """The order placed with `orderExternalId` = `external_id`, if Kinguin has one. Of several,
        a live one (not canceled or refunded) wins, then the newest."""
        answer = await self._transport.get("/v1/order", {"orderExternalId": external_id})
        results = answer.get("results") if isinstance(answer, dict) else answer
        if not isinstance(results, list):
            raise SupplierUnavailable("Kinguin answered GET /v1/order with an unexpected body.")
        orders = [read_order(entry) for entry in results if isinstance(entry, dict)]
        mine = [o for o in orders if o.external_id == external_id]
        if not mine:
            return None
        epoch = datetime.min.replace(tzinfo=UTC)
        mine.sort(
            key=lambda o: (o.status not in ("canceled", "cancelled", "refunded"), o.updated_at or epoch)
        )
        return mine[-1]

    async def get_order(self, order_id: str) -> RemoteOrder:
        answer = await self._transport.get(f"/v1/order/{_path_part(order_id)}", None)
        if not isinstance(answer, dict):
            raise SupplierUnavailable("Kinguin answered GET /v1/order/{id} with an unexpected body.")
        return read_order(answer)

    async def place_order(self, external_id: str, lines: list[OrderLine]) -> RemoteOrder:
        body = {
            "products": [
                {
                    "kinguinId": int(line.kinguin_id) if line.kinguin_id.isdigit() else line.kinguin_id,
                    "qty": line.quantity,
                    "price": float(line.price),
                    "keyType": "text",
                }
                for line in lines
            ],
            "orderExternalId": external_id,
        }
        what = "POST /v1/order"
        # Kinguin may have taken the order before the answer was lost: never retried here.
        response = await self._transport.post_once("/v1/order", body)
        status = response.status_code
        if status in (401, 403, 408, 409, 425, 429) or status >= 500:
            # Our key, a rate limit, Kinguin's own trouble, or a conflict with an order it already
            # has for this item: none of these is the customer's order failing; try again later.
            raise SupplierUnavailable(f"Kinguin answered {status} to {what}.")
        if status >= 400:
            raise SupplierRefused(f"Kinguin refused the order (HTTP {status}{refusal_reason(response)}).")
        answer = answer_json(response, what)
        if not isinstance(answer, dict):
            raise SupplierUnavailable(f"Kinguin answered {what} with an unexpected body.")
        return read_order(answer)

    async def keys(self, order_id: str) -> list[RemoteKey]:
        """The keys Kinguin has for the order so far, every page of them; none while it has none."""
        size = self._settings.keys_page_size
        found: list[RemoteKey] = []
        for page in range(1, MAX_KEY_PAGES + 1):
            answer = await self._transport.get(
                f"/v2/order/{_path_part(order_id)}/keys", {"page": page, "limit": size}, missing_ok=True
            )
            entries = answer.get("results") if isinstance(answer, dict) else answer
            if answer is None or not entries:
                break
            if not isinstance(entries, list):
                raise SupplierUnavailable("Kinguin answered GET /v2/order/{id}/keys with an unexpected body.")
            found.extend(read_key(entry) for entry in entries if isinstance(entry, dict))
            if len(entries) < size:
                break
        return found


def _path_part(value: str) -> str:
    return quote(value, safe="")
