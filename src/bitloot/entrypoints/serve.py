"""`bitloot serve`: the HTTP API under granian.

Ctrl-C ends it quietly: granian stops its workers, each runs the app's shutdown, and the command
exits 0 (130 when the interrupt came before granian was serving), with no traceback. A port that is
already taken is refused before anything starts, in one line."""

import errno
import logging
import os
import signal
import socket

from granian import Granian
from granian.constants import Interfaces, Loops

from bitloot.entrypoints.logging_setup import logging_config

# How long a worker may take to stop (its in-process jobs finish meanwhile; the job worker drains as
# long) before granian kills it. Without a bound, a worker that misses its stop signal (granian
# 2.8 loses one that arrives while the worker is still starting) would keep `serve` waiting forever.
SHUTDOWN_GRACE_SECONDS = 20

log = logging.getLogger("bitloot")


def address_problem(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (already in use, not an address of this machine, a
    privileged port), or None. Bound and closed at once; granian binds it for real a moment later."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        return f"bitloot serve: cannot listen on {host}:{port}: {exc.strerror}"
    with socket.socket(family, kind, proto) as probe:
        # As granian does: a port left in TIME_WAIT by the last run is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"bitloot serve: {host}:{port} is already in use; stop the other server or "
                    "choose another port with --port"
                )
            return f"bitloot serve: cannot listen on {host}:{port}: {exc.strerror}"
    return None


def serve_http(host: str, port: int, workers: int = 1) -> int:
    log.info(
        "serving on http://%s:%d with %d worker%s (API documentation at /schema)",
        host,
        port,
        workers,
        "" if workers == 1 else "s",
    )
    os.register_at_fork(after_in_child=_until_granian_takes_over)
    Granian(
        "bitloot.entrypoints.http.app:app_from_environment",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        workers_kill_timeout=SHUTDOWN_GRACE_SECONDS,
        loop=Loops.uvloop,
        log_dictconfig=logging_config(),
        log_access=False,
    ).serve()
    return 0


def _until_granian_takes_over() -> None:
    """In a worker, from its fork until granian installs the worker's own signal handlers (just
    before the app starts), the copy of the main process's handlers would swallow a stop signal:
    meanwhile Ctrl-C is left to the main process (which then stops the workers), and a stop request
    ends a worker that has nothing to finish yet."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
