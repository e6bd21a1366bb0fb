"""Dependencies the health endpoint checks."""

from typing import Protocol


class HealthProbe(Protocol):
    name: str

    async def check(self) -> None:
        """Return when the dependency answers; raise anything otherwise."""
        ...
