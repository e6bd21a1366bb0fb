"""Sign-in attempts, limited per client address and per email tried (`BITLOOT_SIGN_IN_LIMIT_PER_IP`,
`BITLOOT_SIGN_IN_LIMIT_PER_EMAIL`, per `BITLOOT_RATE_LIMIT_WINDOW_SECONDS`), checked before the
password is: a guesser is slowed whether they try many passwords for one email or one password for
many. Counter keys hold hashes, never the email."""

import hashlib
from dataclasses import dataclass

from bitloot.application.ports.rate_limit import RateLimiter
from bitloot.entrypoints.config.tuning import RateLimits


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode('utf-8')).hexdigest()[:32]}"


@dataclass(frozen=True, slots=True)
class SignInLimits:
    limiter: RateLimiter
    limits: RateLimits

    async def admit(self, client_ip: str, email: str) -> int | None:
        """Counts the attempt; None when allowed, else the seconds until it may be tried again."""
        window = self.limits.window_seconds
        by_ip = await self.limiter.hit(_key("sign-in-ip", client_ip), self.limits.sign_in_per_ip, window)
        by_email = await self.limiter.hit(
            _key("sign-in-email", email.strip().lower()), self.limits.sign_in_per_email, window
        )
        refused = [d.retry_after_seconds for d in (by_ip, by_email) if not d.allowed]
        return max(refused) if refused else None
