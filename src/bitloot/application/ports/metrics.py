"""What the service counts as it happens, for the operator's dashboards and alerts (docs/metrics.md).

Every label is drawn from a small fixed set: a provider, an outcome, a channel, a limit's name, a
storage operation. Never an order id, an email, a token or a key; an adapter maps a value outside
the sets below to `OTHER`, so a label can never grow without bound.
"""

from enum import StrEnum
from typing import Final, Protocol

from bitloot.domain.audit import RevealChannel
from bitloot.domain.product import SupplierKind
from bitloot.domain.webhook import WebhookProvider

OTHER: Final = "other"

# How a webhook delivery ended, beyond the outcomes its handling records (`applied`, `stale`, ...).
BAD_SIGNATURE: Final = "bad_signature"
# Not a notification, or too large to be one.
MALFORMED: Final = "malformed"
# Handling failed (the database was down, say): the provider will deliver it again.
ERROR: Final = "error"
IPN_OUTCOMES: Final = frozenset(
    {
        # Payment notifications (`PaymentOutcome`) and Kinguin events (`apply_kinguin_event`).
        "applied",
        "no_change",
        "stale",
        "mismatch",
        "insufficient",
        "repeated_deposit",
        "unmatched",
        "ignored",
        "duplicate",
        BAD_SIGNATURE,
        MALFORMED,
        ERROR,
    }
)

# The rate limits, by the name their counters are kept under (the key's prefix).
LIMITS: Final = frozenset(
    {
        "reveal-ip",
        "report-ip",
        "link-ip",
        "order-ip",
        "order-page-ip",
        "lookup-ip",
        "sign-in-ip",
        "sign-in-email",
        "reveal-order",
        "link-order",
        "email-order",
    }
)


class SupplierOutcome(StrEnum):
    OK = "ok"
    OUT_OF_STOCK = "out_of_stock"
    REFUSED = "refused"
    NOT_READY = "not_ready"
    UNAVAILABLE = "unavailable"
    ERROR = "error"


class StorageOp(StrEnum):
    PUT = "put"
    GET = "get"
    DELETE = "delete"
    CHECK = "check"
    LIST = "list"


class ShopMetrics(Protocol):
    """Records events; never raises and never blocks (an in-memory increment)."""

    def ipn_received(self, provider: WebhookProvider, outcome: str) -> None:
        """One webhook delivery from a provider, by how it ended (`IPN_OUTCOMES`)."""
        ...

    def fulfillment_job_finished(self, outcome: str) -> None:
        """One run of `FulfillOrder`, by its outcome (`FulfillOutcome`)."""
        ...

    def order_fulfilled(self, seconds_since_paid: float) -> None: ...

    def keys_revealed(self, channel: RevealChannel) -> None:
        """One reveal that showed keys (a refused or tampered one is not counted here)."""
        ...

    def rate_limited(self, limit: str) -> None:
        """One request refused by the limit named `limit` (`LIMITS`)."""
        ...

    def supplier_called(self, supplier: SupplierKind, outcome: SupplierOutcome) -> None: ...

    def storage_timed(self, op: StorageOp, seconds: float) -> None: ...

    def vault_refused(self) -> None:
        """A sealed key failed to open or rewrap (`KeyIntegrityError`): tampered or damaged."""
        ...
