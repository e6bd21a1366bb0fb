"""The `PasswordHasher` port on Argon2id (argon2-cffi): the library's default parameters in
production (RFC 9106's second recommended option), cheap ones for the tests."""

import asyncio
import secrets

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    def __init__(self, argon2: Argon2 | None = None) -> None:
        self._argon2 = argon2 or Argon2()
        # Verified when the email is unknown: the same parameters, so the same work.
        self._dummy = self._argon2.hash(secrets.token_urlsafe(16))

    @classmethod
    def cheap(cls) -> "Argon2PasswordHasher":
        """For tests only: a hash in well under a millisecond."""
        return cls(Argon2(time_cost=1, memory_cost=8, parallelism=1))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False
