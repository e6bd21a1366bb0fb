"""PostgreSQL for tests: the machine's server when it answers, else a throwaway cluster made with the
installed server binaries (initdb, pg_ctl), run as the `postgres` user when we are root."""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.infra.ports import free_ports, wait_for_port

DEFAULT_SERVER = os.environ.get("BITLOOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/")

HOW_TO_START = """The tests need PostgreSQL; none answers at {where}, and no server binaries (initdb)
are installed to start a throwaway one. Start one with trust auth on 127.0.0.1:5432, for example
`pg_ctlcluster 15 main start` on Debian,
or point BITLOOT_TEST_POSTGRES_URL at another server (postgresql+asyncpg://user@host:port/)."""


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@dataclass
class ThrowawayPostgres:
    """A cluster of our own on a free port, which tests may stop and start again."""

    port: int
    directory: Path

    @property
    def server_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)  # noqa: S603

    def init(self) -> None:
        initdb = _bin("initdb")
        if initdb is None:
            raise RuntimeError(HOW_TO_START.format(where=f"127.0.0.1:{self.port}"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self._run(initdb, "-D", str(self.directory / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        pg_ctl = _bin("pg_ctl")
        assert pg_ctl is not None
        options = f"-h 127.0.0.1 -p {self.port} -k {self.directory} -c fsync=off"
        self._run(
            pg_ctl,
            "-D",
            str(self.directory / "data"),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )
        if not wait_for_port(self.port, 20):
            raise RuntimeError("throwaway PostgreSQL did not start")

    def stop(self, mode: str = "fast") -> None:
        pg_ctl = _bin("pg_ctl")
        assert pg_ctl is not None
        self._run(pg_ctl, "-D", str(self.directory / "data"), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def throwaway_postgres() -> ThrowawayPostgres:
    (port,) = free_ports(1)
    directory = Path(tempfile.mkdtemp(prefix="bitloot-pg-"))
    directory.chmod(0o755)
    server = ThrowawayPostgres(port, directory)
    server.init()
    server.start()
    return server


def reachable(server_url: str) -> bool:
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    return wait_for_port(url.port or 5432, 0.5)


async def admin_statement(server_url: str, statement: str) -> None:
    """Run one statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database="postgres",
        timeout=5,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_database(server_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    import secrets

    name = f"bitloot_test_{secrets.token_hex(6)}"
    await admin_statement(server_url, f'CREATE DATABASE "{name}"')
    return server_url.rstrip("/") + "/" + name


async def drop_database(database_url: str) -> None:
    server, _, name = database_url.rpartition("/")
    await admin_statement(server + "/", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
