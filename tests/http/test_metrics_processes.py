"""Metrics across processes (docs/metrics.md): `bitloot serve --workers 2` answers `/metrics` for both
granian workers, in a folder emptied at start (or a temporary one removed at the end); a `bitloot worker`
serves its own metrics on `BITLOOT_METRICS_PORT` and writes nothing to the API's folder."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.http.test_serve_command import serve_environment, wait_for_health
from tests.infra.ports import free_ports, wait_for_port

REQUESTS = 120


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "bitloot.entrypoints.cli", *args]


def http_requests(text: str, route: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "bitloot_http_requests_total" and s.labels["route"] == route
    )


def per_process(folder: Path, route: str) -> Counter[str]:
    """How many requests to `route` each process wrote to its own file in the shared folder."""
    served: Counter[str] = Counter()
    for path in folder.glob("counter_*.db"):
        pid = path.stem.removeprefix("counter_")
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):  # type: ignore[no-untyped-call]
            metric, _, labels, _ = json.loads(key)
            if metric == "bitloot_http_requests" and labels.get("route") == route:
                served[pid] += int(value)
    return served


def get_fresh(port: int, path: str) -> int:
    """One request on a connection of its own, so the kernel may hand it to either worker."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        return client.get(path, headers={"Connection": "close"}).status_code


def stop(process: subprocess.Popen[str], signum: int = signal.SIGINT) -> str:
    os.killpg(process.pid, signum)
    try:
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return err


def test_two_granian_workers_add_up_in_one_scrape(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_99999.db").write_bytes(b"left by an earlier run")
    env = serve_environment(tmp_path / "data", port) | {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        cli("serve", "--port", str(port), "--workers", "2"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_health(port, process)
        assert not (folder / "counter_99999.db").exists(), "the folder was emptied at start"
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: get_fresh(port, "/"), range(REQUESTS)))
        assert statuses == [200] * REQUESTS
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        served = per_process(folder, "/")
    finally:
        err = stop(process)

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
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        cli("serve", "--port", str(port)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
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
    worker = subprocess.Popen(  # noqa: S603 - our own CLI
        cli("worker"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
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
        err = stop(worker, signal.SIGTERM)

    assert 'bitloot_fulfillment_jobs_total{outcome="fulfilled"} 0.0' in text
    assert "process_resident_memory_bytes" in text
    assert list(folder.iterdir()) == []
    assert "Traceback" not in err
    assert worker.returncode == 0, err
