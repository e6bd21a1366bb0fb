"""Alembic environment: runs migrations on the async engine the service itself would use."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bitloot.adapters.persistence.sqla.engine import DatabaseSettings, create_engine
from bitloot.adapters.persistence.sqla.migrate import VERSION_TABLE
from bitloot.adapters.persistence.sqla.tables import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _online(url: str) -> None:
    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


asyncio.run(_online(context.config.attributes["url"]))
