"""The HTTP ceilings, served by granian + uvloop like the API and driven by the same load generator
(bench/load.py): Litestar answering a constant body (bench/ceiling_app.py), and Litestar + asyncpg
fetching one row by primary key (bench/row_ceiling_app.py)."""

import asyncio
import subprocess
import sys

import asyncpg  # type: ignore[import-untyped]
from tests.infra.ports import free_ports, wait_for_port

from bench.load import closed_loop
from bench.row_ceiling_app import ROWS, TABLE


async def served(app: str, path_for: list[str], workers: int, seconds: float, env: dict[str, str]) -> float:
    """Requests per second from 50 connections on `app` served with `workers` granian workers;
    request `i` goes to `path_for[i % len]`."""
    (port,) = free_ports(1)
    server = subprocess.Popen(  # noqa: S603, ASYNC220 - fixed arguments; started once, before measuring
        [
            *(sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop"),
            *("--port", str(port), "--workers", str(workers), "--no-ws", app),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        if not wait_for_port(port, 20):
            raise RuntimeError(f"the ceiling {app} did not start")
        await asyncio.sleep(0.5 + 0.5 * workers)
        base = f"http://127.0.0.1:{port}"
        result = await closed_loop(lambda i: (base + path_for[i % len(path_for)], {}), 50, seconds)
        return result.per_second
    finally:
        server.terminate()
        server.wait()


async def hello_world(workers: int, seconds: float, env: dict[str, str]) -> float:
    return await served("bench.ceiling_app:app", ["/hello"], workers, seconds, env)


async def one_row(libpq_url: str, workers: int, seconds: float, env: dict[str, str]) -> float:
    """Creates and fills the small table first (in the bench's database, beside the shop's tables)."""
    connection = await asyncpg.connect(libpq_url)
    try:
        await connection.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, status text NOT NULL,"  # noqa: S608 - constants
            " updated_at timestamptz NOT NULL);"
            f"INSERT INTO {TABLE} SELECT n, 'fulfilled', now() FROM generate_series(1, {ROWS}) AS n"
            " ON CONFLICT DO NOTHING"
        )
    finally:
        await connection.close()
    paths = [f"/rows/{n}" for n in range(1, ROWS + 1)]
    return await served(
        "bench.row_ceiling_app:app", paths, workers, seconds, {**env, "BENCH_ROW_DATABASE_URL": libpq_url}
    )
