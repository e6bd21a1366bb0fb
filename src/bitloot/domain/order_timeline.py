"""One order's history as the operator reads it (docs/console.md): typed entries in time order.

The service stores no history of state changes; the entries about states are derived from what is
recorded (payment records, `fulfilled_at`, the failure reason, the time of the last change)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    PLACED = "placed"
    PAYMENT_REQUESTED = "payment_requested"
    WEBHOOK = "webhook"
    PAYMENT = "payment"
    STATE = "state"
    FULFILLMENT_REQUEST = "fulfillment_request"
    ITEM_FULFILLED = "item_fulfilled"
    KEY_DELIVERED = "key_delivered"
    EMAIL = "email"
    REVEAL = "reveal"
    KEY_REPORT = "key_report"
    KEY_REPLACEMENT = "key_replacement"
    OPERATOR_ACTION = "operator_action"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """`detail` holds short facts as text (ids, amounts, a client address); never a key, a token, a
    link or a webhook body. `outcome` is what the event came to (`applied`, `sent`, `revealed`...)."""

    at: datetime
    kind: EntryKind
    title: str
    outcome: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)
