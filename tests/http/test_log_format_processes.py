"""One line format per mode across the processes: the CLI, `bitloot serve` (granian's main process,
its worker and the app inside) print every line as JSON with `BITLOOT_LOG_FORMAT=json` (production's
default), and the CLI's text lines read as they always did."""

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.http.test_serve_command import LOG_LINE, serve_command, serve_environment, wait_for_health
from tests.infra.ports import free_ports
from tests.support.cli_processes import start_cli, stop
from tests.support.log_lines import json_lines


def migrate(data_dir: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bitloot.entrypoints.cli", "migrate"],
        env={**env, "BITLOOT_DATA_DIR": str(data_dir), **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_the_cli_logs_json_lines_when_asked(tmp_path: Path) -> None:
    result = migrate(tmp_path, BITLOOT_LOG_FORMAT="json")

    lines = json_lines(result.stderr)
    schema = [line for line in lines if line["message"] == "database is at the newest schema"]
    assert [line["logger"] for line in schema] == ["bitloot"]
    assert result.stdout == ""


def test_the_cli_logs_text_lines_by_default_outside_production(tmp_path: Path) -> None:
    result = migrate(tmp_path)

    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines
    assert [line for line in lines if not LOG_LINE.match(line)] == []
    assert any(line.endswith("INFO bitloot: database is at the newest schema") for line in lines)


def test_serve_logs_every_line_as_json_granian_s_and_the_access_log_too(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    process = start_cli(
        serve_command(port), {**serve_environment(tmp_path, port), "BITLOOT_LOG_FORMAT": "json"}
    )
    try:
        wait_for_health(port, process)
        missing = httpx.get(f"http://127.0.0.1:{port}/d/a-link-token-of-nobody", timeout=5)
    finally:
        out, err = stop(process)

    assert out == ""
    lines = json_lines(err)
    assert any(line["logger"] == "granian" for line in lines), "granian's own lines are JSON too"
    assert any(line["logger"] == "bitloot.entrypoints.seed" for line in lines), "and the CLI's"
    access_lines = [line for line in lines if line["logger"] == "bitloot.access"]
    (access,) = [line for line in access_lines if line["route"] == "/d/{token}"]
    assert access["request_id"] == missing.headers["x-request-id"]
    assert (access["method"], access["status"], access["client"]) == ("GET", missing.status_code, "127.0.0.1")
    assert "a-link-token-of-nobody" not in err
    assert not any(line["logger"] == "granian.access" for line in lines), "granian's access log is off"
