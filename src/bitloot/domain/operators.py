"""Operators: the people who sign in to the console, their roles and what each role may do
(docs/console.md).

An operator's email is their name, kept lower-case so one person has one account; the password hash
never shows in a `repr`. `may(role, permission)` is the whole rule of who may do what: one table.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from bitloot.domain.errors import InvalidValue

MAX_EMAIL_LENGTH: Final = 254
# A password the operator chooses (`--password-stdin`): long enough that a guess is hopeless.
MIN_PASSWORD_LENGTH: Final = 12
MAX_PASSWORD_LENGTH: Final = 256


class Role(StrEnum):
    OWNER = "owner"
    SUPPORT = "support"


class Permission(StrEnum):
    VIEW = "view"  # every page: orders, products, webhooks, key reports, the audit log
    RETRY_FULFILLMENT = "retry_fulfillment"
    RESEND_EMAIL = "resend_email"
    REPLACE_KEY = "replace_key"
    DISMISS_KEY_REPORT = "dismiss_key_report"
    REPLAY_WEBHOOK = "replay_webhook"
    CREATE_PRODUCT = "create_product"
    UPDATE_PRODUCT = "update_product"
    IMPORT_STOCK = "import_stock"
    WITHDRAW_STOCK = "withdraw_stock"
    MARK_REFUNDED = "mark_refunded"
    MANAGE_OPERATORS = "manage_operators"
    SEE_CLIENT_IPS = "see_client_ips"  # in full; support sees them masked


# Support looks after customers: it looks, retries, resends, replaces and dismisses. What changes the
# catalog, the stock, the money or the people stays with the owner.
SUPPORT_MAY: Final = frozenset(
    {
        Permission.VIEW,
        Permission.RETRY_FULFILLMENT,
        Permission.RESEND_EMAIL,
        Permission.REPLACE_KEY,
        Permission.DISMISS_KEY_REPORT,
        Permission.REPLAY_WEBHOOK,
    }
)
PERMISSIONS: Final = {Role.OWNER: frozenset(Permission), Role.SUPPORT: SUPPORT_MAY}


def may(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def normalized_email(email: str) -> str:
    """The email as an operator's name: trimmed, lower-case; refused unless it looks like one
    address (`someone@host`, no spaces)."""
    value = email.strip().lower()
    local, at, host = value.partition("@")
    if not (at and local and "." in host) or "@" in host or any(c.isspace() for c in value):
        raise InvalidValue("An operator's email is one address, like someone@shop.example.")
    if len(value) > MAX_EMAIL_LENGTH:
        raise InvalidValue(f"An operator's email is at most {MAX_EMAIL_LENGTH} characters.")
    return value


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidValue(f"A password is {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long.")


@dataclass(slots=True)
class Operator:
    id: str
    email: str
    role: Role
    password_hash: str = field(repr=False)
    created_at: datetime
    password_changed_at: datetime
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def may(self, permission: Permission) -> bool:
        return self.active and may(self.role, permission)
