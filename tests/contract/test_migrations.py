"""The migrations build exactly the schema the tables declare: Alembic's comparison of a database
migrated to head with the metadata finds nothing to add, drop or alter, on SQLite and PostgreSQL."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bitloot.adapters.persistence.sqla.migrate import VERSION_TABLE
from bitloot.adapters.persistence.sqla.tables import Base


def _compare(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
    )
    return list(compare_metadata(context, Base.metadata))


async def differences(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_compare)
    finally:
        await engine.dispose()


async def test_sqlite_migrated_to_head_matches_the_tables(sqlite_template: Path) -> None:
    assert await differences(f"sqlite+aiosqlite:///{sqlite_template}") == []


async def test_postgres_migrated_to_head_matches_the_tables(postgres_url: str) -> None:
    assert await differences(postgres_url) == []
