"""SqlOrderProgressReader on PostgreSQL, where it sends its statement to asyncpg itself
(adapters/persistence/sqla/driver_reads.py): after a server restart it fails once and then reads on
fresh connections, as SQLAlchemy's own path does; on a traced engine it keeps SQLAlchemy's path."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bitloot.adapters.persistence.sqla.engine import DatabaseSettings, create_engine, session_factory
from bitloot.adapters.persistence.sqla.read_models import SqlOrderProgressReader
from bitloot.adapters.persistence.sqla.unit_of_work import SqlaUnitOfWork
from bitloot.domain.order_status import OrderStatus
from tests.contract.conftest import _empty_postgres
from tests.contract.factories import make_item, make_order, make_product, store


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(postgres_url))
    await _empty_postgres(engine)
    yield engine
    await engine.dispose()


async def an_order(engine: AsyncEngine) -> str:
    product = make_product()
    order = make_order(make_item(product), status=OrderStatus.PAID)
    async with session_factory(engine)() as session:
        await store(SqlaUnitOfWork(session), products=[product], orders=[order])
    return order.id


async def end_every_session(postgres_url: str) -> None:
    """What a restart of the server does to the pool's connections."""
    connection = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()


async def test_after_the_servers_sessions_end_a_read_fails_once_then_reads_on_new_ones(
    engine: AsyncEngine, postgres_url: str
) -> None:
    order_id = await an_order(engine)
    reader = SqlOrderProgressReader(engine)
    # Several connections in the pool, each of which the server then drops.
    await asyncio.gather(*(reader.progress(order_id) for _ in range(5)))
    assert engine.pool.checkedin() > 1  # type: ignore[attr-defined]
    await end_every_session(postgres_url)

    with pytest.raises(Exception):  # noqa: B017, PT011 - whichever error asyncpg gives a dead socket
        await reader.progress(order_id)
    for _ in range(5):
        assert (await reader.progress(order_id)) is not None


async def test_a_traced_engine_reads_through_sqlalchemy_so_the_tracer_sees_the_statement(
    engine: AsyncEngine,
) -> None:
    order_id = await an_order(engine)
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    progress = await SqlOrderProgressReader(engine).progress(order_id)

    assert progress is not None
    assert progress.order_id == order_id
    assert [s for s in seen if "FROM orders" in s]
