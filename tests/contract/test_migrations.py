"""The migrations build exactly the schema the tables declare: Alembic's comparison of a database
migrated to head with the metadata finds nothing to add, drop or alter, on SQLite and PostgreSQL."""

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Connection
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


# SQLAlchemy cannot reflect an expression index on SQLite (PostgreSQL compares them): the test below
# checks those by name instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
async def test_sqlite_migrated_to_head_matches_the_tables(sqlite_template: Path) -> None:
    assert await differences(f"sqlite+aiosqlite:///{sqlite_template}") == []


def test_sqlite_has_the_expression_indexes_the_tables_declare(sqlite_template: Path) -> None:
    declared = {
        index.name
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if any(not isinstance(e, Column) for e in index.expressions)
    }
    with closing(sqlite3.connect(sqlite_template)) as db:
        built = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert declared
    assert declared <= built


async def test_postgres_migrated_to_head_matches_the_tables(postgres_url: str) -> None:
    assert await differences(postgres_url) == []
