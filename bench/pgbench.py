"""The database's own ceiling: pgbench's TPC-B-like transactions per second on the bench's PostgreSQL
server, in a throwaway database of its own (`pgbench -i -s 10`, then 16 clients on 2 threads).
Without a pgbench binary the figure is not measured, and the run goes on."""

import asyncio
import os
import re
import shutil
import subprocess

from sqlalchemy.engine import make_url
from tests.infra import postgres_server

from bench.report import NOT_MEASURED

TPS = re.compile(r"^tps = ([\d.]+)", re.MULTILINE)


def tps(output: str) -> float:
    """The TPS pgbench reports (the last `tps = ...` line); not measured when there is none."""
    found = TPS.findall(output)
    return float(found[-1]) if found else NOT_MEASURED


def binary() -> str | None:
    return shutil.which("pgbench")


def _connection(database_url: str) -> tuple[list[str], dict[str, str]]:
    url = make_url(database_url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return args, env


async def pgbench_tps(server_url: str, seconds: float, clients: int = 16, threads: int = 2) -> float:
    pgbench = binary()
    if pgbench is None:
        return NOT_MEASURED
    database_url = await postgres_server.create_database(server_url)
    name = database_url.rpartition("/")[2]
    args, env = _connection(database_url)
    try:
        for command in (
            [pgbench, *args, "-i", "-q", "-s", "10", name],
            [pgbench, *args, "-c", str(clients), "-j", str(threads), "-T", str(max(1, round(seconds))), name],
        ):
            done = await asyncio.to_thread(
                subprocess.run,  # fixed arguments
                command,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(f"pgbench failed ({done.returncode}): {done.stderr.strip()[-300:]}", flush=True)
                return NOT_MEASURED
        return tps(done.stdout)
    finally:
        await postgres_server.drop_database(database_url)
