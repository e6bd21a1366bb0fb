"""Links into the console's orders pages (docs/console.md, "The pages")."""

from collections.abc import Sequence
from urllib.parse import quote, urlencode

ORDERS = "/console/orders"


def orders_link(
    *,
    q: str = "",
    states: Sequence[str] = (),
    created_from: str = "",
    created_to: str = "",
    cursor: str = "",
) -> str:
    """The orders list with these filters (empty ones left out)."""
    pairs = [("q", q)] + [("state", s) for s in states]
    pairs += [("from", created_from), ("to", created_to), ("cursor", cursor)]
    query = urlencode([(k, v) for k, v in pairs if v])
    return f"{ORDERS}?{query}" if query else ORDERS


def order_link(order_id: str) -> str:
    return f"{ORDERS}/{quote(order_id, safe='')}"
