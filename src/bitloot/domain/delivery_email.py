"""The email outbox: an email the shop owes a customer, written with the change that owes it.

A fulfilled order owes its customer an email with a delivery link; the operator's resend, a key
replacement and the customer's own request for a fresh link owe one more each; a placed, underpaid or
failed order owes one that says so, and so does an order that expired after part of its payment came
in; a customer who lost the order page asks for its link. Each email has a kind (which message is sent)
and a unique dedupe key naming what owes it, the kind's prefix (`DEDUPE_PREFIX`) and its cause
("fulfilled:{order}", "received:{order}", "underpaid:{order}:{payment}:{paid}", "failed:{order}",
"resent:{action}", "replaced:{replacement}", "requested:{request}", "lookup:{request}",
"expired:{order}"), so the same cause never owes two. The email is recorded in the transaction that
owes it, so neither a crash nor a mail outage can lose it; a sender claims it when it is due, sends it
and marks it sent, or backs off and tries again later. An email the mail server refuses for good, or
that still fails `GIVE_UP_AFTER` after it was owed, is closed as `failed` with its last error, for the
operator, and never tried again.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final

FIRST_RETRY: Final = timedelta(seconds=30)
MAX_RETRY: Final = timedelta(minutes=30)
MAX_ERROR_LENGTH: Final = 200
# An email still failing this long after it was owed is given up (`failed`).
GIVE_UP_AFTER: Final = timedelta(days=3)
# What the outbox's dedupe key column holds.
MAX_DEDUPE_KEY_LENGTH: Final = 120


class DeliveryEmailKind(StrEnum):
    ORDER_FULFILLED = "order_fulfilled"
    # The operator sent the delivery link again (a customer lost the first email).
    DELIVERY_RESENT = "delivery_resent"
    # A key of the order was replaced: a fresh link to the new key.
    KEY_REPLACED = "key_replaced"
    # The customer asked for a fresh delivery link (on the order page, or from an expired link).
    LINK_REQUESTED = "link_requested"
    # The order was placed: its payment link and its order page.
    ORDER_RECEIVED = "order_received"
    # A payment came in short: how much is missing and how to pay it.
    UNDERPAID = "underpaid"
    # The order failed: what happens next.
    ORDER_FAILED = "order_failed"
    # "Lost your email?": the order page link, to the order's own address.
    ORDER_LINK = "order_link"
    # The order expired after part of its payment arrived: what came in, that no key is delivered, and
    # whom to ask for a refund or to complete it.
    EXPIRED_PARTLY_PAID = "expired_partly_paid"


# How each kind's dedupe key begins (`dedupe_key`): fixed for good, since the rows already sent dedupe
# by it. The email of an operator's resend, a replacement or a customer's request is owed by that cause;
# the other kinds by the order itself (`ONCE_PER_ORDER`) or, for underpaid, a payment and amount.
DEDUPE_PREFIX: Final[Mapping[DeliveryEmailKind, str]] = MappingProxyType(
    {
        DeliveryEmailKind.ORDER_FULFILLED: "fulfilled",
        DeliveryEmailKind.DELIVERY_RESENT: "resent",
        DeliveryEmailKind.KEY_REPLACED: "replaced",
        DeliveryEmailKind.LINK_REQUESTED: "requested",
        DeliveryEmailKind.ORDER_RECEIVED: "received",
        DeliveryEmailKind.UNDERPAID: "underpaid",
        DeliveryEmailKind.ORDER_FAILED: "failed",
        DeliveryEmailKind.ORDER_LINK: "lookup",
        DeliveryEmailKind.EXPIRED_PARTLY_PAID: "expired",
    }
)
# The kinds one order owes at most once: the order's id is their cause.
ONCE_PER_ORDER: Final = frozenset(
    {
        DeliveryEmailKind.ORDER_FULFILLED,
        DeliveryEmailKind.ORDER_RECEIVED,
        DeliveryEmailKind.ORDER_FAILED,
        DeliveryEmailKind.EXPIRED_PARTLY_PAID,
    }
)

# The kinds whose email carries a fresh delivery link, issued when it is sent.
CARRIES_DELIVERY_LINK: Final = frozenset(
    {
        DeliveryEmailKind.ORDER_FULFILLED,
        DeliveryEmailKind.DELIVERY_RESENT,
        DeliveryEmailKind.KEY_REPLACED,
        DeliveryEmailKind.LINK_REQUESTED,
    }
)


class DeliveryEmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Refused for good by the mail server, or failing for `GIVE_UP_AFTER`: never tried again.
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryEmail:
    """One email to send; at most one per `dedupe_key`, several per order.

    A pending email is due from `next_attempt_at` on. A sender that claims it moves
    `next_attempt_at` to the end of its lease, so no other sender takes it meanwhile. `attempts`
    counts the sends tried; `last_error` says briefly why the last one failed (never a secret).
    """

    id: str
    order_id: str
    kind: DeliveryEmailKind
    email: str
    status: DeliveryEmailStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    dedupe_key: str

    @classmethod
    def owed(
        cls,
        kind: DeliveryEmailKind,
        order_id: str,
        email: str,
        now: datetime,
        *,
        email_id: str,
        cause: str | None = None,
    ) -> "DeliveryEmail":
        """An email of `kind` owed to the customer of `order_id`, due at once. Its dedupe key is
        `dedupe_key(kind, cause)`: the kinds of `ONCE_PER_ORDER` take no cause (the order is it), the
        others name theirs (the operator's action, the replacement, the request, `underpaid_cause`)."""
        if (cause is None) is not (kind in ONCE_PER_ORDER):
            raise ValueError(f"{kind} emails are owed {'once per order' if cause else 'for a cause'}")
        return cls(
            id=email_id,
            order_id=order_id,
            kind=kind,
            dedupe_key=dedupe_key(kind, order_id if cause is None else cause),
            email=email,
            status=DeliveryEmailStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            last_error=None,
            created_at=now,
            updated_at=now,
        )

    def is_due(self, now: datetime) -> bool:
        return self.status is DeliveryEmailStatus.PENDING and self.next_attempt_at <= now

    def is_overdue(self, now: datetime) -> bool:
        """Owed for `GIVE_UP_AFTER` or longer: a send failing now is the last one tried."""
        return now - self.created_at >= GIVE_UP_AFTER


def dedupe_key(kind: DeliveryEmailKind, cause: str) -> str:
    """`{prefix}:{cause}`: what owes an email of `kind`, as the outbox's unique column holds it, or
    `{prefix}:{digest of cause}` when that would not fit it. Rows already in a database were keyed this
    way: a prefix in `DEDUPE_PREFIX` never changes."""
    key = f"{DEDUPE_PREFIX[kind]}:{cause}"
    if len(key) <= MAX_DEDUPE_KEY_LENGTH:
        return key
    return f"{DEDUPE_PREFIX[kind]}:{hashlib.sha256(cause.encode()).hexdigest()}"


def underpaid_cause(order_id: str, payment_id: str, actually_paid: Decimal) -> str:
    """What owes an underpaid email: `{order}:{payment}:{amount}`, the amount written without trailing
    zeros (0.50 and 0.5 are one amount); a digest of payment and amount when the key would not fit
    the column. One per payment and amount paid, so a repeated notification owes nothing more and a
    further partial payment owes one more (with the new missing amount)."""
    amount = f"{actually_paid.normalize():f}"
    cause = f"{order_id}:{payment_id}:{amount}"
    if len(DEDUPE_PREFIX[DeliveryEmailKind.UNDERPAID]) + 1 + len(cause) <= MAX_DEDUPE_KEY_LENGTH:
        return cause
    digest = hashlib.sha256(f"{payment_id}:{amount}".encode()).hexdigest()[:40]
    return f"{order_id[:64]}:{digest}"


def retry_delay(failed_attempts: int) -> timedelta:
    """How long to wait after the `failed_attempts`-th failure: 30 s, doubling, at most 30 minutes."""
    if failed_attempts < 1:
        return FIRST_RETRY
    # The exponent is capped before it grows large: 2**6 * 30 s already exceeds 30 minutes.
    doublings: int = min(failed_attempts - 1, 16)
    return min(FIRST_RETRY * (1 << doublings), MAX_RETRY)


def short_error(reason: str) -> str:
    """A failure reason fit to keep: one line, at most `MAX_ERROR_LENGTH` characters."""
    line = " ".join(reason.split())
    return line[: MAX_ERROR_LENGTH - 1] + "…" if len(line) > MAX_ERROR_LENGTH else line or "failed"
