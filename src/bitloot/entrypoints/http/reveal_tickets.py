"""One-time tickets of the keys page: what lets `GET /d/{token}/keys` show keys once per press of the
delivery page's reveal button, and never on a reload, the back or forward button (docs/vault.md).

`POST /d/{token}/reveal` (the button) answers `303` to `/d/{token}/keys?r={ticket}`. The ticket is an
HMAC over the link's token, the order's reveal count at the press, and an expiry two minutes on;
the keys page reveals only while the order's count is still that one, in the reveal's own
transaction (`RevealRequest.expected_reveal_count`). The reveal moves the count on, so the same
address asked again (a reload) shows "press the button again" instead of keys, and audits and counts
nothing. The state is the order's own reveal count: one ticket reveals once across every API process,
with no table of tickets."""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

TICKET_LIFETIME: Final = timedelta(minutes=2)
_TICKET = re.compile(r"([0-9]{1,9})\.([0-9]{1,12})\.([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class RevealTicket:
    """A ticket that checked out: the reveal count it allows a reveal at."""

    reveal_count: int


class RevealTickets:
    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self, link_token: str, reveal_count: int, now: datetime) -> str:
        """The ticket of one press of the reveal button on this link's page."""
        expires = int((now + TICKET_LIFETIME).timestamp())
        return f"{reveal_count}.{expires}.{self._sign(link_token, reveal_count, expires)}"

    def check(self, link_token: str, ticket: object, now: datetime) -> RevealTicket | None:
        """The ticket's reveal count; None for a ticket forged, of another link, or expired."""
        parts = _TICKET.fullmatch(ticket) if isinstance(ticket, str) else None
        if parts is None:
            return None
        count, expires = int(parts[1]), int(parts[2])
        if not hmac.compare_digest(parts[3], self._sign(link_token, count, expires)):
            return None
        if now.timestamp() >= expires:
            return None
        return RevealTicket(count)

    def _sign(self, link_token: str, reveal_count: int, expires: int) -> str:
        message = f"reveal-ticket:{reveal_count}:{expires}:{link_token}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "RevealTickets(<key hidden>)"
