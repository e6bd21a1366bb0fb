"""The reveal audit trail: who asked to see a key, from where, and what happened."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RevealChannel(StrEnum):
    API = "api"
    LINK = "link"


class RevealOutcome(StrEnum):
    REVEALED = "revealed"
    TAMPER_DETECTED = "tamper_detected"
    # The credential was good but the order was refunded: the attempt is kept for the operator.
    REFUSED_REFUNDED = "refused_refunded"


@dataclass(frozen=True, slots=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class RevealEvent:
    id: str
    order_id: str
    item_id: str
    key_id: str
    channel: RevealChannel
    outcome: RevealOutcome
    client: ClientInfo
    at: datetime
