"""Where an order's timeline entries come from (docs/console.md). Each source reads one kind of
record through the unit of work, in one statement, and turns it into entries; `GetOrderTimeline`
merges them in time order. A new kind of record (key reports, replacements, resent emails) plugs in
by adding its source to `TIMELINE_SOURCES`."""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operator_audit import TargetKind
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.order_timeline import EntryKind, TimelineEntry
from bitloot.domain.payment import PaymentOutcome, PaymentStatus

# A source: the entries one kind of record gives for an order.
TimelineSource = Callable[[UnitOfWork, Order], Awaitable[Iterable[TimelineEntry]]]


class _Step(NamedTuple):
    """One moment of a record's life, as its timeline entry shows it."""

    at: datetime
    title: str
    outcome: str
    detail: Mapping[str, str]


def _created_then_resolved(kind: EntryKind, created: _Step, resolved: _Step | None) -> list[TimelineEntry]:
    """The entries of a record that is created and later resolved (an email owed, then sent or
    failed; a key report, then resolved; a replacement, then done or failed): the second only once
    it is (`resolved` None until then)."""
    steps = [created] if resolved is None else [created, resolved]
    return [TimelineEntry(s.at, kind, s.title, outcome=s.outcome, detail=s.detail) for s in steps]


async def placed(_: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    total = order.total
    entries = [
        TimelineEntry(
            order.created_at,
            EntryKind.PLACED,
            "Order placed",
            detail={
                "email": order.email,
                "total": f"{total.amount} {total.currency}",
                "items": str(len(order.items)),
            },
        )
    ]
    if order.payment_reference is not None or order.payment_url is not None:
        # The payment request is made while the order is placed. The page's host says where the
        # customer was sent to pay; the address itself is not served.
        detail = {"paymentReference": order.payment_reference} if order.payment_reference else {}
        page_host = urlsplit(order.payment_url).hostname if order.payment_url else None
        if page_host:
            detail["paymentPage"] = page_host
        entries.append(
            TimelineEntry(order.created_at, EntryKind.PAYMENT_REQUESTED, "Payment requested", detail=detail)
        )
    return entries


async def webhooks(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    return [
        TimelineEntry(
            d.received_at,
            EntryKind.WEBHOOK,
            f"{d.provider} webhook: {d.event}" + (" (replay)" if d.replayed_from else ""),
            outcome=d.outcome,
            detail={
                "deliveryId": d.id,
                "provider": d.provider,
                "signatureValid": "yes" if d.signature_valid else "no",
                **({"replayOf": d.replayed_from} if d.replayed_from else {}),
            },
        )
        for d in await uow.webhooks.list_for_order(order.id)
    ]


async def payments(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    return [
        TimelineEntry(
            record.received_at,
            EntryKind.PAYMENT,
            f"Payment {record.status.value}",
            outcome=record.outcome.value,
            detail={
                "paymentId": record.payment_id,
                "provider": record.provider,
                "actuallyPaid": f"{record.actually_paid} {record.pay_currency}",
            },
        )
        for record in await uow.payments.list_for_order(order.id)
    ]


# The order state an applied payment record of each status moved the order to (domain/payment.py).
_PAYMENT_STATES = {
    PaymentStatus.FINISHED: OrderStatus.PAID,
    PaymentStatus.PARTIALLY_PAID: OrderStatus.UNDERPAID,
    PaymentStatus.FAILED: OrderStatus.PAYMENT_FAILED,
    PaymentStatus.EXPIRED: OrderStatus.EXPIRED,
    PaymentStatus.REFUNDED: OrderStatus.REFUNDED,
}


def _state(at: datetime, status: OrderStatus, derived_from: str, reason: str | None = None) -> TimelineEntry:
    detail = {"status": status.value, "derivedFrom": derived_from}
    if reason:
        detail["reason"] = reason
    return TimelineEntry(at, EntryKind.STATE, f"Now {status.value}", outcome=status.value, detail=detail)


async def states(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    """The state changes the records show: each applied payment record's, items fulfilled and the
    order fulfilled (`fulfilled_at`), then the current state (with its failure reason) at the last
    change when none of those already shows it (failed, held, refunded by the operator...)."""
    entries = [
        _state(record.received_at, target, "from the payment record")
        for record in await uow.payments.list_for_order(order.id)
        if record.outcome is PaymentOutcome.APPLIED
        and (target := _PAYMENT_STATES.get(record.status)) is not None
    ]
    entries += [
        TimelineEntry(
            item.fulfilled_at,
            EntryKind.ITEM_FULFILLED,
            "Item fulfilled",
            detail={"itemId": item.id, "productId": item.product_id, "quantity": str(item.quantity)},
        )
        for item in order.items
        if item.fulfilled_at is not None
    ]
    if order.fulfilled_at is not None:
        entries.append(_state(order.fulfilled_at, OrderStatus.FULFILLED, "fulfilled_at"))
    # Listed so that a stable sort keeps one instant's changes in order: paid, items, fulfilled.
    entries.sort(key=lambda entry: entry.at)
    shown = [entry.outcome for entry in entries if entry.kind is EntryKind.STATE]
    if order.status != (shown[-1] if shown else OrderStatus.AWAITING_PAYMENT):
        entries.append(_state(order.updated_at, order.status, "current state", order.failure_reason))
    return entries


async def fulfillment_request(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    """The outbox keeps one request per order, so this is its latest state, not every attempt; the
    retries themselves show as operator actions."""
    request = await uow.overview.request_of(order.id)
    if request is None:
        return []
    return [
        TimelineEntry(
            request.updated_at,
            EntryKind.FULFILLMENT_REQUEST,
            f"Fulfilment request {request.state}",
            outcome=request.state,
        )
    ]


async def keys(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    """Metadata only: the key itself is never read here."""
    return [
        TimelineEntry(
            key.created_at,
            EntryKind.KEY_DELIVERED,
            "Key delivered",
            outcome="purged" if key.purged_at else "delivered",
            detail={
                "keyId": key.id,
                "itemId": key.item_id,
                "productId": key.product_id,
                **({"purgedAt": key.purged_at.isoformat()} if key.purged_at else {}),
            },
        )
        for key in await uow.keys.list_for_order(order.id)
    ]


async def emails(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    """Each email the order was owed (received, underpaid, failed, delivery, resent, key replaced, ...),
    then its last state."""
    entries: list[TimelineEntry] = []
    for email in await uow.emails.list_for_order(order.id):
        what = _EMAIL_TITLES.get(email.kind.value, "Email")
        owed = _Step(email.created_at, f"{what} owed", "pending", {"to": email.email})
        tried = email.updated_at != email.created_at or email.attempts != 0
        detail = {"attempts": str(email.attempts)}
        if email.last_error:
            detail["lastError"] = email.last_error
        last = _Step(email.updated_at, f"{what} {email.status.value}", email.status.value, detail)
        entries += _created_then_resolved(EntryKind.EMAIL, owed, last if tried else None)
    return entries


_EMAIL_TITLES = {
    "order_fulfilled": "Delivery email",
    "delivery_resent": "Delivery email (resent)",
    "key_replaced": "Key replaced email",
    "order_received": "Order received email",
    "underpaid": "Underpaid email",
    "order_failed": "Order failed email",
    "link_requested": "Delivery email (asked for)",
    "order_link": "Order page link email",
    "expired_partly_paid": "Expired part paid email",
}


async def key_reports(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    """The customer's reports of a key that does not work, and how each was resolved. The message
    is the customer's own text, shown escaped by the pages."""
    entries: list[TimelineEntry] = []
    for report in await uow.key_reports.list_for_order(order.id):
        detail = {"reportId": report.id, "keyId": report.sealed_key_id, "message": report.message}
        reported = _Step(report.created_at, "Customer reported a key", "open", detail)
        resolved = None
        if report.resolved_at is not None:
            detail = {"reportId": report.id, "by": report.resolved_by or ""}
            if report.resolution_note:
                detail["note"] = report.resolution_note
            status = report.status.value
            resolved = _Step(report.resolved_at, f"Key report {status}", status, detail)
        entries += _created_then_resolved(EntryKind.KEY_REPORT, reported, resolved)
    return entries


async def key_replacements(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    """Replacements: the old key revoked and the new one delivered (or why it failed)."""
    entries: list[TimelineEntry] = []
    for replacement in await uow.key_replacements.list_for_order(order.id):
        detail = {
            "replacementId": replacement.id,
            "oldKeyId": replacement.old_key_id,
            "by": replacement.requested_by,
        }
        if replacement.reason:
            detail["reason"] = replacement.reason
        requested = _Step(replacement.created_at, "Key replacement requested", "requested", detail)
        finished = None
        if replacement.state.value != "requested":
            done = {"replacementId": replacement.id, "oldKeyId": replacement.old_key_id}
            if replacement.new_key_id:
                done["newKeyId"] = replacement.new_key_id
            if replacement.failure_reason:
                done["reason"] = replacement.failure_reason
            title = "Key revoked and replaced" if replacement.new_key_id else "Key replacement failed"
            finished = _Step(replacement.updated_at, title, replacement.state.value, done)
        entries += _created_then_resolved(EntryKind.KEY_REPLACEMENT, requested, finished)
    return entries


async def reveals(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    return [
        TimelineEntry(
            event.at,
            EntryKind.REVEAL,
            f"Reveal through {event.channel.value}",
            outcome=event.outcome.value,
            detail={
                "keyId": event.key_id,
                "itemId": event.item_id,
                "channel": event.channel.value,
                "ip": event.client.ip or "",
                "userAgent": event.client.user_agent or "",
            },
        )
        for event in await uow.reveals.list_for_order(order.id)
    ]


async def operator_actions(uow: UnitOfWork, order: Order) -> Iterable[TimelineEntry]:
    return [
        TimelineEntry(
            action.at,
            EntryKind.OPERATOR_ACTION,
            action.kind.value.replace("_", " ").capitalize(),
            detail={
                "actor": action.actor.label,
                "actorKind": action.actor.kind.value,
                "clientIp": action.actor.client_ip or "",
                "detail": action.detail,
            },
        )
        for action in await uow.operator_actions.for_target(TargetKind.ORDER, order.id)
    ]


# In this order: entries of one instant keep it (placed before the payment request, a delivery
# before its payment record, a payment record before the state it applied, a key before the email it
# owes). A new kind of record plugs in as one more source here.
TIMELINE_SOURCES: tuple[TimelineSource, ...] = (
    placed,
    webhooks,
    payments,
    states,
    fulfillment_request,
    keys,
    emails,
    key_reports,
    key_replacements,
    reveals,
    operator_actions,
)
