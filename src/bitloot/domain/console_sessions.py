"""Console sessions (docs/console.md): what a signed-in browser holds, and when it ends.

The cookie holds `<session id>.<secret>`; the database keeps only the SHA-256 of the secret, so a
copy of the database signs no one in. A session ends when it is signed out (revoked), when it was
idle longer than the idle limit, or when it is older than the absolute limit, whichever comes first.
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

# `last_seen_at` is written at most this often, not on every page.
TOUCH_EVERY: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SessionLimits:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class ConsoleSession:
    id: str
    operator_id: str
    secret_hash: str = field(repr=False)
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None

    def matches(self, secret: str) -> bool:
        """Whether `secret` is this session's, compared in constant time."""
        return hmac.compare_digest(secret_hash(secret).encode(), self.secret_hash.encode())

    def live(self, now: datetime, limits: SessionLimits) -> bool:
        return (
            self.revoked_at is None
            and now - self.last_seen_at <= limits.idle
            and now - self.created_at <= limits.absolute
        )

    def due_for_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= TOUCH_EVERY
