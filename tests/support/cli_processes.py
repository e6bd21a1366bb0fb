"""Our own command line (`bitloot ...`) run as a process of its own session, as a terminal would run
it, its output piped; and stopped the way Ctrl-C stops it, the whole process group (the command and,
for `serve`, granian's workers) at once, never left running when the test fails."""

import os
import signal
import subprocess
import sys
from collections.abc import Mapping


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "bitloot.entrypoints.cli", *args]


def start_cli(args: list[str], env: Mapping[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own CLI
        args,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str], signum: int = signal.SIGINT) -> tuple[str, str]:
    """Signal the process's group and wait for it to end (killed after a minute); what it printed to
    stdout and stderr."""
    os.killpg(process.pid, signum)
    try:
        return process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
