"""The operator audit log: who did what to which record, when, and from where (docs/console.md).

Every change an operator makes (in the console, through the admin-token API or on the command line)
is recorded in the transaction of the change itself, so an action and its record commit together or
not at all. A record never holds a key, a token, a link or a password: `detail` is a short summary
written by the use case (a count, a reason, a state), not user input passed through.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from bitloot.domain.errors import InvalidValue
from bitloot.domain.ids import new_id

MAX_DETAIL_LENGTH: Final = 300


class ActorKind(StrEnum):
    # A signed-in person in the console.
    OPERATOR = "operator"
    # Automation holding the admin token (`Authorization: Bearer`).
    AUTOMATION = "automation"
    # `bitloot ...` on a machine of the shop.
    COMMAND_LINE = "command_line"
    # The service itself, finishing what an actor started (the reconciler finishing a replacement).
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts. `label` is what the audit shows (an operator's email, "admin token", "command
    line"); `client_ip` is the address as the rate limiter resolves it (None on the command line)."""

    kind: ActorKind
    label: str
    operator_id: str | None = None
    client_ip: str | None = None

    @classmethod
    def api_token(cls, client_ip: str | None) -> "Actor":
        return cls(ActorKind.AUTOMATION, "admin token", client_ip=client_ip)

    @classmethod
    def command_line(cls) -> "Actor":
        return cls(ActorKind.COMMAND_LINE, "command line")

    def did(
        self,
        kind: "ActionKind",
        target_kind: "TargetKind",
        target_id: str,
        at: datetime,
        detail: str = "",
        *,
        action_id: str | None = None,
    ) -> "OperatorAction":
        """The audit record of this actor's action; a detail over the limit is cut, not refused."""
        if len(detail) > MAX_DETAIL_LENGTH:
            detail = detail[: MAX_DETAIL_LENGTH - 1] + "…"
        return OperatorAction(action_id or new_id(), self, kind, target_kind, target_id, at, detail)


class TargetKind(StrEnum):
    ORDER = "order"
    PRODUCT = "product"
    WEBHOOK = "webhook"
    OPERATOR = "operator"
    KEY_REPORT = "key_report"


class ActionKind(StrEnum):
    PRODUCT_CREATED = "product_created"
    PRODUCT_UPDATED = "product_updated"
    STOCK_IMPORTED = "stock_imported"
    STOCK_WITHDRAWN = "stock_withdrawn"
    FULFILLMENT_RETRIED = "fulfillment_retried"
    EMAIL_RESENT = "email_resent"
    KEY_REPLACED = "key_replaced"
    KEY_REPORT_DISMISSED = "key_report_dismissed"
    ORDER_REFUNDED = "order_refunded"
    WEBHOOK_REPLAYED = "webhook_replayed"
    OPERATOR_ADDED = "operator_added"
    OPERATOR_DISABLED = "operator_disabled"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an action name, not a secret
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"


@dataclass(frozen=True, slots=True)
class OperatorAction:
    id: str
    actor: Actor
    kind: ActionKind
    target_kind: TargetKind
    target_id: str
    at: datetime
    detail: str = ""

    def __post_init__(self) -> None:
        if len(self.detail) > MAX_DETAIL_LENGTH:
            raise InvalidValue(f"An audit detail is at most {MAX_DETAIL_LENGTH} characters.")
        if not self.target_id:
            raise InvalidValue("An audited action names its target.")


@dataclass(frozen=True, slots=True)
class AuditCursor:
    """Where a page of the audit log ends: the (time, id) of its last record, newest first."""

    at: datetime
    id: str
