"""Metrics across processes (docs/metrics.md): `bitloot serve --workers 2` answers `/metrics` for both
granian workers, in a folder emptied at start (or a temporary one removed at the end); a `bitloot worker`
serves its own metrics on `BITLOOT_METRICS_PORT` and writes nothing to the API's folder."""

import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.http.test_serve_command import serve_environment, wait_for_health
from tests.infra.ports import free_ports, wait_for_port
from tests.support.cli_processes import cli, start_cli, stop
from tests.support.scraped_metrics import http_requests, per_process

REQUESTS = 120


def get_fresh(port: int, path: str) -> int:
    """One request on a connection of its own, so the kernel may hand it to either worker."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        return client.get(path, headers={"Connection": "close"}).status_code


def test_two_granian_workers_add_up_in_one_scrape(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_99999.db").write_bytes(b"left by an earlier run")
    env = serve_environment(tmp_path / "data", port) | {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    process = start_cli(cli("serve", "--port", str(port), "--workers", "2"), env)
    try:
        wait_for_health(port, process)
        assert not (folder / "counter_99999.db").exists(), "the folder was emptied at start"
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: get_fresh(port, "/"), range(REQUESTS)))
        assert statuses == [200] * REQUESTS
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        served = per_process(folder, "/")
    finally:
        _, err = stop(process)

    assert "Traceback" not in err
    assert http_requests(scraped, "/") == REQUESTS
    assert sum(served.values()) == REQUESTS
    assert len([pid for pid, count in served.items() if count]) == 2, served
    assert "process_resident_memory_bytes" not in scraped, "per-process figures do not add up"


def test_without_a_folder_serve_makes_a_temporary_one_and_removes_it(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = serve_environment(tmp_path / "data", port) | {"TMPDIR": str(temp)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = start_cli(cli("serve", "--port", str(port)), env)
    try:
        wait_for_health(port, process)
        [folder] = temp.glob("bitloot-metrics-*")
        assert list(folder.glob("*.db")), "the process writes its metrics there"
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        stop(process)

    assert http_requests(scraped, "/health") >= 1
    assert list(temp.glob("bitloot-metrics-*")) == []


def test_a_worker_serves_its_own_metrics_on_its_port_and_only_there(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    (port,) = free_ports(1)
    folder = tmp_path / "api-metrics"
    folder.mkdir()
    data = tmp_path / "data"
    env = serve_environment(data, 8000) | {
        "BITLOOT_BROKER_URL": redis_url,
        "BITLOOT_QUEUE_NAME": queue_name,
        "BITLOOT_METRICS_PORT": str(port),
        # As if the API's folder were in the worker's environment too: it must not write there.
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    subprocess.run(cli("migrate"), env=env, check=True, capture_output=True, timeout=120)  # noqa: S603
    worker = start_cli(cli("worker"), env)
    try:
        assert wait_for_port(port, 60), "the worker's metrics listener never opened"
        deadline = time.monotonic() + 10
        while "bitloot_fulfillment_jobs_total" not in (
            text := httpx.get(f"http://127.0.0.1:{port}/metrics").text
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # The worker takes over SIGTERM a moment after its receiver starts (entrypoints/worker.py).
        time.sleep(1)
    finally:
        _, err = stop(worker, signal.SIGTERM)

    assert 'bitloot_fulfillment_jobs_total{outcome="fulfilled"} 0.0' in text
    assert "process_resident_memory_bytes" in text
    assert list(folder.iterdir()) == []
    assert "Traceback" not in err
    assert worker.returncode == 0, err
