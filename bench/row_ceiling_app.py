"""The status-read ceiling: Litestar + asyncpg on granian answering a GET with one row fetched by
primary key from a small table of the bench's database (`bench_ceiling_rows`), about what a status
read has to do at the least. `BENCH_ROW_DATABASE_URL` names the database (a libpq URL)."""

import os
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.params import FromPath

TABLE = "bench_ceiling_rows"
ROWS = 200
# As many connections per process as the API's pool holds (`pool_size`).
POOL_SIZE = 10


async def open_pool(app: Litestar) -> None:
    app.state.pool = await asyncpg.create_pool(
        os.environ["BENCH_ROW_DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE
    )


async def close_pool(app: Litestar) -> None:
    await app.state.pool.close()


@get("/rows/{row_id:int}")
async def row(row_id: FromPath[int], state: State) -> dict[str, Any]:
    record = await state.pool.fetchrow(f"SELECT id, status, updated_at FROM {TABLE} WHERE id = $1", row_id)  # noqa: S608 - a constant
    return {"id": record["id"], "status": record["status"], "updatedAt": record["updated_at"].isoformat()}


# No logging config: importing this module (for `TABLE`) leaves the importer's logging alone.
app = Litestar(route_handlers=[row], on_startup=[open_pool], on_shutdown=[close_pool], logging_config=None)
