"""Hashing operator passwords with a memory-hard KDF (docs/console.md)."""

from typing import Protocol


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str:
        """A salted hash that names its own parameters, so stronger settings later still verify old
        hashes. Slow on purpose; runs off the event loop."""
        ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` is the one hashed, in time independent of where they differ. With
        `password_hash` None (no such operator) it does the same work against a dummy hash and answers
        False, so an unknown email costs what a wrong password costs."""
        ...
