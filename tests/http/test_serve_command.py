"""`bitloot serve` as a developer runs it, in a process of its own: Ctrl-C ends it quietly, a port
already in use is refused in one line before anything starts, and everything it logs (the CLI,
granian, the app in granian's worker) is in one line format."""

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.infra.ports import free_ports
from tests.support.cli_processes import cli, start_cli, stop

# `2026-01-31 12:00:00,123 INFO bitloot.entrypoints.seed: seeded ...` (entrypoints/logging_setup.py)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def serve_command(port: int) -> list[str]:
    return cli("serve", "--port", str(port))


def serve_environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    return env | {"BITLOOT_DATA_DIR": str(data_dir), "BITLOOT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}


def wait_for_health(port: int, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "bitloot serve ended before it answered"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("bitloot serve did not answer /health")


def test_ctrl_c_ends_serve_quietly_and_every_line_it_logged_has_one_format(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    # A session of its own: Ctrl-C in a terminal reaches the whole foreground process group (the
    # command and granian's workers), and so does the SIGINT below, but not this test.
    process = start_cli(serve_command(port), serve_environment(tmp_path, port))
    try:
        wait_for_health(port, process)
        # Something the app logs while it serves, from inside granian's worker.
        refused = httpx.post(
            f"http://127.0.0.1:{port}/payments/ipn", content=b"{}", headers={"x-nowpayments-sig": "bad"}
        )
        assert refused.status_code == 401
    finally:
        out, err = stop(process)

    assert process.returncode in (0, 130), err
    assert "Traceback" not in err
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert [line for line in lines if not LOG_LINE.match(line)] == []
    assert any(" granian: " in line for line in lines), "granian's own lines are in the same format"
    assert any("signature" in line for line in lines), "the app's lines at run time are too"


def test_a_port_already_in_use_is_refused_in_one_line_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        result = subprocess.run(  # noqa: S603 - our own CLI
            serve_command(port),
            env=serve_environment(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"bitloot serve: 127.0.0.1:{port} is already in use; stop the other server or choose another "
        "port with --port"
    ]
    assert result.stdout == ""
    assert not (tmp_path / "bitloot.db").exists(), "nothing was prepared for a server that cannot start"
