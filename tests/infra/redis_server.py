"""Redis for tests: the machine's server when it answers, else a throwaway `redis-server`."""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.infra.ports import free_ports, wait_for_port

DEFAULT_URL = os.environ.get("BITLOOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

HOW_TO_START = """The tests need Redis; none answers at {url} and no `redis-server` binary is installed.
Start one on 127.0.0.1:6379 (e.g. `apt-get install redis-server && redis-server --daemonize yes`),
or set BITLOOT_TEST_REDIS_URL."""


@dataclass
class ThrowawayRedis:
    """A redis-server of our own that tests may stop and start again on the same port."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(HOW_TO_START.format(url=self.url))
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for_port(self.port, 10):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def throwaway_redis() -> ThrowawayRedis:
    (port,) = free_ports(1)
    server = ThrowawayRedis(port, Path(tempfile.mkdtemp(prefix="bitloot-redis-")))
    server.start()
    return server


def reachable(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return wait_for_port(parsed.port or 6379, 0.5) if parsed.hostname in ("127.0.0.1", "localhost") else True
