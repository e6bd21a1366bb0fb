"""The JSON shapes of key reports, key replacement, resends and refunds (docs/http-api.md)."""

from datetime import datetime
from typing import Annotated

import msgspec

from bitloot.entrypoints.http.schemas import AdminOrderOut, DeliveryEmailOut, Id, RequestSchema, Schema

Message = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


class KeyReportIn(RequestSchema, frozen=True):
    key_id: Id
    message: Message


class CustomerKeyReportOut(Schema):
    """The key's open report; `alreadyReported` when it was open before (nothing changed)."""

    id: str
    key_id: str
    status: str
    created_at: datetime
    already_reported: bool
    detail: str


class KeyReportOut(Schema):
    """A customer's report on a delivered key (never the key)."""

    id: str
    order_id: str
    item_id: str
    key_id: str
    message: str
    # `open`, `replaced` or `dismissed`.
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None


class DismissIn(RequestSchema, frozen=True):
    note: Note


class ReasonIn(RequestSchema, frozen=True):
    reason: Note


class OptionalReasonIn(RequestSchema, frozen=True):
    reason: Annotated[str, msgspec.Meta(max_length=300)] = ""


class KeyReplacementOut(Schema):
    """The old key (revoked, kept for the audit) and the new one (live); `alreadyDone` when an
    earlier request finished it (nothing changed)."""

    replacement_id: str
    order_id: str
    item_id: str
    old_key_id: str
    new_key_id: str
    already_done: bool


class ResentEmailOut(Schema):
    order_id: str
    email: DeliveryEmailOut


class RefundedOut(Schema):
    order: AdminOrderOut
