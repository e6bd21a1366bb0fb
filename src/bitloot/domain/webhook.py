"""The webhook inbox: each delivery a provider made to us, kept as received so it can be replayed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from bitloot.domain.errors import InvalidValue

WebhookProvider = Literal["nowpayments", "kinguin"]
PROVIDERS: Final[tuple[WebhookProvider, ...]] = ("nowpayments", "kinguin")

# The largest body kept (the HTTP layer refuses larger IPN bodies before anything is read).
MAX_BODY_BYTES: Final = 64 * 1024
MAX_OUTCOME_LENGTH: Final = 64

# The outcome of a delivery whose payload was already recorded: nothing else was done.
DUPLICATE: Final = "duplicate"


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One delivery, with what handling it did.

    `signature` is the header exactly as received; a replay verifies it again, so it must be what
    the provider computed (an HMAC), never a shared secret in plain text: a provider that sends its
    secret itself (Kinguin's `X-Event-Secret`) stores None here and records the check in
    `signature_valid`. `outcome` says what handling did (`applied`, `duplicate`, `unmatched`,
    `stale`, `mismatch`, ...). `replayed_from` names the delivery an operator replayed to make this one.
    """

    id: str
    provider: WebhookProvider
    # What the delivery was about: a NOWPayments payment status, a Kinguin `X-Event-Name`.
    event: str
    raw_body: bytes
    signature: str | None
    signature_valid: bool
    dedupe_key: str | None
    outcome: str
    order_id: str | None
    received_at: datetime
    replayed_from: str | None = None

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise InvalidValue("Unknown webhook provider.")
        if len(self.raw_body) > MAX_BODY_BYTES:
            raise InvalidValue("The webhook body is too large to keep.")
        if not 0 < len(self.outcome) <= MAX_OUTCOME_LENGTH:
            raise InvalidValue("A webhook delivery needs an outcome of at most 64 characters.")

    def __repr__(self) -> str:
        # The body and the signature stay out of reprs (and so out of logs and tracebacks).
        return (
            f"WebhookDelivery(id={self.id!r}, provider={self.provider!r}, event={self.event!r}, "
            f"outcome={self.outcome!r}, order_id={self.order_id!r}, body_size={len(self.raw_body)}, "
            f"replayed_from={self.replayed_from!r})"
        )

    @property
    def body_size(self) -> int:
        return len(self.raw_body)

    def body_text(self) -> str:
        """The body as text for the operator (UTF-8; undecodable bytes replaced)."""
        return self.raw_body.decode("utf-8", errors="replace")
