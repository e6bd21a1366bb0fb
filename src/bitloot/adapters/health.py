"""Health probes for the dependencies that have no probe of their own."""

from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class SqlDatabaseProbe:
    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))


class CallableProbe:
    """A probe named `name` that passes when `check` returns."""

    def __init__(self, name: str, check: Callable[[], Awaitable[None]]) -> None:
        self.name = name
        self._check = check

    async def check(self) -> None:
        await self._check()
