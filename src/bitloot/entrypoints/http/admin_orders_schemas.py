"""The JSON shapes of the operator's order search, order timeline and overview (docs/http-api.md)."""

from datetime import datetime
from typing import Any

import msgspec

from bitloot.entrypoints.http.schemas import Amount, Schema


class OrderSummaryOut(Schema):
    id: str
    email: str
    status: str
    total: Amount
    currency: str
    # Lines in the order, and units over all its lines.
    item_count: int
    unit_count: int
    created_at: datetime
    updated_at: datetime
    payment_reference: str | None
    failure_reason: str | None


class OrderSearchOut(Schema):
    orders: list[OrderSummaryOut]
    # Pass as `cursor` for the next page; null on the last page.
    next: str | None


class TimelineEntryOut(Schema):
    at: datetime
    kind: str
    title: str
    outcome: str | None
    detail: dict[str, str]


class OrderTimelineOut(Schema):
    order_id: str
    status: str
    # Oldest first.
    entries: list[TimelineEntryOut]
    note: str


class OrderMarkOut(Schema):
    order_id: str
    at: datetime


class ListedOut(Schema):
    count: int
    orders: list[OrderMarkOut]


class BacklogOut(Schema):
    count: int
    oldest_at: datetime | None
    # Seconds since `oldestAt`; null when nothing waits.
    oldest_age_seconds: int | None


class EmailBacklogOut(Schema):
    pending: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: int | None
    failed: int


class HealthOut(Schema):
    ok: bool
    checks: dict[str, str]


class OverviewOut(Schema):
    at: datetime
    # Orders created since midnight UTC, and in the last 7 days, by their current status.
    today: dict[str, int]
    last_7_days: dict[str, int]
    paid_not_fulfilled: ListedOut
    failed: ListedOut
    needs_attention: ListedOut
    fulfillment_backlog: BacklogOut
    email_backlog: EmailBacklogOut
    health: HealthOut
    # Null when this deployment does not count them (yet).
    open_key_reports: int | None
    low_stock_products: int | None


_ORDER = "01935c4e-8f3a-7c21-9b4d-5e6f7a8b9c0d"
_AT = "2026-01-31T12:00:00Z"

EXAMPLES: dict[type[msgspec.Struct], dict[str, Any]] = {
    OrderSearchOut: {
        "orders": [
            {
                "id": _ORDER,
                "email": "player@example.com",
                "status": "failed",
                "total": "59.99",
                "currency": "EUR",
                "itemCount": 1,
                "unitCount": 2,
                "createdAt": _AT,
                "updatedAt": "2026-01-31T12:03:10Z",
                "paymentReference": "5077125051",
                "failureReason": "Not enough keys in stock.",
            }
        ],
        "next": "eyJhdCI6IjIwMjYtMDEtMzFUMTI6MDA6MDArMDA6MDAiLCJpZCI6IjAxOTM1YzRlIn0",
    },
    OrderTimelineOut: {
        "orderId": _ORDER,
        "status": "fulfilled",
        "entries": [
            {"at": _AT, "kind": "placed", "title": "Order placed", "outcome": None, "detail": {"items": "1"}},
            {
                "at": "2026-01-31T12:01:00Z",
                "kind": "payment",
                "title": "Payment finished",
                "outcome": "applied",
                "detail": {"paymentId": "4522625843", "actuallyPaid": "0.0012 btc"},
            },
        ],
        "note": "No history of state changes is stored: state entries are derived.",
    },
    OverviewOut: {
        "at": _AT,
        "today": {"fulfilled": 12, "awaiting_payment": 3},
        "last7Days": {"fulfilled": 80, "failed": 1},
        "paidNotFulfilled": {"count": 0, "orders": []},
        "failed": {"count": 1, "orders": [{"orderId": _ORDER, "at": _AT}]},
        "needsAttention": {"count": 0, "orders": []},
        "fulfillmentBacklog": {"count": 0, "oldestAt": None, "oldestAgeSeconds": None},
        "emailBacklog": {"pending": 1, "oldestPendingAt": _AT, "oldestPendingAgeSeconds": 42, "failed": 0},
        "health": {"ok": True, "checks": {"database": "ok", "storage": "ok", "queue": "ok"}},
        "openKeyReports": None,
        "lowStockProducts": None,
    },
}
