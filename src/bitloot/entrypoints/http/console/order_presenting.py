"""How the console's order page shows one order (docs/console.md): its summary, its keys (metadata
only, never a key), its timeline with client addresses masked for roles that may not see them, and
the actions it offers."""

from dataclasses import dataclass

from bitloot.application.use_cases.get_order_details import OrderDetails
from bitloot.application.use_cases.get_order_timeline import OrderTimeline
from bitloot.domain.operators import Permission
from bitloot.domain.order_actions import OrderAction, applicable
from bitloot.domain.order_status import OrderStatus
from bitloot.entrypoints.http.console.current import Console
from bitloot.entrypoints.http.console.presenting import masked_ip, when
from bitloot.entrypoints.http.presenters import amount

# Timeline detail fields that hold a client address (docs/console.md, "Operators and roles").
ADDRESS_FIELDS = frozenset({"ip", "clientIp"})
# The permission each action on an order needs (domain/operators.py).
ACTION_PERMISSIONS = {
    OrderAction.RETRY_FULFILLMENT: Permission.RETRY_FULFILLMENT,
    OrderAction.RESEND_EMAIL: Permission.RESEND_EMAIL,
    OrderAction.REPLACE_KEY: Permission.REPLACE_KEY,
    OrderAction.MARK_REFUNDED: Permission.MARK_REFUNDED,
}


@dataclass(frozen=True, slots=True)
class EntryRow:
    at: str
    kind: str
    title: str
    outcome: str
    detail: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class KeyRow:
    id: str
    item_id: str
    product: str
    delivered: str
    state: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class Offers:
    """The actions the order page shows: those the order's state allows (domain/order_actions.py)
    and the operator's role may take. A page gone stale may still post another: its use case refuses
    it with the reason."""

    retry: bool = False
    resend: bool = False
    replace: bool = False
    refund: bool = False
    # Some action the state allows is not the operator's role's (a support operator and a refund).
    role_hides: bool = False

    @property
    def none(self) -> bool:
        return not (self.retry or self.resend or self.replace or self.refund)


def offers(console: Console, details: OrderDetails) -> Offers:
    possible = applicable(details.order.status)
    allowed = {action for action in possible if console.may(ACTION_PERMISSIONS[action])}
    return Offers(
        retry=OrderAction.RETRY_FULFILLMENT in allowed,
        resend=OrderAction.RESEND_EMAIL in allowed,
        replace=OrderAction.REPLACE_KEY in allowed,
        refund=OrderAction.MARK_REFUNDED in allowed,
        role_hides=allowed != possible,
    )


def timeline_rows(console: Console, timeline: OrderTimeline) -> list[EntryRow]:
    full = console.may(Permission.SEE_CLIENT_IPS)
    return [
        EntryRow(
            at=when(entry.at),
            kind=entry.kind.value.replace("_", " "),
            title=entry.title,
            outcome=entry.outcome or "",
            detail=[
                (name, value if full or name not in ADDRESS_FIELDS or not value else masked_ip(value))
                for name, value in entry.detail.items()
            ],
        )
        for entry in timeline.entries
    ]


def _name(details: OrderDetails, product_id: str) -> str:
    return details.product_names.get(product_id, product_id)


def key_rows(details: OrderDetails) -> list[KeyRow]:
    rows = []
    for key in details.keys:
        if key.revoked_at is not None:
            state = f"revoked {when(key.revoked_at)}" + (
                f", replaced by {key.replaced_by}" if key.replaced_by else ""
            )
        elif key.purged_at is not None:
            state = f"erased {when(key.purged_at)}"
        elif details.order.status is OrderStatus.REFUNDED:
            state = "delivered, blocked: the order is refunded"
        else:
            state = "delivered"
        rows.append(
            KeyRow(
                id=key.id,
                item_id=key.item_id,
                product=_name(details, key.product_id),
                delivered=when(key.created_at),
                state=state,
                revoked=key.revoked_at is not None or key.purged_at is not None,
            )
        )
    return rows


def summary(details: OrderDetails) -> dict[str, object]:
    order = details.order
    return {
        "id": order.id,
        "state": order.status.value,
        "email": order.email,
        "total": f"{amount(order.total.amount)} {order.total.currency}",
        "created": when(order.created_at),
        "updated": when(order.updated_at),
        "fulfilled": when(order.fulfilled_at),
        "payment_reference": order.payment_reference or "",
        "failure_reason": order.failure_reason or "",
        "items": [
            {
                "id": item.id,
                "product": _name(details, item.product_id),
                "quantity": item.quantity,
                "price": f"{amount(item.unit_price.amount)} {item.unit_price.currency}",
                "fulfilled": when(item.fulfilled_at),
            }
            for item in order.items
        ],
    }
